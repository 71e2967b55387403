"""Encryption keys at rest: the start-up canary and key rotation.

django-encrypted-model-fields builds its MultiFernet once, at import, and hands
back the ciphertext itself when no key fits. These helpers make a wrong key loud
and let keys rotate without losing a value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import encrypted_model_fields.fields as emf
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core.signals import setting_changed
from django.db import DatabaseError, connection, models, transaction
from django.dispatch import receiver

from aftercare.models import EncryptionCanary


def current_crypter() -> MultiFernet:
    return emf.CRYPTER


@receiver(setting_changed)
def _reload_crypter(*, setting: str, **kwargs) -> None:
    # Tests swap keys with the settings fixture; the library would keep the old ones.
    if setting == "FIELD_ENCRYPTION_KEY":
        emf.CRYPTER = emf.get_crypter()


def encrypted_columns() -> Iterator[tuple[type[models.Model], list[models.Field]]]:
    """Every concrete model and its encrypted fields, for rotation and canary scans."""
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [f for f in model._meta.concrete_fields if isinstance(f, emf.EncryptedMixin)]
        if fields:
            yield model, fields


def _raw_canary_token() -> str | None:
    table = connection.ops.quote_name(EncryptionCanary._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {table} ORDER BY id LIMIT 1")  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else None


def canary_problem() -> str | None:
    """Say what is wrong when the configured keys cannot read the stored canary.

    None means the keys fit, or there is no database or canary to check yet.
    """
    try:
        if EncryptionCanary._meta.db_table not in connection.introspection.table_names():
            return None
        token = _raw_canary_token()
    except DatabaseError:
        return None
    if token is None:
        return None
    try:
        value = current_crypter().decrypt(token.encode()).decode()
    except InvalidToken:
        return (
            "FIELD_ENCRYPTION_KEY cannot decrypt the stored encryption canary: the keys "
            "configured are not the ones this database was encrypted with. Every encrypted "
            "field would read as ciphertext. Restore the right key (newest first, older "
            "keys after it) before starting."
        )
    if value != EncryptionCanary.KNOWN_VALUE:
        return "The encryption canary decrypts to an unexpected value: the table was altered."
    return None


def canary_ensure() -> None:
    """Write the canary once, under the key in use now."""
    if not EncryptionCanary.objects.exists():
        EncryptionCanary.objects.create(value=EncryptionCanary.KNOWN_VALUE)


@dataclass
class RotationReport:
    rotated: int = 0
    already_current: int = 0
    per_model: dict[str, int] = field(default_factory=dict)


def _is_current(primary: Fernet, token: str) -> bool:
    try:
        primary.decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def _rotate_batch(model, fields, rows, *, primary, dry_run, report) -> None:
    crypter = current_crypter()
    table = connection.ops.quote_name(model._meta.db_table)
    pk_column = connection.ops.quote_name(model._meta.pk.column)
    updates: list[tuple[str, str, object]] = []
    for pk, *values in rows:
        for f, token in zip(fields, values, strict=True):
            if token is None or token == "":
                continue
            if _is_current(primary, token):
                report.already_current += 1
                continue
            # rotate() raises InvalidToken when no configured key fits: we stop
            # rather than write anything we could not read.
            updates.append((f.column, crypter.rotate(token.encode()).decode(), pk))
    report.rotated += len(updates)
    report.per_model[model._meta.label] = report.per_model.get(model._meta.label, 0) + len(updates)
    if dry_run or not updates:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        for column, token, pk in updates:
            cursor.execute(
                f"UPDATE {table} SET {connection.ops.quote_name(column)} = %s "  # noqa: S608
                f"WHERE {pk_column} = %s",
                [token, pk],
            )


def rotate_encryption_keys(
    *,
    batch_size: int = 500,
    dry_run: bool = False,
    on_progress: Callable[[type[models.Model], int, int], None] | None = None,
) -> RotationReport:
    """Re-encrypt every encrypted value that the newest key cannot already read.

    Works on raw column values in primary-key batches, each batch committed on
    its own: an interrupted run loses nothing, and running it again resumes, since
    values already under the newest key are skipped.
    """
    primary = Fernet(settings.FIELD_ENCRYPTION_KEY[0])
    report = RotationReport()
    for model, fields in encrypted_columns():
        table = connection.ops.quote_name(model._meta.db_table)
        pk_column = connection.ops.quote_name(model._meta.pk.column)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        total = model._default_manager.count()
        done, last_pk = 0, None
        while True:
            where = f"WHERE {pk_column} > %s " if last_pk is not None else ""
            params = [last_pk] if last_pk is not None else []
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {pk_column}, {columns} FROM {table} {where}"  # noqa: S608
                    f"ORDER BY {pk_column} LIMIT %s",
                    [*params, batch_size],
                )
                rows = cursor.fetchall()
            if not rows:
                break
            _rotate_batch(model, fields, rows, primary=primary, dry_run=dry_run, report=report)
            last_pk = rows[-1][0]
            done += len(rows)
            if on_progress:
                on_progress(model, done, total)
    return report
