"""Encrypt what people typed into deadlines (title, where) and matters' closing reasons.

Every stored value is encrypted with the newest FIELD_ENCRYPTION_KEY; values already
encrypted (a run resumed) are left. Reversible: going back decrypts each value, and the
previous migration then returns the columns to their former lengths, which the typed
values fit (the forms held them to those lengths).
"""

import encrypted_model_fields.fields
from cryptography.fernet import InvalidToken
from django.db import migrations

# (table, column) of each value encrypted here.
COLUMNS = [
    ("cases_deadline", "title"),
    ("cases_deadline", "location"),
    ("cases_matter", "closing_reason"),
]
BATCH = 1000


def _crypter():
    # Read at call time: the module builds its crypter once, from the keys configured.
    return encrypted_model_fields.fields.CRYPTER


def _is_encrypted(value: str) -> bool:
    try:
        _crypter().decrypt(value.encode())
    except InvalidToken:
        return False
    return True


def _rewrite(schema_editor, table: str, column: str, change) -> None:
    """Apply `change` to each non-empty value in primary-key batches; None leaves it."""
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, {quote(column)} FROM {quote(table)} "  # noqa: S608
                f"WHERE id > %s AND {quote(column)} <> '' ORDER BY id LIMIT %s",
                [last, BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            updates = [(new, pk) for pk, value in rows if (new := change(value)) is not None]
            cursor.executemany(
                f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE id = %s",  # noqa: S608
                updates,
            )
        last = rows[-1][0]


def encrypt_typed_values(apps, schema_editor) -> None:
    def encrypt(value: str) -> str | None:
        # Already encrypted (a run interrupted and resumed): leave it.
        return None if _is_encrypted(value) else _crypter().encrypt(value.encode()).decode()

    for table, column in COLUMNS:
        _rewrite(schema_editor, table, column, encrypt)


def decrypt_typed_values(apps, schema_editor) -> None:
    def decrypt(value: str) -> str | None:
        try:
            return _crypter().decrypt(value.encode()).decode()
        except InvalidToken:
            return None  # plaintext already

    for table, column in COLUMNS:
        _rewrite(schema_editor, table, column, decrypt)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_encrypt_free_text"),
    ]

    operations = [
        migrations.RunPython(encrypt_typed_values, decrypt_typed_values),
    ]
