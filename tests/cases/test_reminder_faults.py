"""Reminders under failure, with real worker processes, a real Redis (in CI) and a mail
server on 127.0.0.1 that records Message-IDs: a worker killed with SIGKILL (mid-batch,
and at the instant the mail server took a message but had not said so), Redis restarted,
a mail server that never answers, a broken email setting, and deadlines that moved,
finished or lost their people between planning and sending.

Time that the engine waits on purpose (retry backoff, the hand-off staleness, the sweep's
grace) is not waited for: `as_if_minutes_passed` moves the recorded times back instead.
"""

import shutil
import subprocess
import time
from datetime import timedelta
from io import StringIO
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, F
from django.utils import timezone

from aftercare.access import access_revoke
from aftercare.celery import app
from aftercare.models import Notification
from cases.models import Deadline, Delivery, Matter, Reminder
from cases.services import reminders
from cases.services.reminders import deliveries_sweep, reminders_dispatch
from tests.conftest import CI, WorkerProcess, broker_available, redis_reachable, require_service
from tests.factories import make_matter
from tests.smtp_sink import SmtpSink

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
REMINDERS = 1000
CONCURRENCY = 2


def make_due(matter, user, count: int, *, due_in_days: int = 1) -> list[Deadline]:
    """`count` deadlines of `matter`, each with one reminder due now."""
    today = timezone.localdate()
    deadlines = Deadline.objects.bulk_create(
        Deadline(
            matter=matter,
            kind="filing",
            title=f"Filing {n}",
            created_by=user,
            due_date=today + timedelta(days=due_in_days),
        )
        for n in range(count)
    )
    Deadline.responsible.through.objects.bulk_create(
        Deadline.responsible.through(deadline_id=d.pk, user_id=user.pk) for d in deadlines
    )
    now = timezone.now()
    Reminder.objects.bulk_create(
        Reminder(deadline=d, days_before=due_in_days, due_for=d.due_date, due_at=now)
        for d in deadlines
    )
    return deadlines


@pytest.fixture
def due_reminders(harbor, attorney):
    make_due(make_matter(harbor, lead=attorney.user), attorney.user, REMINDERS)
    return timezone.now()


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


@pytest.fixture
def sink():
    with SmtpSink(keep_bodies=False) as server:
        yield server


def start_worker(sink: SmtpSink, **env) -> WorkerProcess:
    return WorkerProcess({**sink.worker_env(), **env}, queue="celery", concurrency=CONCURRENCY)


def wait_until(predicate, timeout=120.0, what="", every=0.2, between=None, workers=()) -> None:
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


def count(status) -> int:
    return Delivery.objects.filter(status=status).count()


def sent() -> int:
    return count(Delivery.Status.SENT)


def as_if_minutes_passed(minutes: int = 2, *, handovers: bool = False) -> None:
    """The recorded times of deliveries move back, as if the clock had run on. A hand-off
    in progress is left alone unless its process is known dead (`handovers`): aged, a
    live one would look abandoned, which the send task's hard time limit rules out."""
    shift = timedelta(minutes=minutes)
    rows = Delivery.objects.all()
    if not handovers:
        rows = rows.exclude(status=Delivery.Status.HANDOVER)
    rows.update(
        created_at=F("created_at") - shift,
        last_attempt_at=F("last_attempt_at") - shift,
        next_attempt_at=F("next_attempt_at") - shift,
    )


def beat_sweeps(minutes: int = 2) -> None:
    """What beat's sweep does after `minutes`: wake senders for what is left."""
    as_if_minutes_passed(minutes)
    deliveries_sweep()


def email_ids() -> list[str]:
    return sorted(
        f"delivery-{pk}@aftercare"
        for pk in Delivery.objects.filter(channel="email").values_list("pk", flat=True)
    )


def assert_each_delivered_exactly_once(sink: SmtpSink, log: str, reminders_count: int) -> None:
    deliveries = Delivery.objects.all()
    assert deliveries.count() == 2 * reminders_count
    assert sent() == 2 * reminders_count, f"the worker's log ends:\n{log[-3000:]}"
    assert Notification.objects.count() == reminders_count
    assert Notification.objects.values("delivery").distinct().count() == reminders_count
    assert sorted(sink.stored) == email_ids()
    # A message being handed over at the instant of the failure may be handed over
    # again under the same Message-ID (mail stores keep one); nothing else repeats,
    # and every repeat is counted on its delivery.
    repeated = sink.duplicates()
    assert len(repeated) <= CONCURRENCY
    for message_id in repeated:
        pk = int(message_id.split("-")[1].split("@")[0])
        assert Delivery.objects.get(pk=pk).uncertain_handoffs >= 1


