"""Signing webhook bodies, and verifying them on the receiving side.

The scheme (also in the README, "Webhooks"):

    Aftercare-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
    Aftercare-Event-Id: <the event's id; the same on every attempt: dedupe on it>

This module uses the standard library only, so that a receiver may copy it as it is.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Aftercare-Signature"
EVENT_ID_HEADER = "Aftercare-Event-Id"
EVENT_TYPE_HEADER = "Aftercare-Event-Type"
# A signature older (or further in the future) than this is refused: a captured request
# cannot be replayed later.
TOLERANCE_SECONDS = 300


class SignatureError(ValueError):
    """The request is not signed with this secret, or the signature is too old."""


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The value of the Aftercare-Signature header for `body`, signed now."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(
    secret: str,
    header: str,
    body: bytes,
    *,
    tolerance: int = TOLERANCE_SECONDS,
    now: float | None = None,
) -> int:
    """Check an Aftercare-Signature header against the raw body; return its timestamp.

    Raises SignatureError when the header is malformed, no v1 signature matches (a
    changed body, another secret) or the timestamp is outside `tolerance` seconds.
    Verify the raw bytes received, before parsing the JSON.
    """
    timestamp, candidates = None, []
    for part in (header or "").split(","):
        key, _sep, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        raise SignatureError("malformed signature header")
    expected = signature(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise SignatureError("signature does not match")
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise SignatureError("timestamp outside the tolerance")
    return timestamp
