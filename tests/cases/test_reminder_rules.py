"""When reminders fall, with the clock fixed: each deadline's own local day (Honolulu,
Tokyo, New York), a deadline moved by a plain save, and the grace an attorney has to
confirm a computed date before coordinators hear of it. Claiming and sending run here,
in the test's process, exactly as beat and the worker run them."""

from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command

from aftercare.actor import Actor
from aftercare.models import Notification
from cases.models import Deadline, Delivery, Reminder
from cases.services import reminders
from cases.services.deadlines import deadline_add, deadline_add_computed, deadline_confirm
from tests.factories import make_matter

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")
HONOLULU = ZoneInfo("Pacific/Honolulu")
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def matter(harbor, attorney):
    return make_matter(harbor, lead=attorney.user)


def actor_of(membership) -> Actor:
    return Actor(user=membership.user, membership=membership)


def add(attorney, matter, due: date, zone: str = "America/New_York", **extra) -> Deadline:
    return deadline_add(
        actor=actor_of(attorney),
        matter=matter,
        data={"kind": "filing", "title": "Filing", "due_date": due, "time_zone": zone, **extra},
    )


def run_all(now: datetime) -> int:
    """Beat's claim at `now`, then the worker's sends."""
    claimed = reminders.reminders_dispatch(now=now)
    while reminders.deliveries_send():
        pass
    return claimed


def local_schedule(deadline: Deadline) -> list[tuple[int, datetime]]:
    zone = ZoneInfo(deadline.time_zone)
    return [
        (r.days_before, r.due_at.astimezone(zone))
        for r in deadline.reminders.filter(
            kind=Reminder.Kind.REMINDER, due_for=deadline.due_date
        ).order_by("due_at")
    ]


# 1 am on 2 January in New York: 8 pm on 1 January in Honolulu, 3 pm on 2 January in Tokyo.
@pytest.mark.time_machine(datetime(2027, 1, 2, 1, 0, tzinfo=NY), tick=False)
def test_each_deadline_is_reminded_on_its_own_local_days(matter, attorney):
    now = datetime(2027, 1, 2, 1, 0, tzinfo=NY)
    honolulu = add(attorney, matter, date(2027, 1, 1), "Pacific/Honolulu")
    tokyo = add(attorney, matter, date(2027, 1, 3), "Asia/Tokyo")
    new_york = add(attorney, matter, date(2027, 1, 3), "America/New_York")
    # Due today in Honolulu (already yesterday in New York): its morning-of goes now.
    assert local_schedule(honolulu) == [(0, now)]
    # In Tokyo the day before is today (its 8 am passed: now), the morning-of is tomorrow
    # at 8 there: two moments, not one.
    assert local_schedule(tokyo) == [
        (1, now),
        (0, datetime(2027, 1, 3, 8, 0, tzinfo=TOKYO)),
    ]
    # In New York the day before is tomorrow (2 January is today, 1 am): at 8 am, each.
    assert local_schedule(new_york) == [
        (1, datetime(2027, 1, 2, 8, 0, tzinfo=NY)),
        (0, datetime(2027, 1, 3, 8, 0, tzinfo=NY)),
    ]

    def emailed_since(moment) -> list[tuple[int, int]]:
        run_all(moment)
        done = Delivery.objects.filter(channel="email", status="sent").exclude(pk__in=seen)
        rows = list(done.values_list("reminder__deadline", "reminder__days_before"))
        seen.extend(done.values_list("pk", flat=True))
        return sorted(rows)

    seen: list[int] = []
    # Now: Honolulu's morning-of and Tokyo's day-before, nothing else.
    assert emailed_since(now) == sorted([(honolulu.pk, 0), (tokyo.pk, 1)])
    assert emailed_since(datetime(2027, 1, 2, 8, 1, tzinfo=NY)) == [(new_york.pk, 1)]
    # Tokyo's morning-of: 8 am on 3 January there is 6 pm on 2 January in New York.
    assert emailed_since(datetime(2027, 1, 2, 17, 59, tzinfo=NY)) == []
    assert emailed_since(datetime(2027, 1, 2, 18, 0, tzinfo=NY)) == [(tokyo.pk, 0)]
    assert emailed_since(datetime(2027, 1, 3, 8, 0, tzinfo=NY)) == [(new_york.pk, 0)]
    assert len(mail.outbox) == 5


@pytest.mark.time_machine(datetime(2027, 3, 1, 9, 0, tzinfo=NY), tick=False)
def test_a_deadline_moved_later_by_a_plain_save_keeps_every_reminder_for_its_new_date(
    matter, attorney
):
    deadline = add(attorney, matter, date(2027, 3, 8))
    week_before = deadline.reminders.get(kind="reminder", days_before=7)
    run_all(week_before.due_at)
    assert len(mail.outbox) == 1  # the 7-day reminder for 8 March went out
    deadline.due_date = date(2027, 4, 5)
    deadline.save()  # not a service: the admin, a shell, a data fix
    assert local_schedule(deadline) == [
        (30, datetime(2027, 3, 6, 8, 0, tzinfo=NY)),
        (7, datetime(2027, 3, 29, 8, 0, tzinfo=NY)),
        (1, datetime(2027, 4, 4, 8, 0, tzinfo=NY)),
        (0, datetime(2027, 4, 5, 8, 0, tzinfo=NY)),
    ]
    assert set(deadline.reminders.values_list("due_for", flat=True)) >= {date(2027, 4, 5)}
    # Nothing fires at the old dates: on 8 March only the new 30-day reminder.
    mail.outbox.clear()
    run_all(datetime(2027, 3, 8, 12, 0, tzinfo=NY))
    assert [m.subject.endswith("5 April 2027") for m in mail.outbox] == [True]
    mail.outbox.clear()
    run_all(datetime(2027, 3, 29, 8, 1, tzinfo=NY))
    assert [m.subject.endswith("5 April 2027") for m in mail.outbox] == [True]


