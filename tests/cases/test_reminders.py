"""Reminders: scheduled with their deadline, claimed once, delivered once per person and
channel, escalated when needed; and the calendar feed."""

import threading
from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from aftercare.access import access_revoke
from aftercare.models import Notification
from cases.models import Deadline, Delivery, Reminder
from cases.services import reminders
from tests.factories import MembershipFactory, make_matter, make_survivor

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")


@pytest.fixture
def matter(harbor, attorney):
    client = make_survivor(harbor, legal_name="Yesenia Canaryname", aliases=["La Canarita"])
    return make_matter(harbor, lead=attorney.user, client=client, sub_kind="t_visa")


def add_deadline(client, matter, due: date, **extra):
    client.post(
        reverse("cases:deadline_new", args=[matter.pk]),
        {
            "kind": "filing",
            "title": "T visa application (I-914)",
            "due_date": due.isoformat(),
            "time_zone": "America/New_York",
            **extra,
        },
    )
    return Deadline.objects.latest("id")


def run_all(now):
    """What beat and the worker do, in this process: claim, then send every delivery."""
    claimed = reminders.reminders_dispatch(now=now)
    for delivery in Delivery.objects.filter(status=Delivery.Status.PENDING):
        reminders.delivery_send(delivery_id=delivery.pk)
    return claimed


def test_a_deadline_brings_its_reminders_at_8am_on_the_policy_days(matter, attorney, client_for):
    due = timezone.localdate() + timedelta(days=40)
    deadline = add_deadline(client_for(attorney), matter, due)
    times = sorted(r.due_at.astimezone(NY) for r in deadline.reminders.filter(kind="reminder"))
    assert [t.date() for t in times] == [due - timedelta(days=d) for d in (30, 7, 1, 0)]
    assert {(t.hour, t.minute) for t in times} == {(8, 0)}


def test_a_deadline_that_rolls_back_leaves_no_reminder(matter, attorney):
    def failing_request():
        with transaction.atomic():
            deadline = Deadline.objects.create(
                matter=matter,
                kind="filing",
                title="x",
                due_date=timezone.localdate() + timedelta(days=40),
                created_by=attorney.user,
            )
            assert reminders.reminders_schedule(deadline=deadline) > 0
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError):
        failing_request()
    assert not Reminder.objects.exists()


def test_each_reminder_is_delivered_once_by_email_and_in_the_app(matter, attorney, client_for):
    due = timezone.localdate() + timedelta(days=7)
    deadline = add_deadline(client_for(attorney), matter, due)
    # Just after the 7-day reminder's own time (8 am in the deadline's zone), whatever the
    # hour the suite runs at.
    morning = deadline.reminders.get(kind="reminder", days_before=7).due_at + timedelta(minutes=1)
    assert run_all(morning) >= 1
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(recipient=attorney.user).count() == 1
    assert run_all(morning) == 0, "nothing is claimed twice"
    delivery = Delivery.objects.get(channel="email")
    assert reminders.delivery_send(delivery_id=delivery.pk) == "already"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<delivery-{delivery.pk}@aftercare>"


def test_no_name_alias_or_matter_kind_in_any_message(matter, attorney, coordinator, client_for):
    due = timezone.localdate() + timedelta(days=1)
    add_deadline(client_for(attorney), matter, due)
    run_all(timezone.now() + timedelta(days=3))
    texts = [m.subject + m.body for m in mail.outbox]
    texts += list(Notification.objects.values_list("message", flat=True))
    feed = client_for(attorney)
    feed.post(reverse("cases:feed_manage"), {"action": "issue"})
    texts.append(ics_of(attorney).decode())
    assert len(texts) >= 3
    for text in texts:
        for secret in ("Canaryname", "Canarita", "Yesenia", "T visa", "I-914", "Immigration"):
            assert secret not in text, (secret, text)


def test_an_unconfirmed_computed_deadline_is_escalated_to_coordinators(
    matter, attorney, coordinator, client_for
):
    client = client_for(attorney)
    client.post(
        reverse("cases:deadline_new", args=[matter.pk]),
        {
            "rule": matter.organization.deadline_rules.get(code="rfe-response").pk,
            "trigger_date": (timezone.localdate() - timedelta(days=80)).isoformat(),
        },
    )
    deadline = Deadline.objects.get()
    assert deadline.needs_confirmation
    escalation = deadline.reminders.get(kind="escalation", days_before=7)
    run_all(escalation.due_at + timedelta(minutes=1))
    escalated = Delivery.objects.filter(reminder=escalation, escalated=True)
    assert set(escalated.values_list("recipient", flat=True)) == {coordinator.user_id}
    assert any("attention needed" in m.subject for m in mail.outbox)


