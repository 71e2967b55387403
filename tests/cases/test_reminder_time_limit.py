"""A sender whose soft time limit strikes mid-batch stops at once: the message at the
server stays a hand-off (resent once, under its Message-ID, when stale), and the ones
never handed over wait for the next sender with no attempt counted against them.

Celery's prefork pool raises SoftTimeLimitExceeded from a signal handler in the child;
the test does the same with SIGALRM while the mail server is slow to answer."""

import signal
import time
from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db.models import F

from cases.models import Delivery
from cases.services.reminders import HANDOFF_STALE, deliveries_send, reminders_dispatch
from tests.cases.test_reminder_faults import make_due
from tests.factories import make_matter
from tests.smtp_sink import SmtpSink

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def slow_sink(settings):
    with SmtpSink(on_message=lambda message_id: time.sleep(2)) as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 10
        yield sink


def soft_limit_in(seconds: float):
    def strike(signum, frame):
        raise SoftTimeLimitExceeded()

    previous = signal.signal(signal.SIGALRM, strike)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    return previous


def test_the_soft_time_limit_stops_the_batch_and_loses_nothing(harbor, attorney, slow_sink):
    make_due(make_matter(harbor, lead=attorney.user), attorney.user, 3)
    reminders_dispatch()
    emails = Delivery.objects.filter(channel="email")
    previous = soft_limit_in(1.0)  # during the first message's wait for "250 OK"
    try:
        started = time.monotonic()
        outcomes = deliveries_send()
        elapsed = time.monotonic() - started
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

    assert elapsed < 2, "the sender stopped when its time was up, not after the batch"
    assert sorted(outcomes.values()) == ["sent"] * 3, "the in-app ones went first"
    assert len(slow_sink.handoffs) == 1
    first = int(slow_sink.handoffs[0].split("-")[1].split("@")[0])
    at_server = emails.get(pk=first)
    assert (at_server.status, at_server.attempts) == (Delivery.Status.HANDOVER, 1)
    waiting = emails.exclude(pk=first)
    assert {(d.status, d.attempts) for d in waiting} == {(Delivery.Status.PENDING, 0)}

    # The next sender takes the two that never left; the uncertain one, once stale.
    assert sorted(deliveries_send().values()) == ["sent", "sent"]
    stale = HANDOFF_STALE + timedelta(seconds=1)
    emails.filter(pk=first).update(
        last_attempt_at=F("last_attempt_at") - stale,
        handoff_started_at=F("handoff_started_at") - stale,
    )
    assert deliveries_send() == {first: "sent"}
    at_server.refresh_from_db()
    assert (at_server.attempts, at_server.uncertain_handoffs) == (2, 1)
    assert slow_sink.duplicates() == [slow_sink.handoffs[0]]
    assert {d.status for d in emails.all()} == {Delivery.Status.SENT}
