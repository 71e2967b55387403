"""API keys: made once, shown once, kept as a digest.

A key reads `ack_<prefix>_<secret>`: the prefix (12 hex characters, stored in clear)
finds the client in one indexed lookup, the secret (256 random bits) is compared by its
SHA-256 digest in constant time. `ack_` lets secret scanners recognise a leaked key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

KEY_SHAPE = re.compile(r"^ack_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


def key_new() -> tuple[str, str, str]:
    """(key, prefix, digest): the key goes to the admin once; prefix and digest are kept."""
    prefix = secrets.token_hex(6)
    key = f"ack_{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, key_digest(key)


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_prefix(key: str) -> str | None:
    """The prefix of a well-formed key, else None (nothing is looked up for junk)."""
    match = KEY_SHAPE.match(key)
    return match.group(1) if match else None


def key_matches(key: str, digest: str) -> bool:
    return hmac.compare_digest(key_digest(key), digest)
