"""The evidence storage: every file encrypted before it leaves the process.

Whatever holds the files (a folder under var/ in development, an S3-compatible bucket in
production: `STORAGES["evidence"]`) receives only ciphertext under a random name. The
encryption is the fields' (`FIELD_ENCRYPTION_KEY`, newest key first, through
`aftercare.crypto.current_crypter`): one key list to keep and rotate, and an older key
still reads the files it wrote. A Fernet token is base64 text; the storage keeps its
bytes (a third smaller), turned back into the token to be read.
"""

from __future__ import annotations

import base64
import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages

from aftercare.crypto import current_crypter

ALIAS = "evidence"


def evidence_storage() -> Storage:
    return storages[ALIAS]


def storage_name_new() -> str:
    """Opaque and unguessable: never the uploaded file's name."""
    return f"{secrets.token_hex(2)}/{secrets.token_urlsafe(24)}"


def encrypted_save(content: bytes) -> str:
    """Store the content encrypted under a new random name; return the name."""
    token = current_crypter().encrypt(content)
    name = storage_name_new()
    saved = evidence_storage().save(name, ContentFile(base64.urlsafe_b64decode(token)))
    if saved != name:  # a storage that renames would break the row's reference
        evidence_storage().delete(saved)
        raise RuntimeError("The evidence storage renamed a file")
    return name


def decrypted_read(name: str) -> bytes:
    with evidence_storage().open(name, "rb") as stored:
        raw = stored.read()
    return current_crypter().decrypt(base64.urlsafe_b64encode(raw))


def stored_delete(name: str) -> None:
    evidence_storage().delete(name)


def stored_exists(name: str) -> bool:
    return evidence_storage().exists(name)
