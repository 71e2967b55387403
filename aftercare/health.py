"""Is the background machinery alive? Beat records a heartbeat as it ticks, and /healthz
and `reminders_status` read it: a beat that died (it once did, silently, inside a worker
that still reported ready) sends no reminders and checks no audit chain, and nothing
else would tell anyone."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import DatabaseError, connection
from django.utils import timezone

logger = logging.getLogger(__name__)

BEAT = "beat"
# Beat ticks at least once a minute (CELERY_BEAT_MAX_LOOP_INTERVAL); three missed
# minutes is a stopped beat, not a slow one.
BEAT_STALE_AFTER = timedelta(minutes=3)
# A tick can come several times a second when many tasks fall due together.
_RECORD_AT_MOST_EVERY = timedelta(seconds=10)
_last_recorded: datetime | None = None


def beat_tick_record(now: datetime | None = None) -> None:
    """Called by beat's scheduler each tick. Never raises: beat must keep scheduling
    while the database is away, and the heartbeat resumes when it is back."""
    global _last_recorded
    from aftercare.models import Heartbeat

    now = now or timezone.now()
    if _last_recorded and now - _last_recorded < _RECORD_AT_MOST_EVERY:
        return
    try:
        Heartbeat.objects.update_or_create(service=BEAT, defaults={"at": now})
    except DatabaseError:
        logger.warning("beat could not record its heartbeat; the database is unreachable")
        # Beat holds its connection for ever: drop a broken one so the next tick reconnects.
        try:
            connection.close()
        except DatabaseError:
            connection.connection = None
        return
    _last_recorded = now


def beat_problem(now: datetime | None = None) -> str | None:
    """A short reason when beat is not ticking, else None. Names no person."""
    from aftercare.models import Heartbeat

    now = now or timezone.now()
    last = Heartbeat.objects.filter(service=BEAT).values_list("at", flat=True).first()
    if last is None:
        return "beat has never ticked"
    if now - last > BEAT_STALE_AFTER:
        return f"beat has not ticked for {_ago(now - last)}"
    return None


def beat_health_line(now: datetime | None = None) -> str:
    """One line for operators, e.g. at the top of `reminders_status`."""
    problem = beat_problem(now)
    return f"beat: NOT TICKING ({problem})" if problem else "beat: ticking"


def _ago(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} minutes"
    return f"{minutes // 60} hours"


if __name__ == "__main__":
    # The beat container's health check: `python -m aftercare.health` exits 1 when stale.
    import sys

    import django

    django.setup()
    print(beat_health_line())
    sys.exit(1 if beat_problem() else 0)
