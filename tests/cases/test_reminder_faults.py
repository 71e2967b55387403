"""Reminders under failure, with real worker processes and (in CI) a real Redis:
a worker killed with SIGKILL, or Redis restarted, in the middle of a batch of 1,000.
Every reminder must still reach its recipient exactly once."""

import shutil
import subprocess
import time
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from aftercare.celery import app
from aftercare.models import Notification
from cases.models import Deadline, Delivery, Reminder
from cases.services.reminders import deliveries_sweep, reminders_dispatch
from tests.conftest import CI, WorkerProcess, broker_available, redis_reachable, require_service
from tests.factories import make_matter
from tests.mailbox import read_mailbox

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
REMINDERS = 1000
CONCURRENCY = 2


@pytest.fixture
def due_reminders(harbor, attorney):
    matter = make_matter(harbor, lead=attorney.user)
    today = timezone.localdate()
    deadlines = Deadline.objects.bulk_create(
        Deadline(
            matter=matter,
            kind="filing",
            title=f"Filing {n}",
            created_by=attorney.user,
            due_date=today + timedelta(days=1),
        )
        for n in range(REMINDERS)
    )
    Deadline.responsible.through.objects.bulk_create(
        Deadline.responsible.through(deadline_id=d.pk, user_id=attorney.user_id) for d in deadlines
    )
    now = timezone.now()
    Reminder.objects.bulk_create(Reminder(deadline=d, days_before=1, due_at=now) for d in deadlines)
    return now


@pytest.fixture
def mailbox(tmp_path):
    return tmp_path / "mailbox"


def start_worker(mailbox) -> WorkerProcess:
    return WorkerProcess(
        {"EMAIL_BACKEND": "tests.mailbox.MailboxBackend", "EMAIL_FILE_PATH": str(mailbox)},
        queue="celery",
        concurrency=CONCURRENCY,
    )


def dispatch_everything(now) -> None:
    while reminders_dispatch(now=now, batch=500):
        pass


def wait_until(predicate, timeout=240.0, what="") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def sent() -> int:
    return Delivery.objects.filter(status=Delivery.Status.SENT).count()


def assert_each_delivered_exactly_once(mailbox, log: str) -> None:
    deliveries = Delivery.objects.all()
    assert deliveries.count() == 2 * REMINDERS
    assert sent() == 2 * REMINDERS, f"the worker's log ends:\n{log[-3000:]}"
    assert Notification.objects.count() == REMINDERS
    assert Notification.objects.values("delivery").distinct().count() == REMINDERS
    stored, handoffs = read_mailbox(mailbox)
    expected = sorted(
        f"delivery-{pk}@aftercare"
        for pk in deliveries.filter(channel="email").values_list("pk", flat=True)
    )
    assert stored == expected
    # A message being handed over at the instant of the failure may be handed over
    # again under the same Message-ID (mail stores keep one); nothing else repeats.
    assert len(handoffs) - len(set(handoffs)) <= CONCURRENCY


@pytest.fixture
def clean_queue():
    # Several processes writing at once: production's PostgreSQL, as in CI. SQLite
    # serializes writers and is for local demos only.
    require_service(connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL)")
    available, what = broker_available()
    require_service(available, what)
    app.control.purge()
    yield
    app.control.purge()


def test_a_worker_killed_mid_batch_loses_and_repeats_nothing(due_reminders, mailbox, clean_queue):
    worker = start_worker(mailbox)
    try:
        dispatch_everything(due_reminders)
        wait_until(lambda: sent() >= REMINDERS // 2, what="the first half")
        worker.kill()
        assert sent() < 2 * REMINDERS, "the kill came mid-batch"
        worker = start_worker(mailbox)
        deliveries_sweep(older_than=timedelta(0))  # what beat does every five minutes
        wait_until(lambda: sent() == 2 * REMINDERS, what="every delivery")
    finally:
        log = worker.stop()
    assert_each_delivered_exactly_once(mailbox, log)


def restart_redis() -> None:
    url = urlparse(settings.REDIS_URL)
    subprocess.run(
        ["redis-cli", "-h", url.hostname, "-p", str(url.port or 6379), "shutdown", "nosave"],
        check=False,
        capture_output=True,
        timeout=30,
    )
    wait_until(lambda: not redis_reachable(), timeout=30, what="Redis to stop")
    subprocess.run(
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            url.hostname,
            "--port",
            str(url.port or 6379),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    wait_until(redis_reachable, timeout=30, what="Redis to start")


def test_redis_restarted_mid_batch_loses_and_repeats_nothing(due_reminders, mailbox, clean_queue):
    require_service(
        bool(settings.REDIS_URL) and shutil.which("redis-server") is not None,
        "a Redis server this test may restart (REDIS_URL and redis-server)",
    )
    worker = start_worker(mailbox)
    try:
        dispatch_everything(due_reminders)
        wait_until(lambda: sent() >= REMINDERS // 2, what="the first half")
        restart_redis()  # queued messages are gone: this Redis keeps nothing on disk
        assert sent() < 2 * REMINDERS, "the restart came mid-batch"
        deadline = time.monotonic() + 240
        while sent() < 2 * REMINDERS and time.monotonic() < deadline:
            deliveries_sweep(older_than=timedelta(0))  # beat's sweep, every 2 s here
            time.sleep(2)
    finally:
        log = worker.stop()
    assert_each_delivered_exactly_once(mailbox, log)


def test_ci_runs_these_on_redis():
    if CI:
        assert settings.REDIS_URL, "CI must run the fault tests on Redis"