def test_a_worker_killed_mid_batch_loses_and_repeats_nothing(due_reminders, sink, clean_queue):
    worker = start_worker(sink)
    try:
        # One beat tick claims every due reminder, not 500 of them.
        assert reminders_dispatch(now=due_reminders) == REMINDERS
        wait_until(lambda: sent() >= REMINDERS // 2, what="the first half", workers=[worker])
        worker.kill()
        assert sent() < 2 * REMINDERS, "the kill came mid-batch"
        as_if_minutes_passed(handovers=True)  # the killed worker's hand-offs are stale
        worker = start_worker(sink)
        wait_until(
            lambda: sent() == 2 * REMINDERS,
            what="every delivery",
            every=1,
            between=beat_sweeps,
            workers=[worker],
        )
    finally:
        log = worker.stop()
    assert_each_delivered_exactly_once(sink, log, REMINDERS)


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


def test_redis_restarted_mid_batch_loses_and_repeats_nothing(due_reminders, sink, clean_queue):
    require_service(
        bool(settings.REDIS_URL) and shutil.which("redis-server") is not None,
        "a Redis server this test may restart (REDIS_URL and redis-server)",
    )
    # A worker whose consumer kombu left unregistered after the restart stops itself
    # (aftercare/watchdog.py); the test then does what the restart policy does.
    workers = [start_worker(sink, WORKER_STALL_SECONDS="10")]

    def supervise_and_sweep() -> None:
        if workers[-1].process.poll() is not None:
            workers.append(start_worker(sink, WORKER_STALL_SECONDS="10"))
        beat_sweeps()

    try:
        reminders_dispatch(now=due_reminders)
        wait_until(lambda: sent() >= REMINDERS // 2, what="the first half", workers=workers)
        restart_redis()  # queued messages are gone: this Redis keeps nothing on disk
        assert sent() < 2 * REMINDERS, "the restart came mid-batch"
        wait_until(
            lambda: sent() == 2 * REMINDERS,
            what="every delivery",
            every=2,
            between=supervise_and_sweep,
            workers=workers,
        )
    finally:
        log = "\n".join(worker.stop() for worker in workers)
    assert_each_delivered_exactly_once(sink, log, REMINDERS)


def test_a_worker_killed_after_the_server_took_the_message_resends_it_once_same_id(
    harbor, attorney, clean_queue
):
    """The one case SMTP cannot make exactly once: the server has the message, the
    sender died before hearing so. It is resent under the same Message-ID, and counted."""
    make_due(make_matter(harbor, lead=attorney.user), attorney.user, 3)
    workers: list[WorkerProcess] = []

    def kill_the_sender(message_id: str) -> None:
        if len(sink_ids := sink.handoffs) == 1 and sink_ids[0] == message_id:
            workers[0].kill()

    with SmtpSink(on_message=kill_the_sender) as sink:
        workers.append(start_worker(sink))
        try:
            reminders_dispatch()
            wait_until(lambda: workers[0].process.poll() is not None, what="the kill")
            first = sink.handoffs[0]
            pk = int(first.split("-")[1].split("@")[0])
            assert Delivery.objects.get(pk=pk).status == Delivery.Status.HANDOVER
            as_if_minutes_passed(handovers=True)
            workers.append(start_worker(sink))
            wait_until(lambda: sent() == 6, what="every delivery", every=1, between=beat_sweeps)
        finally:
            log = workers[-1].stop()
            workers[0].stop()
        assert sorted(sink.stored) == email_ids(), log[-2000:]
        assert sink.duplicates() == [first], "only the uncertain hand-off repeats"
        delivery = Delivery.objects.get(pk=pk)
        assert (delivery.attempts, delivery.uncertain_handoffs) == (2, 1)
        assert sink.stored[first].count(b"Message-ID: <" + first.encode()) == 1
    report = StringIO()
    call_command("reminders_status", stdout=report)
    assert "resent after a hand-off that may have happened: 1" in report.getvalue()


def test_a_mail_server_that_never_answers_is_given_up_on_and_coordinators_are_told(
    harbor, attorney, coordinator, clean_queue
):
    matter = make_matter(harbor, lead=attorney.user)
    make_due(matter, attorney.user, 2)
    with SmtpSink(silent=True) as sink:
        worker = start_worker(sink, EMAIL_TIMEOUT="1")
        try:
            started = time.monotonic()
            reminders_dispatch()
            # In-app notifications are not held up by the hung mail server.
            wait_until(
                lambda: Notification.objects.filter(recipient=attorney.user).count() == 2,
                timeout=15,
                what="the in-app notifications",
            )
            assert time.monotonic() - started < 15
            wait_until(
                lambda: count(Delivery.Status.FAILED) == 2, timeout=30, what="a failed attempt"
            )
            emails = Delivery.objects.filter(channel="email")
            assert {(d.attempts, d.status) for d in emails} == {(1, "failed")}
            assert all("timed out" in d.last_error for d in emails), [d.last_error for d in emails]
            wait_until(
                lambda: count(Delivery.Status.GAVE_UP) == 2,
                timeout=90,
                what="giving up",
                every=1,
                between=beat_sweeps,
            )
        finally:
            log = worker.stop()
    assert {d.attempts for d in emails.all()} == {reminders.MAX_ATTEMPTS}, log[-2000:]
    told = Notification.objects.filter(recipient=coordinator.user)
    assert told.count() == 2
    assert all(matter.number in n.message for n in told)
    # Never again: a swept given-up delivery is not taken up.
    assert deliveries_sweep(older_than=timedelta(0)) == 0
    report = StringIO()
    call_command("reminders_status", stdout=report)
    text = report.getvalue()
    assert "given up:" in text
    assert text.count(f"matter {matter.number}, to {attorney.user.email}") == 2


def test_a_broken_email_setting_fails_an_attempt_and_is_retried_not_lost(
    harbor, attorney, clean_queue
):
    matter = make_matter(harbor, lead=attorney.user)
    make_due(matter, attorney.user, 1)
    with SmtpSink() as sink:
        worker = start_worker(sink, EMAIL_BACKEND="tests.smtp_sink.MisconfiguredBackend")
        try:
            reminders_dispatch()
            wait_until(lambda: count(Delivery.Status.FAILED) == 1, what="a failed attempt")
        finally:
            worker.stop()
        failed = Delivery.objects.get(channel="email")
        assert failed.attempts == 1
        assert failed.last_error.startswith("TypeError")
        assert failed.next_attempt_at > timezone.now()
        report = StringIO()
        call_command("reminders_status", stdout=report)
        assert f"matter {matter.number}, to {attorney.user.email} by email" in report.getvalue()
        # The setting is fixed: the next sweep after its retry time delivers it.
        worker = start_worker(sink)
        try:
            wait_until(lambda: sent() == 2, every=1, between=beat_sweeps, what="the retry")
        finally:
            worker.stop()
    assert list(sink.stored) == [f"delivery-{failed.pk}@aftercare"]
    assert Delivery.objects.get(pk=failed.pk).attempts == 2


def test_nothing_goes_out_after_done_closed_moved_or_access_lost(
    harbor, attorney, coordinator, clean_queue
):
    """Planned at 8 am, then changed before the worker got to them."""
    matters = [make_matter(harbor, lead=attorney.user) for _n in range(5)]
    done, closed, revoked, moved, kept = (make_due(m, attorney.user, 1)[0] for m in matters)
    reminders_dispatch()  # planned while no worker runs
    assert count(Delivery.Status.PENDING) == 10
    app.control.purge()  # their messages are lost: the sweep must find them
    Deadline.objects.filter(pk=done.pk).update(status=Deadline.Status.DONE)
    Matter.objects.filter(pk=closed.matter_id).update(closed_at=timezone.now())
    access_revoke(user=attorney.user, obj=revoked.matter)
    moved.due_date += timedelta(days=20)
    moved.save()  # a plain save: the old date's reminder is stale
    with SmtpSink() as sink:
        worker = start_worker(sink)
        try:
            deliveries_sweep(older_than=timedelta(0))
            wait_until(
                lambda: (
                    not Delivery.objects.filter(
                        status__in=(Delivery.Status.PENDING, Delivery.Status.HANDOVER)
                    ).exists()
                ),
                what="every planned delivery handled",
            )
        finally:
            worker.stop()
    assert list(sink.stored) == [
        f"delivery-{Delivery.objects.get(reminder__deadline=kept, channel='email').pk}@aftercare"
    ]
    reasons = {
        deadline.pk: set(
            Delivery.objects.filter(reminder__deadline=deadline).values_list(
                "status", "skip_reason"
            )
        )
        for deadline in (done, closed, revoked, moved)
    }
    assert reasons == {
        done.pk: {("skipped", "deadline_closed")},
        closed.pk: {("skipped", "matter_closed")},
        revoked.pk: {("skipped", "no_access")},
        moved.pk: {("skipped", "deadline_moved")},
    }
    assert (
        not Notification.objects.filter(recipient=attorney.user)
        .exclude(delivery__reminder__deadline=kept)
        .exists()
    )
    # The moved deadline has its own reminders for its new date.
    fresh = Reminder.objects.filter(deadline=moved, claimed_at__isnull=True)
    assert fresh.exists()
    assert set(fresh.values_list("due_for", flat=True)) == {moved.due_date}


def test_the_recovery_windows_add_up_to_two_minutes_at_most():
    sweep = settings.CELERY_BEAT_SCHEDULE["sweep-deliveries"]["schedule"]
    assert reminders.HANDOFF_STALE.total_seconds() > reminders.SEND_HARD_LIMIT_SECONDS
    assert reminders.HANDOFF_STALE.total_seconds() + sweep <= 120
    assert reminders.RECOVER_AFTER.total_seconds() + sweep <= 120


def test_ci_runs_these_on_redis():
    if CI:
        assert settings.REDIS_URL, "CI must run the fault tests on Redis"