def test_a_confirmed_and_acknowledged_deadline_is_not_escalated(
    matter, attorney, coordinator, client_for
):
    due = timezone.localdate() + timedelta(days=2)
    add_deadline(client_for(attorney), matter, due)
    run_all(timezone.now() + timedelta(minutes=1))  # the "1 day" reminder is not due yet
    first = Reminder.objects.filter(kind="reminder").order_by("due_at").first()
    run_all(first.due_at + timedelta(minutes=1))
    assert Notification.objects.filter(recipient=attorney.user).exists(), "reminded"
    for notification in Notification.objects.filter(recipient=attorney.user):
        client_for(attorney).post(reverse("notification_read", args=[notification.pk]))
    escalation = Reminder.objects.get(kind="escalation", days_before=0)
    run_all(escalation.due_at + timedelta(minutes=1))
    assert not Delivery.objects.filter(reminder=escalation).exists()


def test_an_unacknowledged_reminder_is_escalated_on_the_day(
    matter, attorney, coordinator, client_for
):
    due = timezone.localdate() + timedelta(days=2)
    add_deadline(client_for(attorney), matter, due)
    first = Reminder.objects.filter(kind="reminder").order_by("due_at").first()
    run_all(first.due_at + timedelta(minutes=1))
    escalation = Reminder.objects.get(kind="escalation", days_before=0)
    run_all(escalation.due_at + timedelta(minutes=1))
    assert Delivery.objects.filter(reminder=escalation, recipient=coordinator.user).exists()


def test_a_responsible_person_who_lost_the_matter_is_replaced_by_coordinators(
    matter, attorney, coordinator, client_for
):
    due = timezone.localdate() + timedelta(days=7)
    deadline = add_deadline(client_for(attorney), matter, due)
    access_revoke(user=attorney.user, obj=matter)  # unassigned (or paused)
    run_all(deadline.reminders.get(kind="reminder", days_before=7).due_at + timedelta(minutes=1))
    recipients = set(Delivery.objects.values_list("recipient", "escalated"))
    assert recipients == {(coordinator.user_id, True)}


def test_a_finished_deadline_stops_its_reminders(matter, attorney, client_for):
    deadline = add_deadline(client_for(attorney), matter, timezone.localdate() + timedelta(days=20))
    assert deadline.reminders.exists()
    client_for(attorney).post(
        reverse("cases:deadline_status", args=[deadline.pk]), {"status": "done"}
    )
    assert not deadline.reminders.exists()


@pytest.mark.time_machine(datetime(2027, 1, 2, 1, 0, tzinfo=NY), tick=False)
def test_a_deadline_due_today_in_its_own_zone_is_reminded_while_new_york_is_a_day_on(
    matter, attorney, client_for
):
    # 1 am on 2 January in New York is 8 pm on 1 January in Honolulu: due today there.
    add_deadline(client_for(attorney), matter, date(2027, 1, 1), time_zone="Pacific/Honolulu")
    run_all(timezone.now() + timedelta(minutes=1))
    assert Notification.objects.filter(recipient=attorney.user).count() == 1
    assert [m.to for m in mail.outbox] == [[attorney.user.email]]


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_send_nothing_twice(harbor, attorney):
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED needs PostgreSQL (production and CI); SQLite has one writer")
    matter = make_matter(harbor, lead=attorney.user)
    now = timezone.now()
    for i in range(60):
        deadline = Deadline.objects.create(
            matter=matter,
            kind="filing",
            title=f"F{i}",
            due_date=timezone.localdate() + timedelta(days=1),
            created_by=attorney.user,
        )
        deadline.responsible.add(attorney.user)
        Reminder.objects.create(deadline=deadline, days_before=1, due_at=now)
    counts = []

    def scheduler():
        try:
            while claimed := reminders.reminders_dispatch(now=now, batch=7):
                counts.append(claimed)
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 60
    assert Delivery.objects.count() == 120  # one email and one in-app per reminder


def ics_of(membership) -> bytes:
    from cases.services.calendar_feed import calendar_feed_render

    return calendar_feed_render(membership)


