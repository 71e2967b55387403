"""Re-encrypting the stored files after a FIELD_ENCRYPTION_KEY rotation.

The evidence storage encrypts with the fields' key list (evidence/storage.py), newest
first; `rotate_encryption_keys` re-encrypts the database's columns, and this the files
there: evidence files and built packets. An old key can leave the list only once both
have run.

Each file not already under the newest key is read, re-encrypted (MultiFernet.rotate:
it stops, writing nothing, when no configured key reads it) and written under a new
random name; the row is moved to that name in a transaction that first checks it still
points at the old one (an erasure meanwhile wins: the new copy is deleted), and the old
object is deleted once that commits. Interrupted, it loses nothing: a row points either
at its old, still readable object or at its new one, and a second run skips what is
already current.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models, transaction

from aftercare.crypto import current_crypter
from evidence.storage import evidence_storage, storage_name_new, stored_delete


@dataclass
class ReencryptionReport:
    reencrypted: int = 0
    already_current: int = 0
    missing: list[str] = field(default_factory=list)  # "label pk": no stored object
    unreadable: list[str] = field(default_factory=list)  # no configured key reads it
    per_model: dict[str, int] = field(default_factory=dict)


def stored_files() -> Iterator[tuple[type[models.Model], models.QuerySet]]:
    """Every model whose rows name a file in the evidence storage, with those rows."""
    from cases.models import PacketVersion
    from evidence.models import Evidence

    yield Evidence, Evidence.objects.exclude(storage_name="")
    yield PacketVersion, PacketVersion.objects.exclude(storage_name="")


def reencrypt_stored_files(*, dry_run: bool = False, batch_size: int = 200) -> ReencryptionReport:
    primary = Fernet(settings.FIELD_ENCRYPTION_KEY[0])
    crypter = current_crypter()
    storage = evidence_storage()
    report = ReencryptionReport()
    for model, rows in stored_files():
        label = model._meta.label
        for pk, name in rows.order_by("pk").values_list("pk", "storage_name").iterator(batch_size):
            try:
                with storage.open(name, "rb") as stored:
                    token = base64.urlsafe_b64encode(stored.read())
            except FileNotFoundError:
                report.missing.append(f"{label} {pk}")
                continue
            try:
                primary.decrypt(token)
            except InvalidToken:
                pass
            else:
                report.already_current += 1
                continue
            try:
                rotated = crypter.rotate(token)
            except InvalidToken:
                report.unreadable.append(f"{label} {pk}")
                continue
            report.per_model[label] = report.per_model.get(label, 0) + 1
            report.reencrypted += 1
            if not dry_run:
                _move(model, pk, name, rotated)
    return report


def _move(model: type[models.Model], pk: int, old: str, token: bytes) -> None:
    """Store `token` under a new name and point the row at it, if it still names `old`."""
    storage = evidence_storage()
    new = storage_name_new()
    saved = storage.save(new, ContentFile(base64.urlsafe_b64decode(token)))
    if saved != new:
        storage.delete(saved)
        raise RuntimeError("The evidence storage renamed a file")
    try:
        with transaction.atomic():
            moved = model.objects.filter(pk=pk, storage_name=old).update(storage_name=new)
            if moved:
                transaction.on_commit(lambda: stored_delete(old))
    except BaseException:
        stored_delete(new)
        raise
    if not moved:  # erased or rebuilt meanwhile: the copy must not outlive it
        stored_delete(new)
