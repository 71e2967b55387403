"""Delivering in-process to a receiver on 127.0.0.1: signed, retried with backoff on a
fixed clock, given up after the last attempt, and never sent to a forbidden address."""

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.clockwork import NEW_YORK
from tests.webhooks.conftest import consent_to, register
from webhooks.addresses import target_check
from webhooks.delivery import (
    MAX_ATTEMPTS,
    SENDING_STALE,
    deliveries_sweep,
    delivery_attempt,
    retry_delay,
)
from webhooks.models import Attempt, Delivery

pytestmark = pytest.mark.django_db
MORNING = datetime(2026, 3, 2, 9, 0, tzinfo=NEW_YORK)


@pytest.fixture
def one_delivery(survivor, intake_worker, harbor, harbor_admin, receiver) -> Delivery:
    register(harbor_admin, receiver)
    consent_to(survivor, intake_worker, harbor)
    return Delivery.objects.get()


def test_retries_wait_from_a_minute_to_a_day():
    delays = [retry_delay(n) for n in range(1, MAX_ATTEMPTS)]
    assert delays[0] == timedelta(minutes=1)
    assert delays == sorted(delays)
    assert delays[-1] == timedelta(days=1)
    assert timedelta(days=1) < sum(delays, timedelta()) < timedelta(days=2)


def test_a_500_is_retried_after_a_minute_and_then_delivered(time_machine, receiver, request):
    time_machine.move_to(MORNING, tick=False)
    delivery = request.getfixturevalue("one_delivery")
    receiver.answers = [500]

    assert delivery_attempt(delivery_id=delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.next_attempt_at == MORNING + timedelta(minutes=1)
    first = Attempt.objects.get(delivery=delivery)
    assert (first.number, first.status_code, first.error) == (1, 500, "HTTP 500")
    assert first.next_retry_at == MORNING + timedelta(minutes=1)

    time_machine.move_to(MORNING + timedelta(seconds=59), tick=False)
    assert deliveries_sweep() == 0, "not due yet"
    assert delivery_attempt(delivery_id=delivery.pk) == "busy"

    time_machine.move_to(MORNING + timedelta(seconds=61), tick=False)
    assert delivery_attempt(delivery_id=delivery.pk) == "delivered"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.DELIVERED, 2)
    assert delivery.delivered_at == MORNING + timedelta(seconds=61)
    assert [a.status_code for a in Attempt.objects.filter(delivery=delivery)] == [200, 500]
    # Both attempts carried the same event id, each signed when it was made.
    assert len({r.event_id for r in receiver.received}) == 1
    assert all(r.verified for r in receiver.received)
    assert receiver.received[0].body == receiver.received[1].body
    assert receiver.received[0].signature != receiver.received[1].signature
    assert delivery_attempt(delivery_id=delivery.pk) == "already"


def test_after_the_last_attempt_it_is_given_up(time_machine, receiver, request):
    time_machine.move_to(MORNING, tick=False)
    delivery = request.getfixturevalue("one_delivery")
    receiver.answers = [503] * MAX_ATTEMPTS
    now = MORNING
    for attempt in range(1, MAX_ATTEMPTS + 1):
        outcome = delivery_attempt(delivery_id=delivery.pk)
        now += retry_delay(attempt)
        time_machine.move_to(now, tick=False)
        assert outcome == ("gave_up" if attempt == MAX_ATTEMPTS else "failed")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.GAVE_UP, MAX_ATTEMPTS)
    assert delivery.next_attempt_at is None
    assert Attempt.objects.filter(delivery=delivery).count() == MAX_ATTEMPTS
    assert deliveries_sweep() == 0
    assert len(receiver.received) == MAX_ATTEMPTS


def test_a_redirect_is_not_followed_but_failed(one_delivery, receiver):
    receiver.answers = [302]
    assert delivery_attempt(delivery_id=one_delivery.pk) == "failed"
    assert Attempt.objects.get().error == "HTTP 302"


def test_a_receiver_that_is_down_is_a_failed_attempt(one_delivery, receiver):
    from webhooks.models import Endpoint

    Endpoint.objects.update(url="http://127.0.0.1:9/hooks")  # discard port: nobody listens
    assert delivery_attempt(delivery_id=one_delivery.pk) == "failed"
    attempt = Attempt.objects.get()
    assert attempt.status_code is None
    assert attempt.error == "connection refused or reset"