@pytest.mark.time_machine(datetime(2027, 3, 1, 9, 0, tzinfo=NY), tick=False)
def test_a_reminder_for_an_old_date_is_dropped_when_claimed_and_the_new_date_scheduled(
    matter, attorney
):
    deadline = add(attorney, matter, date(2027, 3, 20))
    # A bulk update sends no signal: the rows still carry 20 March.
    Deadline.objects.filter(pk=deadline.pk).update(due_date=date(2027, 4, 10))
    assert run_all(datetime(2027, 3, 13, 8, 1, tzinfo=NY)) >= 1  # the old 7-day reminder
    assert not Delivery.objects.exists(), "nothing is sent for 20 March"
    assert not Reminder.objects.filter(due_for=date(2027, 3, 20)).exists()
    deadline.refresh_from_db()
    assert local_schedule(deadline) == [
        (7, datetime(2027, 4, 3, 8, 0, tzinfo=NY)),
        (1, datetime(2027, 4, 9, 8, 0, tzinfo=NY)),
        (0, datetime(2027, 4, 10, 8, 0, tzinfo=NY)),
    ]
    run_all(datetime(2027, 4, 3, 8, 1, tzinfo=NY))
    assert [m.subject.endswith("10 April 2027") for m in mail.outbox] == [True]


def compute(attorney, matter) -> Deadline:
    return deadline_add_computed(
        actor=actor_of(attorney),
        matter=matter,
        rule=matter.organization.deadline_rules.get(code="rfe-response"),
        trigger_date=date(2027, 3, 1) - timedelta(days=80),
    )


@pytest.mark.time_machine(datetime(2027, 3, 1, 9, 0, tzinfo=NY), tick=False)
def test_a_freshly_computed_date_waits_the_grace_before_coordinators_hear(
    matter, attorney, coordinator
):
    deadline = compute(attorney, matter)
    assert deadline.needs_confirmation
    assert deadline.due_date - date(2027, 3, 1) <= timedelta(days=7)
    computed_at = datetime(2027, 3, 1, 9, 0, tzinfo=NY)
    run_all(computed_at + timedelta(minutes=1))
    assert not Delivery.objects.filter(recipient=coordinator.user).exists()
    grace = timedelta(hours=4)
    run_all(computed_at + grace - timedelta(minutes=1))
    assert not Delivery.objects.filter(recipient=coordinator.user).exists()
    run_all(computed_at + grace)
    escalated = Delivery.objects.filter(recipient=coordinator.user, status="sent")
    assert escalated.filter(channel="email").count() == 1
    assert any("attention needed" in m.subject for m in mail.outbox)


@pytest.mark.time_machine(datetime(2027, 3, 1, 9, 0, tzinfo=NY), tick=False)
def test_a_date_confirmed_within_the_grace_is_not_escalated(
    matter, attorney, coordinator, time_machine
):
    deadline = compute(attorney, matter)
    time_machine.move_to(datetime(2027, 3, 1, 10, 0, tzinfo=NY), tick=False)
    deadline_confirm(actor=actor_of(attorney), deadline=deadline)
    for notification in Notification.objects.filter(recipient=attorney.user):
        notification.read_at = datetime(2027, 3, 1, 10, 0, tzinfo=NY)
        notification.save()
    run_all(datetime(2027, 3, 1, 13, 1, tzinfo=NY))
    assert not Delivery.objects.filter(recipient=coordinator.user, status="sent").exists()


def test_a_delivery_that_keeps_failing_is_given_up_after_the_last_attempt_and_told(
    matter, attorney, coordinator, settings, time_machine
):
    """In-process version of the worker fault test: any exception counts."""
    settings.EMAIL_BACKEND = "tests.smtp_sink.MisconfiguredBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # never reached
    start = datetime(2027, 3, 1, 9, 0, tzinfo=NY)
    time_machine.move_to(start, tick=False)
    add(attorney, matter, date(2027, 3, 2))
    reminders.reminders_dispatch()
    for attempt in range(1, reminders.MAX_ATTEMPTS + 1):
        reminders.deliveries_send()
        email = Delivery.objects.get(channel="email", recipient=attorney.user)
        assert email.attempts == attempt
        assert email.last_error.startswith("TypeError")
        time_machine.move_to(start + timedelta(hours=attempt), tick=False)
    assert email.status == Delivery.Status.GAVE_UP
    assert reminders.deliveries_send() == {}
    told = Notification.objects.get(recipient=coordinator.user)
    assert matter.number in told.message
    report = StringIO()
    call_command("reminders_status", stdout=report)
    assert (
        f"matter {matter.number}, to {attorney.user.email} by email, 6 attempts"
        in (report.getvalue().split("given up:")[1])
    )
