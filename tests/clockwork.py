"""Fixed clocks for tests whose outcome depends on the day, and a whole run on another day.

A test that reads today (a birthday, a reminder, an expiry, a year in a number) either
computes its dates from today, or pins the clock with time-machine's marker or fixture:

    @pytest.mark.time_machine(datetime(2026, 12, 31, 23, 30, tzinfo=NEW_YORK), tick=False)

    def test_...(time_machine):
        time_machine.move_to(datetime(2026, 3, 1, 0, 30, tzinfo=NEW_YORK), tick=False)

Give the moment in New York (the settings' zone): time-machine also sets the process's
zone to the moment's own, and 11:30 pm in New York is already the next day in UTC.

The same suite on another day, to find the tests that depend on it: load this module as a
plugin and name the moment (local time in New York unless it names a zone):

    AFTERCARE_TEST_NOW=2028-02-29T08:00 .venv/bin/python -m pytest -p tests.clockwork \
        -m "not browser and not worker" tests/

Tests with their own fixed clock keep it; everything else runs from the shifted moment on.
Celery worker subprocesses and Chromium are other processes and keep the real clock, so
leave the `worker` tests out of a shifted run (and shift only forward with `browser`
tests: Chromium would see the server's cookies as already expired otherwise).
"""

from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

NEW_YORK = ZoneInfo("America/New_York")

_session_travels: list[time_machine.travel] = []  # the one started for the whole run


def shifted_now() -> datetime | None:
    """The moment named by AFTERCARE_TEST_NOW, in New York when it names no zone."""
    value = os.environ.get("AFTERCARE_TEST_NOW", "").strip()
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=NEW_YORK)


def pytest_configure(config) -> None:
    moment = shifted_now()
    if moment is None:
        return
    travel = time_machine.travel(moment, tick=True)
    travel.start()
    _session_travels.append(travel)


def pytest_report_header(config) -> str | None:
    moment = shifted_now()
    return f"clockwork: the whole run starts at {moment.isoformat()}" if moment else None


def pytest_unconfigure(config) -> None:
    while _session_travels:
        _session_travels.pop().stop()
