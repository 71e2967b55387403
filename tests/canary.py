"""Look for planted canary strings everywhere the database keeps text.

`tables_containing` reads the stored bytes as they are (is anything in plaintext at
rest?). `readable_hits` reads them as someone holding the keys would: encrypted values
decrypted, base64 PDFs decoded and their text extracted, sessions decoded. Both walk every
column of every table the database has, found by introspection, not by the models.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import json
from dataclasses import dataclass

import encrypted_model_fields.fields as emf
from cryptography.fernet import InvalidToken
from django.db import connection
from pypdf import PdfReader


def tables_containing(needle: str) -> list[str]:
    """Every `table.column` whose value, read as text, contains `needle`."""
    hits = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            columns = connection.introspection.get_table_description(cursor, table)
            for column in columns:
                cursor.execute(
                    f"SELECT COUNT(*) FROM {quote(table)} "
                    f"WHERE CAST({quote(column.name)} AS TEXT) LIKE %s",
                    [f"%{needle}%"],
                )
                if cursor.fetchone()[0]:
                    hits.append(f"{table}.{column.name}")
    return hits


@dataclass(frozen=True)
class Hit:
    table: str
    column: str
    pk: object


def readable_hits(needle: str) -> set[Hit]:
    """Every cell of every table whose readable content contains `needle` (any case)."""
    needle = needle.lower()
    hits = set()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            pk = connection.introspection.get_primary_key_column(cursor, table)
            cursor.execute(f"SELECT * FROM {quote(table)}")
            names = [d[0] for d in cursor.description]
            for row in cursor.fetchall():
                cells = dict(zip(names, row, strict=True))
                for column, value in cells.items():
                    if needle in readable(value, session=column == "session_data").lower():
                        hits.add(Hit(table, column, cells.get(pk)))
    return hits


def readable(value, *, session: bool = False) -> str:
    """What a stored value says to someone who holds the keys."""
    if value is None or isinstance(value, bool | int | float):
        return ""
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        if value.startswith(b"%PDF"):
            return pdf_text(value)
        value = value.decode("utf-8", "replace")
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    with contextlib.suppress(InvalidToken, TypeError, ValueError):
        text = emf.CRYPTER.decrypt(text.encode()).decode("utf-8", "replace")
    if session:
        text += _session_text(text)
    return text + _base64_pdf_text(text)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    pages = "\n".join(page.extract_text() or "" for page in reader.pages)
    return pages + "\n" + json.dumps(dict(reader.metadata or {}), default=str)


def _base64_pdf_text(text: str) -> str:
    if not text.startswith("JVBER"):  # base64 of "%PDF"
        return ""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return ""
    return pdf_text(data)


def _session_text(text: str) -> str:
    from django.contrib.sessions.backends.db import SessionStore

    return json.dumps(SessionStore().decode(text), default=str, ensure_ascii=False)