def test_the_calendar_feed_parses_and_holds_only_the_persons_items(
    harbor, attorney, paralegal, client_for
):
    mine = make_matter(harbor, lead=attorney.user)
    theirs = make_matter(harbor, lead=paralegal.user)
    client = client_for(attorney, sudo=True)
    add_deadline(client, mine, date(2026, 12, 3))
    Deadline.objects.create(
        matter=theirs,
        kind="filing",
        title="other",
        created_by=paralegal.user,
        due_date=date(2026, 12, 4),
    ).responsible.add(paralegal.user)
    page = client.post(reverse("cases:feed_manage"), {"action": "issue"})
    address = page.text.split('<code class="secret">')[1].split("</code>")[0]
    path = address.split("testserver", 1)[1]
    response = Client().get(path)
    assert response["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == [f"Deadline · {mine.number}"]

    client.post(reverse("cases:feed_manage"), {"action": "issue"})
    assert Client().get(path).status_code == 404, "a regenerated address retires the old one"


def test_a_feed_carries_one_organizations_dates_only(harbor, riverside, attorney, client_for):
    """A person in two organizations gets one address per organization: the one made
    while acting for Harbor never shows Riverside's matter of the same number."""
    at_riverside = MembershipFactory(user=attorney.user, organization=riverside, role="attorney")
    ours = make_matter(harbor, lead=attorney.user)
    other = make_matter(riverside, lead=attorney.user)
    assert ours.number == other.number
    for matter, when in ((ours, date(2026, 12, 3)), (other, date(2026, 12, 4))):
        Deadline.objects.create(
            matter=matter, kind="filing", title="File", created_by=attorney.user, due_date=when
        ).responsible.add(attorney.user)
    feeds = {}
    for membership in (attorney, at_riverside):
        page = client_for(membership, sudo=True).post(
            reverse("cases:feed_manage"), {"action": "issue"}
        )
        address = page.text.split('<code class="secret">')[1].split("</code>")[0]
        ics = Client().get(address.split("testserver", 1)[1]).content
        feeds[membership.organization_id] = [
            e.decoded("dtstart") for e in Calendar.from_ical(ics).walk("VEVENT")
        ]
    assert feeds == {harbor.pk: [date(2026, 12, 3)], riverside.pk: [date(2026, 12, 4)]}


def test_a_revoked_or_wrong_token_is_a_404(attorney, client_for):
    client = client_for(attorney, sudo=True)
    page = client.post(reverse("cases:feed_manage"), {"action": "issue"})
    path = page.text.split('<code class="secret">')[1].split("</code>")[0].split("testserver")[1]
    assert Client().get(path).status_code == 200
    client.post(reverse("cases:feed_manage"), {"action": "revoke"})
    assert Client().get(path).status_code == 404
    assert Client().get(reverse("cases:feed", args=["not-a-token"])).status_code == 404


def test_the_bell_counts_unread_and_acknowledging_clears_it(attorney, client_for):
    Notification.objects.create(
        recipient=attorney.user,
        organization=attorney.organization,
        message="Deadline on M-2026-0001",
        link="/",
    )
    client = client_for(attorney)
    assert 'class="bell__count">1<' in client.get(reverse("dashboard")).text
    notification = Notification.objects.get()
    client.post(reverse("notification_read", args=[notification.pk]))
    assert "bell__count" not in client.get(reverse("dashboard")).text


def test_reminders_status_reports_each_state(matter, attorney, client_for):
    add_deadline(client_for(attorney), matter, timezone.localdate() + timedelta(days=1))
    run_all(timezone.now() + timedelta(days=2))
    out = StringIO()
    call_command("reminders_status", stdout=out)
    report = out.getvalue()
    for word in ("due", "sent", "pending", "failed", "retrying"):
        assert word in report
    assert "sent: 0" not in report


def test_an_organization_and_a_deadline_can_choose_their_reminder_days(
    matter, attorney, org_admin, client_for
):
    page = client_for(org_admin).post(
        reverse("cases:reminder_policy"),
        {"filing": "14, 2", "response": "x", "hearing": "", "limitation": "", "renewal": ""},
    )
    assert "Write whole numbers of days" in page.text
    client_for(org_admin).post(
        reverse("cases:reminder_policy"),
        {"filing": "14, 2", "response": "", "hearing": "", "limitation": "", "renewal": ""},
    )
    due = timezone.localdate() + timedelta(days=40)
    deadline = add_deadline(client_for(attorney), matter, due)
    assert sorted(
        deadline.reminders.filter(kind="reminder").values_list("days_before", flat=True)
    ) == [2, 14]
    own = add_deadline(client_for(attorney), matter, due, reminder_days="3")
    assert list(own.reminders.filter(kind="reminder").values_list("days_before", flat=True)) == [3]
