"""Session clocks: inactivity, absolute lifetime and sudo mode, in one place."""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest

STARTED_KEY = "aftercare_started_at"
SEEN_KEY = "aftercare_seen_at"
SUDO_KEY = "aftercare_sudo_until"
SUDO_FAILURES_KEY = "aftercare_sudo_failures"
# Write the "last seen" time at most this often, not on every request.
_SEEN_RESOLUTION_SECONDS = 30


def session_start(request: HttpRequest) -> None:
    now = int(time.time())
    request.session[STARTED_KEY] = now
    request.session[SEEN_KEY] = now


def session_expiry_reason(request: HttpRequest) -> str | None:
    """Return 'idle' or 'lifetime' when the signed-in session must end now."""
    now = time.time()
    started = request.session.get(STARTED_KEY)
    seen = request.session.get(SEEN_KEY)
    if started is None or seen is None:
        return "lifetime"
    if now - started > settings.AFTERCARE_SESSION_MAX_HOURS * 3600:
        return "lifetime"
    if now - seen > settings.AFTERCARE_SESSION_IDLE_MINUTES * 60:
        return "idle"
    return None


def session_touch(request: HttpRequest) -> None:
    now = int(time.time())
    if now - request.session.get(SEEN_KEY, 0) >= _SEEN_RESOLUTION_SECONDS:
        request.session[SEEN_KEY] = now


def sudo_grant(request: HttpRequest) -> None:
    """Open sudo mode; proving who one is also clears this session's failed confirmations."""
    request.session[SUDO_KEY] = int(time.time()) + settings.AFTERCARE_SUDO_MINUTES * 60
    request.session.pop(SUDO_FAILURES_KEY, None)


def sudo_failure_add(request: HttpRequest) -> int:
    """Count one more failed confirmation in this session and return the session's total.

    Kept in the session store (on the server), so a client cannot reset it; it ends
    with the session.
    """
    count = int(request.session.get(SUDO_FAILURES_KEY, 0)) + 1
    request.session[SUDO_FAILURES_KEY] = count
    return count


def sudo_active(request: HttpRequest) -> bool:
    return request.session.get(SUDO_KEY, 0) > time.time()
