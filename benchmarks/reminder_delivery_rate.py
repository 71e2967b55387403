"""50,000 reminders due at the same minute, delivered by one worker of concurrency 2.

Builds its own PostgreSQL database (`<BENCH_DATABASE_URL>_reminder_rate`), writes
50,000 deadlines with one reminder each, all due at the next whole minute, for an attorney who
holds the matters; starts a mail server on 127.0.0.1 (tests/smtp_sink.py) and one real
`celery worker --beat --concurrency 2` against Redis (`BENCH_REDIS_URL`, else
`REDIS_URL`; use your own: the queue is purged). Beat's first tick claims; the worker
sends. Each reminder is one email and one in-app notification.

Goal: every delivery sent within 5 minutes of the minute they fall due, each email at the
mail server exactly once. Prints the table and JSON (rate in deliveries and emails a
second); exits non-zero when the goal is not met.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import admin_sql, db_name, db_url

REMINDERS = int(os.environ.get("BENCH_REMINDERS", "50000"))
PER_MATTER = 100
CONCURRENCY = 2
GOAL_SECONDS = 300
URL = db_url("reminder_rate")
REDIS = os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL", "")


def build() -> None:
    admin_sql(f'DROP DATABASE IF EXISTS "{db_name(URL)}"')
    admin_sql(f'CREATE DATABASE "{db_name(URL)}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": URL, "AFTERCARE_ENV": "test"},
        check=True,
    )


def seed(due_at) -> None:
    """The deadlines, their responsible attorney, and one reminder each due at `due_at`."""
    from django.utils import timezone

    from aftercare.models import Role
    from cases.models import Deadline, Reminder
    from tests.factories import MembershipFactory, OrganizationFactory, make_matter

    organization = OrganizationFactory(name="Bench Legal Aid")
    attorney = MembershipFactory(organization=organization, role=Role.ATTORNEY).user
    MembershipFactory(organization=organization, role=Role.COORDINATOR)
    matters = [make_matter(organization, lead=attorney) for _n in range(REMINDERS // PER_MATTER)]
    due_date = timezone.localdate() + timedelta(days=1)
    now = due_at
    for start in range(0, REMINDERS, 5000):
        deadlines = Deadline.objects.bulk_create(
            Deadline(
                matter=matters[n // PER_MATTER],
                kind="filing",
                title="Filing",
                created_by=attorney,
                confirmed_by=attorney,
                confirmed_at=now,
                due_date=due_date,
            )
            for n in range(start, min(start + 5000, REMINDERS))
        )
        Deadline.responsible.through.objects.bulk_create(
            Deadline.responsible.through(deadline_id=d.pk, user_id=attorney.pk) for d in deadlines
        )
        Reminder.objects.bulk_create(
            Reminder(deadline=d, days_before=1, due_for=due_date, due_at=due_at) for d in deadlines
        )


def counts() -> dict[str, int]:
    from django.db.models import Count

    from cases.models import Delivery

    return dict(Delivery.objects.values_list("status").annotate(n=Count("id")))


def run() -> dict:
    if not REDIS:
        raise SystemExit("Set BENCH_REDIS_URL (or REDIS_URL) to a Redis of your own.")
    build()
    os.environ.update({"DATABASE_URL": URL, "AFTERCARE_ENV": "test", "REDIS_URL": REDIS})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftercare.settings")
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from aftercare.celery import app
    from tests.smtp_sink import SmtpSink

    started = time.perf_counter()
    # Due at a whole minute (as 08:00 is) far enough ahead for the seeding and the worker's
    # start; time is counted from that minute.
    due_at = (timezone.now() + timedelta(seconds=150)).replace(second=0, microsecond=0)
    seed(due_at)
    print(
        f"seeded {REMINDERS:,} reminders in {time.perf_counter() - started:.0f} s", file=sys.stderr
    )
    app.control.purge()
    connection.close()
    expected = 2 * REMINDERS
    with SmtpSink(keep_bodies=False) as sink, tempfile.TemporaryDirectory() as var:
        log = open(Path(var) / "worker.log", "w+")  # noqa: SIM115  (closed below)
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "aftercare",
                "worker",
                "--beat",
                f"--schedule={var}/beat-schedule",
                f"--concurrency={CONCURRENCY}",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env={**os.environ, **sink.worker_env(timeout=10)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait = (due_at - timezone.now()).total_seconds()
        if wait < 0:
            raise SystemExit(f"seeding ran {-wait:.0f} s past the due minute; try again")
        time.sleep(wait)
        began = time.perf_counter()
        progress: list[tuple[float, int]] = []
        first_sent: float | None = None
        try:
            while time.perf_counter() - began < GOAL_SECONDS + 120:
                sent = counts().get("sent", 0)
                progress.append((round(time.perf_counter() - began, 1), sent))
                if sent and first_sent is None:
                    first_sent = time.perf_counter() - began
                if sent >= expected:
                    break
                time.sleep(2)
            elapsed = time.perf_counter() - began
            final = counts()
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
            log.seek(0)
            tail = log.read()[-3000:]
            log.close()
        stored, duplicates = len(sink.stored), len(sink.duplicates())
    connection.close()
    if os.environ.get("BENCH_KEEP") != "1":
        admin_sql(f'DROP DATABASE IF EXISTS "{db_name(URL)}"')
    sent = final.get("sent", 0)
    result = {
        "case": "reminders due at one minute, one worker of concurrency 2",
        "reminders": REMINDERS,
        "deliveries": expected,
        "sent": sent,
        "states": final,
        "emails_at_server": stored,
        "duplicate_handoffs": duplicates,
        "seconds": round(elapsed, 1),
        "seconds_to_first_sent": round(first_sent or 0, 1),
        "deliveries_per_second": round(sent / elapsed, 1),
        "emails_per_second": round(stored / elapsed, 1),
        "goal": f"all within {GOAL_SECONDS} s, each email once",
        "progress": progress[:: max(1, len(progress) // 20)],
        "pass": sent == expected
        and stored == REMINDERS
        and duplicates == 0
        and elapsed <= GOAL_SECONDS,
    }
    print(f"{'case':<44}{'seconds':>9}{'deliv/s':>10}{'email/s':>10}  result")
    print(
        f"{'50k reminders due at one minute':<44}{elapsed:>9.1f}"
        f"{result['deliveries_per_second']:>10}{result['emails_per_second']:>10}"
        f"  {'PASS' if result['pass'] else 'FAIL'}"
    )
    if not result["pass"]:
        print(tail, file=sys.stderr)
    return result


def main() -> int:
    result = run()
    print(json.dumps(result))
    return 0 if result["pass"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
