"""Keyed hashes of normalized names and dates, for search without decryption.

A blind index token is HMAC-SHA256(BLIND_INDEX_KEY, kind + normalized value).
Equal people give equal tokens whatever the case, accents, spacing, script (cheap
transliteration) or order of name parts; a phonetic token per name catches
spelling variants. Only tokens are stored and compared: a search never decrypts a
row that does not match, and the key is never the encryption key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from datetime import date

import jellyfish
from anyascii import anyascii
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TokenKind(models.TextChoices):
    EXACT = "exact", _("same name")
    REORDERED = "reordered", _("same name, parts in another order")
    PHONETIC = "phonetic", _("sounds alike")
    BIRTH_DATE = "birth_date", _("same date of birth")


# Strength of a match, strongest first, for ordering and explaining results.
MATCH_STRENGTH = [TokenKind.EXACT, TokenKind.REORDERED, TokenKind.PHONETIC, TokenKind.BIRTH_DATE]

_NOT_LETTER = re.compile(r"[^a-z0-9]+")
# Connecting particles carry little identity and vary between documents.
_PARTICLES = frozenset(
    {
        "de",
        "del",
        "la",
        "las",
        "los",
        "y",
        "da",
        "dos",
        "van",
        "von",
        "bin",
        "al",
        "el",
        "ibn",
        "binti",
        "e",
    }
)


def name_parts(name: str) -> list[str]:
    """Lower-case ASCII name parts: accents removed, other scripts transliterated."""
    decomposed = unicodedata.normalize("NFKD", name)
    without_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_text = anyascii(without_marks).lower()
    return [p for p in _NOT_LETTER.split(ascii_text) if p and p not in _PARTICLES]


def _sound(part: str) -> str:
    """Metaphone, with the semivowels that transliterations disagree on folded."""
    code = jellyfish.metaphone(part) or part
    return code[0] + code[1:].replace("Y", "").replace("W", "F")


def _token(kind: str, value: str) -> str:
    key = settings.BLIND_INDEX_KEY.encode()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def name_tokens(name: str) -> dict[str, str]:
    """The tokens of one name, by kind; empty when the name has no letters."""
    parts = name_parts(name)
    if not parts:
        return {}
    phonetic = sorted(_sound(p) for p in parts)
    return {
        TokenKind.EXACT: _token(TokenKind.EXACT, " ".join(parts)),
        TokenKind.REORDERED: _token(TokenKind.REORDERED, " ".join(sorted(parts))),
        TokenKind.PHONETIC: _token(TokenKind.PHONETIC, " ".join(phonetic)),
    }


def birth_date_token(value: date) -> str:
    return _token(TokenKind.BIRTH_DATE, value.isoformat())
