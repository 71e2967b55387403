"""Exactly once per event per endpoint with a real Celery worker, a real Redis (in CI) and
a receiver on 127.0.0.1 that verifies every signature, across a worker killed with
SIGKILL mid-batch and at the instant the receiver had a request but had not answered.

Time the engine waits on purpose (the staleness of a dead worker's attempt, the sweep's
grace for lost messages) is not waited for: `as_if_minutes_passed` moves the recorded
times back instead, as tests/cases/test_reminder_faults.py does for reminders.
"""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count, F

from aftercare.celery import app
from tests.conftest import CI, WorkerProcess, broker_available, require_service
from tests.webhooks.conftest import consent_to, register
from webhooks.delivery import deliveries_sweep
from webhooks.models import Delivery

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
EVENTS = 40
CONCURRENCY = 2


@pytest.fixture
def clean_queue():
    require_service(connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL)")
    available, what = broker_available()
    require_service(available, what)
    app.control.purge()
    yield
    app.control.purge()


def start_worker() -> WorkerProcess:
    return WorkerProcess(queue="celery", concurrency=CONCURRENCY)


def delivered() -> int:
    return Delivery.objects.filter(status=Delivery.Status.DELIVERED).count()


def wait_until(predicate, *, what: str, timeout=120.0, every=0.2, between=None, workers=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if between is not None:
            between()
        time.sleep(every)
    by_status = dict(
        Delivery.objects.values_list("status").annotate(n=Count("pk")).order_by("status")
    )
    logs = "\n".join(worker.log_tail() for worker in workers)
    raise AssertionError(f"timed out waiting for {what}; deliveries {by_status}\n{logs}")


def as_if_minutes_passed(minutes: int = 2, *, sending: bool = False) -> None:
    """The recorded times move back: waiting deliveries look lost. An attempt under way
    is left alone unless its worker is known dead (`sending`): aged, a live one would
    look abandoned, which the send task's hard time limit rules out."""
    shift = timedelta(minutes=minutes)
    rows = Delivery.objects.all()
    if not sending:
        rows = rows.exclude(status=Delivery.Status.SENDING)
    rows.update(
        created_at=F("created_at") - shift,
        last_attempt_at=F("last_attempt_at") - shift,
        next_attempt_at=F("next_attempt_at") - shift,
    )


def beat_sweeps() -> None:
    as_if_minutes_passed()
    deliveries_sweep()


def assert_each_event_arrived_exactly_once_after_dedupe(receiver, max_repeats: int) -> None:
    expected = sorted(str(pk) for pk in Delivery.objects.values_list("event__public_id", flat=True))
    assert delivered() == len(expected)
    assert sorted(set(receiver.event_ids())) == expected
    assert all(r.verified for r in receiver.received), "every request was signed"
    repeated = receiver.duplicates()
    assert len(repeated) <= max_repeats
    for event_id in repeated:
        # Sent again only because its worker died mid-request, and counted.
        delivery = Delivery.objects.get(event__public_id=event_id)
        assert delivery.uncertain_attempts >= 1
        assert receiver.event_ids().count(event_id) == 2


def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_only_what_was_under_way(
    survivor, intake_worker, harbor, harbor_admin, receiver, clean_queue
):
    register(harbor_admin, receiver)
    for _n in range(EVENTS):  # each consent an event for Harbor, queued on commit
        consent_to(survivor, intake_worker, harbor)
    assert Delivery.objects.count() == EVENTS
    receiver.on_request = lambda r: time.sleep(0.1)  # a partner that takes its time
    worker = start_worker()
    try:
        wait_until(lambda: delivered() >= EVENTS // 3, what="a third", workers=[worker])
        worker.kill()
        assert delivered() < EVENTS, "the kill came mid-batch"
        as_if_minutes_passed(sending=True)  # the killed worker's attempts are stale
        worker = start_worker()
        wait_until(
            lambda: delivered() == EVENTS,
            what="every delivery",
            every=1,
            between=beat_sweeps,
            workers=[worker],
        )
    finally:
        log = worker.stop()
    assert_each_event_arrived_exactly_once_after_dedupe(receiver, max_repeats=CONCURRENCY)
    assert not Delivery.objects.exclude(status=Delivery.Status.DELIVERED).exists(), log[-2000:]


def test_a_worker_killed_while_the_receiver_had_the_request_resends_it_once_same_id(
    survivor, intake_worker, harbor, harbor_admin, receiver, clean_queue
):
    """The one case HTTP cannot make exactly once: the receiver has the event, the worker
    died before hearing so. It is sent again once, with the same Aftercare-Event-Id."""
    register(harbor_admin, receiver)
    workers: list[WorkerProcess] = []

    def kill_the_sender(r) -> None:
        if len(r.received) == 1:
            workers[0].kill()

    receiver.on_request = kill_the_sender
    workers.append(start_worker())
    try:
        consent_to(survivor, intake_worker, harbor)
        wait_until(lambda: workers[0].process.poll() is not None, what="the kill")
        delivery = Delivery.objects.get()
        assert delivery.status == Delivery.Status.SENDING
        as_if_minutes_passed(sending=True)
        workers.append(start_worker())
        wait_until(lambda: delivered() == 1, what="the resend", every=1, between=beat_sweeps)
    finally:
        log = workers[-1].stop()
        workers[0].stop()
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.uncertain_attempts) == (2, 1), log[-2000:]
    assert receiver.event_ids() == [str(delivery.event.public_id)] * 2
    assert all(r.verified for r in receiver.received)
    # The log shows the attempt that died without an answer, and the one that got one.
    assert [a.status_code for a in delivery.attempt_log.order_by("number")] == [None, 200]


def test_the_recovery_windows_add_up_to_two_minutes_at_most():
    from django.conf import settings

    from webhooks import delivery

    entry = settings.CELERY_BEAT_SCHEDULE["sweep-webhooks"]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks, "beat names a task the worker knows"
    sweep = entry["schedule"]
    assert delivery.SENDING_STALE.total_seconds() > delivery.SEND_HARD_LIMIT_SECONDS
    assert delivery.SENDING_STALE.total_seconds() + sweep <= 120
    assert delivery.RECOVER_AFTER.total_seconds() + sweep <= 120


def test_ci_runs_these_on_redis():
    from django.conf import settings

    if CI:
        assert settings.REDIS_URL, "CI must run the worker tests on Redis"
