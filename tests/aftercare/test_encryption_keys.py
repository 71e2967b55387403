"""A wrong key stops the application; rotating keys loses nothing."""

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection

from aftercare import crypto
from aftercare.models import EncryptionCanary
from aftercare.startup import refuse_to_start_on_wrong_key

pytestmark = pytest.mark.django_db


def raw_values() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM aftercare_encryptioncanary ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def test_the_database_holds_only_ciphertext_of_encrypted_fields():
    EncryptionCanary.objects.create(value="canary-Zorzal-7731")
    assert not any("Zorzal" in value for value in raw_values())
    assert EncryptionCanary.objects.filter(value__isnull=False).count() == 2


def test_a_wrong_key_fails_the_start_up_check(settings):
    call_command("check")  # the right key passes
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode()]
    with pytest.raises(SystemCheckError, match=r"aftercare\.E001"):
        call_command("check")
    with pytest.raises(ImproperlyConfigured, match="cannot decrypt the stored encryption canary"):
        refuse_to_start_on_wrong_key()


def test_old_keys_after_the_new_one_still_pass_the_check(settings):
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode(), *settings.FIELD_ENCRYPTION_KEY]
    call_command("check")


@pytest.fixture
def old_rows():
    return [EncryptionCanary.objects.create(value=f"synthetic-{n}") for n in range(7)]


def test_rotation_leaves_every_value_readable_with_the_new_key_alone(settings, old_rows, capsys):
    old_key = settings.FIELD_ENCRYPTION_KEY[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = [new_key, old_key]

    call_command("rotate_encryption_keys", "--batch-size", "3")
    assert "8 values re-encrypted" in capsys.readouterr().out

    settings.FIELD_ENCRYPTION_KEY = [new_key]
    assert crypto.canary_problem() is None
    assert sorted(EncryptionCanary.objects.values_list("value", flat=True)) == sorted(
        [EncryptionCanary.KNOWN_VALUE] + [f"synthetic-{n}" for n in range(7)]
    )
    for token in raw_values():
        with pytest.raises(InvalidToken):
            Fernet(old_key).decrypt(token.encode())


def test_a_dry_run_counts_and_changes_nothing(settings, old_rows, capsys):
    before = raw_values()
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode(), *settings.FIELD_ENCRYPTION_KEY]
    call_command("rotate_encryption_keys", "--dry-run")
    assert "8 values would be re-encrypted" in capsys.readouterr().out
    assert raw_values() == before


def test_an_interrupted_rotation_resumes_and_loses_nothing(settings, old_rows, monkeypatch):
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = [new_key, settings.FIELD_ENCRYPTION_KEY[0]]
    real_batch = crypto._rotate_batch
    calls = {"n": 0}

    def crash_on_second_batch(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real_batch(*args, **kwargs)

    monkeypatch.setattr(crypto, "_rotate_batch", crash_on_second_batch)
    with pytest.raises(KeyboardInterrupt):
        crypto.rotate_encryption_keys(batch_size=3)
    monkeypatch.setattr(crypto, "_rotate_batch", real_batch)

    report = crypto.rotate_encryption_keys(batch_size=3)
    assert (report.rotated, report.already_current) == (5, 3)
    settings.FIELD_ENCRYPTION_KEY = [new_key]
    values = sorted(EncryptionCanary.objects.values_list("value", flat=True))
    assert values == [EncryptionCanary.KNOWN_VALUE] + [f"synthetic-{n}" for n in range(7)]