def test_a_receiver_that_does_not_answer_times_out(one_delivery, receiver, settings):
    import time

    settings.WEBHOOKS_READ_TIMEOUT = 1
    receiver.on_request = lambda r: time.sleep(2)
    started = time.monotonic()
    assert delivery_attempt(delivery_id=one_delivery.pk) == "failed"
    assert time.monotonic() - started < 2
    attempt = Attempt.objects.get()
    assert attempt.error == "timed out"
    assert attempt.duration_ms >= 1000


def test_an_attempt_whose_worker_died_is_sent_again_once_with_the_same_id(one_delivery, receiver):
    # Claimed and recorded, then the worker died before the answer was recorded.
    Delivery.objects.filter(pk=one_delivery.pk).update(
        status=Delivery.Status.SENDING, attempts=1, last_attempt_at=timezone.now()
    )
    Attempt.objects.create(delivery=one_delivery, number=1, started_at=timezone.now())
    # The task's message comes back (reject on worker lost): the attempt may still run.
    assert delivery_attempt(delivery_id=one_delivery.pk) == "busy"
    assert receiver.received == []
    Delivery.objects.filter(pk=one_delivery.pk).update(
        last_attempt_at=timezone.now() - SENDING_STALE - timedelta(seconds=1)
    )
    assert delivery_attempt(delivery_id=one_delivery.pk) == "delivered"
    one_delivery.refresh_from_db()
    assert (one_delivery.attempts, one_delivery.uncertain_attempts) == (2, 1)
    assert [r.event_id for r in receiver.received] == [str(one_delivery.event.public_id)]


def test_a_delivery_to_an_endpoint_disabled_since_is_not_sent(one_delivery, receiver):
    one_delivery.endpoint.is_enabled = False
    one_delivery.endpoint.save()
    assert delivery_attempt(delivery_id=one_delivery.pk) == "skipped"
    assert receiver.received == []


def test_a_delivery_for_an_organization_deactivated_since_is_not_sent(one_delivery, receiver):
    organization = one_delivery.endpoint.organization
    organization.is_active = False
    organization.save(update_fields=["is_active"])
    assert delivery_attempt(delivery_id=one_delivery.pk) == "skipped"
    assert receiver.received == []


def test_an_address_refused_since_it_was_saved_is_not_called(one_delivery, receiver, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    assert delivery_attempt(delivery_id=one_delivery.pk) == "failed"
    assert Attempt.objects.get().error == "address refused"
    assert receiver.received == []


# --- Which addresses may be called --------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://169.254.169.254/",
        "https://[fe80::1]/hooks",
        "https://[fd00:ec2::254]/",
        "https://10.0.0.5/hooks",
        "https://192.168.1.10/hooks",
        "https://172.16.0.1/hooks",
        "https://100.64.0.1/hooks",  # carrier-grade NAT
        "https://0.0.0.0/hooks",
        "https://[::ffff:10.0.0.5]/hooks",
    ],
)
def test_internal_addresses_are_refused(url):
    with pytest.raises(ValidationError, match="private or internal network"):
        target_check(url)


def test_loopback_is_refused_unless_the_setting_allows_it(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    for url in ("http://127.0.0.1:8000/hooks", "https://localhost/hooks", "https://[::1]/"):
        with pytest.raises(ValidationError, match="private or internal network"):
            target_check(url)
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    assert target_check("http://127.0.0.1:8000/hooks?x=1").path == "/hooks?x=1"


def test_private_networks_only_when_the_setting_allows_them(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    assert target_check("https://10.0.0.5/hooks").address == "10.0.0.5"
    with pytest.raises(ValidationError, match="private or internal network"):
        target_check("https://169.254.169.254/")


def test_plain_http_is_refused_beyond_this_machine():
    with pytest.raises(ValidationError, match="must start with https"):
        target_check("http://93.184.216.34/hooks")
    assert target_check("https://93.184.216.34/hooks").port == 443


@pytest.mark.parametrize(
    "url",
    ["ftp://93.184.216.34/", "https://", "hooks.example.org", "https://93.184.216.34:99999/"],
)
def test_a_malformed_address_is_refused(url):
    with pytest.raises(ValidationError, match="whole address"):
        target_check(url)


def test_credentials_in_the_address_are_refused():
    with pytest.raises(ValidationError, match="user name or password"):
        target_check("https://partner:hunter2@93.184.216.34/hooks")
