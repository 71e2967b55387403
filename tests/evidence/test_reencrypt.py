"""After a key rotation, `evidence_reencrypt` moves every stored file (evidence files and
built packets) to the newest key: readable with it alone, the same bytes, the old
objects gone; a second run finds nothing to do; a file no key reads is left alone and
named; an erasure meanwhile is not undone."""

from __future__ import annotations

import base64

import pytest
from cryptography.fernet import Fernet
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from aftercare.crypto import canary_ensure
from cases.models import Packet, PacketVersion
from evidence import rotation
from evidence.models import Evidence
from evidence.services import evidence_add
from evidence.storage import decrypted_read, encrypted_save, evidence_storage, stored_exists
from tests.actors import lead_actor
from tests.evidence import samples
from tests.factories import make_matter, make_survivor

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(harbor, attorney):
    """An evidence file and a built packet, both written under the key in use now."""
    matter = make_matter(harbor, lead=attorney.user, client=make_survivor(harbor))
    photo = samples.png_image((60, 40))
    evidence = evidence_add(
        actor=lead_actor(matter),
        survivor=matter.client,
        matter=matter,
        kind="other",
        upload=SimpleUploadedFile("id.png", photo),
        description="ID card",
    )
    packet_pdf = samples.simple_pdf(2)
    packet = Packet.objects.create(matter=matter, created_by=attorney.user)
    version = PacketVersion.objects.create(
        packet=packet,
        number=1,
        storage_name=encrypted_save(packet_pdf),
        sha256="0" * 64,
        pages=2,
        cover_pages=1,
        bates_prefix=matter.number,
        created_by=attorney.user,
    )
    return {
        evidence: decrypted_read(evidence.storage_name),
        version: packet_pdf,
    }


def test_every_stored_file_moves_to_the_new_key(
    settings, stored, capsys, django_capture_on_commit_callbacks
):
    old_key, new_key = settings.FIELD_ENCRYPTION_KEY[0], Fernet.generate_key().decode()
    old_names = {row: row.storage_name for row in stored}
    settings.FIELD_ENCRYPTION_KEY = [new_key, old_key]

    call_command("evidence_reencrypt", "--dry-run")
    assert "2 files would be re-encrypted; 0 already current." in capsys.readouterr().out
    assert all(stored_exists(name) for name in old_names.values())

    with django_capture_on_commit_callbacks(execute=True):
        call_command("evidence_reencrypt")
    out = capsys.readouterr().out
    assert "2 files re-encrypted; 0 already current." in out
    assert "evidence.Evidence: 1" in out and "cases.PacketVersion: 1" in out

    call_command("rotate_encryption_keys")  # the columns, as a rotation does too
    settings.FIELD_ENCRYPTION_KEY = [new_key]  # the old key retired
    for row, content in stored.items():
        row.refresh_from_db()
        assert row.storage_name != old_names[row]
        assert decrypted_read(row.storage_name) == content
        assert not stored_exists(old_names[row]), "no copy left under the old key"

    call_command("evidence_reencrypt")
    assert "0 files re-encrypted; 2 already current." in capsys.readouterr().out


def test_a_file_no_key_reads_is_left_alone_and_named(
    settings, stored, capsys, django_capture_on_commit_callbacks
):
    """A file written under a key nobody kept: the others move, it stays as it was."""
    evidence = next(row for row in stored if isinstance(row, Evidence))
    lost = Fernet(Fernet.generate_key()).encrypt(b"written under a lost key")
    name = "lost/file"
    evidence_storage().save(name, ContentFile(base64.urlsafe_b64decode(lost)))
    Evidence.objects.filter(pk=evidence.pk).update(storage_name=name)
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode(), *settings.FIELD_ENCRYPTION_KEY]
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(
            CommandError, match=f"No configured key reads these files.*Evidence {evidence.pk}"
        ),
    ):
        call_command("evidence_reencrypt")
    assert "1 files re-encrypted" in capsys.readouterr().out, "the packet moved"
    with evidence_storage().open(name) as kept:
        assert base64.urlsafe_b64encode(kept.read()) == lost


def test_the_command_refuses_keys_that_cannot_read_the_database(settings):
    canary_ensure()  # under the key in use now
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode()]
    with pytest.raises(CommandError, match="cannot decrypt the stored encryption canary"):
        call_command("evidence_reencrypt")


def test_an_erasure_meanwhile_is_not_undone(
    settings, stored, monkeypatch, django_capture_on_commit_callbacks
):
    old_key = settings.FIELD_ENCRYPTION_KEY[0]
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode(), old_key]
    version = next(row for row in stored if isinstance(row, PacketVersion))
    saved = []
    real_save = evidence_storage().save

    def erased_while_copying(name, content):
        saved.append(name)
        if len(saved) == 2:  # the packet's copy is written: the erasure lands now
            PacketVersion.objects.filter(pk=version.pk).update(storage_name="")
        return real_save(name, content)

    monkeypatch.setattr(
        type(evidence_storage()), "save", lambda _self, n, c: erased_while_copying(n, c)
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = rotation.reencrypt_stored_files()
    assert report.reencrypted == 2
    assert not stored_exists(saved[1]), "the erased packet's new copy is gone too"
