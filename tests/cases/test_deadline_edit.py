"""Correcting a deadline: its details, a computed one's trigger date, and its reminders."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from aftercare.access import access_grant
from aftercare.history import FieldChange
from aftercare.models import AuditEvent, Role
from cases.models import Deadline, DeadlineRule, Delivery, Reminder
from cases.services import reminders
from cases.services.deadlines import deadline_add_computed, deadline_compute, deadline_edit
from tests.actors import lead_actor
from tests.canary import readable_hits, tables_containing
from tests.database_state import AuditWriteError, audit_writes_fail, database_state
from tests.factories import MembershipFactory, make_matter

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")


@pytest.fixture
def matter(harbor, attorney):
    return make_matter(harbor, lead=attorney.user)


def add_by_hand(client, matter, due: date, **extra) -> Deadline:
    client.post(
        reverse("cases:deadline_new", args=[matter.pk]),
        {
            "kind": "filing",
            "title": "T visa application",
            "due_date": due.isoformat(),
            "time_zone": "America/New_York",
            **extra,
        },
    )
    return Deadline.objects.latest("id")


def edit_url(deadline):
    return reverse("cases:deadline_edit", args=[deadline.pk])


def form_data(deadline, **changes) -> dict:
    """Every field as the edit form shows it (a date input sends ISO in every language)."""
    data = {
        "title": deadline.title,
        "due_date": deadline.due_date.isoformat(),
        "due_time": deadline.due_time.strftime("%H:%M") if deadline.due_time else "",
        "time_zone": deadline.time_zone,
        "location": deadline.location,
        "responsible": [str(u.pk) for u in deadline.responsible.all()],
    }
    if deadline.is_computed:
        del data["due_date"]
        data["trigger_date"] = deadline.trigger_date.isoformat()
    data.update(changes)
    return data


@pytest.mark.time_machine(datetime(2027, 3, 1, 9, 0, tzinfo=NY), tick=False)
def test_title_time_place_and_responsible_are_corrected_in_spanish(
    matter, harbor, attorney, client_for
):
    colleague = MembershipFactory(organization=harbor, role=Role.PARALEGAL)
    access_grant(user=colleague.user, obj=matter, actions=("view", "change"))
    client = client_for(attorney)
    deadline = add_by_hand(client, matter, date(2027, 4, 12))
    response = client.post(
        edit_url(deadline),
        form_data(
            deadline,
            title="Hearing on the I-914",
            due_time="14:30",
            location="Courtroom 5",
            responsible=[str(attorney.user_id), str(colleague.user_id)],
        ),
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 302, response.content
    deadline.refresh_from_db()
    assert (deadline.title, deadline.due_time, deadline.location) == (
        "Hearing on the I-914",
        time(14, 30),
        "Courtroom 5",
    )
    assert set(deadline.responsible.all()) == {attorney.user, colleague.user}
    fields = set(FieldChange.objects.of(deadline).values_list("field", flat=True))
    assert fields == {"title", "due_time", "location", "responsible"}
    page = client.get(
        reverse("cases:deadline_history", args=[deadline.pk]), HTTP_ACCEPT_LANGUAGE="es"
    ).text
    assert "Historial de" in page and "Antes" in page and "Después" in page
    assert "T visa application" in page and "Hearing on the I-914" in page
    assert "14:30" in page and colleague.user.full_name in page
    # The matter's history gathers its deadlines' changes too.
    page = client.get(reverse("cases:matter_history", args=[matter.pk])).text
    assert "Hearing on the I-914" in page


@pytest.mark.time_machine(datetime(2027, 3, 1, 9, 0, tzinfo=NY), tick=False)
def test_a_corrected_trigger_date_recomputes_the_deadline_and_unconfirms_it(
    matter, attorney, client_for
):
    actor = lead_actor(matter)
    rule = DeadlineRule.objects.get(organization=matter.organization, code="rfe-response")
    deadline = deadline_add_computed(
        actor=actor, matter=matter, rule=rule, trigger_date=date(2027, 2, 1)
    )
    client = client_for(attorney)
    client.post(reverse("cases:deadline_confirm", args=[deadline.pk]))
    old_due = Deadline.objects.get(pk=deadline.pk).due_date
    assert Deadline.objects.get(pk=deadline.pk).confirmed_at is not None

    response = client.post(
        edit_url(deadline),
        form_data(deadline, trigger_date="2027-02-15", mailed="on"),
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 302
    deadline.refresh_from_db()
    expected = deadline_compute(
        actor=actor, matter=matter, rule=rule, trigger_date=date(2027, 2, 15), mailed=True
    )
    assert deadline.due_date == expected.due != old_due
    assert deadline.computation == expected.steps
    assert deadline.computation[0]["date"] == "2027-02-15"
    assert any(step["step"] == "mailed" for step in deadline.computation)
    assert deadline.needs_confirmation
    changes = {c.field: (c.old_value, c.new_value) for c in FieldChange.objects.of(deadline)}
    assert changes["trigger_date"] == ("2027-02-01", "2027-02-15")
    assert changes["due_date"] == (old_due.isoformat(), expected.due.isoformat())
    event = AuditEvent.objects.get(action="cases.deadline.edited")
    assert event.payload["recomputed"] is True
    # Its reminders are for the new date only.
    waiting = Reminder.objects.filter(deadline=deadline, claimed_at__isnull=True)
    assert set(waiting.values_list("due_for", flat=True)) == {expected.due}
    detail = client.get(reverse("cases:detail", args=[matter.pk])).text
    assert "I checked it: confirm this date" in detail


def test_a_computed_date_is_not_typed(matter):
    actor = lead_actor(matter)
    rule = DeadlineRule.objects.get(organization=matter.organization, code="rfe-response")
    deadline = deadline_add_computed(
        actor=actor, matter=matter, rule=rule, trigger_date=timezone.localdate()
    )
    with pytest.raises(Exception, match="computed from its rule"):
        deadline_edit(
            actor=actor,
            deadline=deadline,
            data={"due_date": deadline.due_date + timedelta(days=30)},
        )


def test_a_reader_gets_403_an_outsider_404_and_nothing_changes(
    matter, attorney, paralegal, outsider, client_for
):
    deadline = add_by_hand(client_for(attorney), matter, timezone.localdate() + timedelta(days=20))
    access_grant(user=paralegal.user, obj=matter, actions=("view",))
    before = database_state()
    reader = client_for(paralegal)
    assert reader.get(edit_url(deadline)).status_code == 403
    assert reader.post(edit_url(deadline), form_data(deadline, title="X")).status_code == 403
    stranger = client_for(outsider)
    assert stranger.post(edit_url(deadline), form_data(deadline, title="Y")).status_code == 404
    history = reverse("cases:deadline_history", args=[deadline.pk])
    assert stranger.get(history).status_code == 404
    after = database_state()
    for table in ("cases.deadline", "cases.reminder", "aftercare.fieldchange"):
        assert after[table] == before[table]
    assert reader.get(history).status_code == 200


def test_if_the_audit_write_fails_the_deadline_and_its_reminders_stay(
    matter, attorney, client_for, monkeypatch
):
    deadline = add_by_hand(client_for(attorney), matter, timezone.localdate() + timedelta(days=40))
    before = database_state()
    audit_writes_fail(monkeypatch)
    with pytest.raises(AuditWriteError):
        deadline_edit(
            actor=lead_actor(matter),
            deadline=deadline,
            data={"due_date": deadline.due_date + timedelta(days=10), "title": "Moved"},
        )
    after = database_state()
    for table in ("cases.deadline", "cases.reminder", "aftercare.fieldchange"):
        assert after[table] == before[table]


def test_titles_and_places_are_never_in_plaintext_in_history_or_audit(matter, attorney, client_for):
    client = client_for(attorney)
    deadline = add_by_hand(
        client, matter, timezone.localdate() + timedelta(days=20), location="CANARYPLACEOLD"
    )
    client.post(
        edit_url(deadline),
        form_data(deadline, title="CANARYTITLENEW", location="CANARYPLACENEW"),
    )
    assert FieldChange.objects.of(deadline).count() == 2
    for canary in ("CANARYPLACEOLD", "CANARYTITLENEW", "CANARYPLACENEW", "T visa application"):
        assert tables_containing(canary) == []
        tables = {hit.table for hit in readable_hits(canary)}
        assert "aftercare_auditevent" not in tables
    assert {hit.table for hit in readable_hits("CANARYPLACEOLD")} == {"aftercare_fieldchange"}


def _sent_to(person) -> list:
    return [m for m in mail.outbox if m.to == [person.email]]


def _run_at(moment: datetime, time_machine) -> None:
    """What beat and the worker do at that moment: the real claim, then every send."""
    time_machine.move_to(moment, tick=False)
    reminders.reminders_dispatch(now=moment)
    for delivery in Delivery.objects.filter(status=Delivery.Status.PENDING):
        reminders.delivery_send(delivery_id=delivery.pk)


def test_a_moved_deadline_is_never_reminded_for_its_old_date_and_once_for_the_new(
    matter, attorney, client_for, time_machine
):
    """Run in CI on PostgreSQL, where the claim is SELECT ... FOR UPDATE SKIP LOCKED."""
    time_machine.move_to(datetime(2027, 3, 1, 9, 0, tzinfo=NY), tick=False)
    client = client_for(attorney)
    old, new = date(2027, 3, 11), date(2027, 3, 25)
    deadline = add_by_hand(client, matter, old)
    _run_at(datetime(2027, 3, 4, 8, 1, tzinfo=NY), time_machine)  # the 7-day reminder
    assert len(_sent_to(attorney.user)) == 1

    time_machine.move_to(datetime(2027, 3, 4, 10, 0, tzinfo=NY), tick=False)
    client = client_for(attorney)  # signed in again: three days later
    response = client.post(edit_url(deadline), form_data(deadline, due_date=new.isoformat()))
    assert response.status_code == 302 and "/account/" not in response.url
    waiting = Reminder.objects.filter(deadline=deadline, claimed_at__isnull=True)
    assert set(waiting.values_list("due_for", flat=True)) == {new}

    for day in (10, 11, 12):  # the old date's last reminders, and the days after
        _run_at(datetime(2027, 3, day, 8, 1, tzinfo=NY), time_machine)
    assert len(_sent_to(attorney.user)) == 1, "nothing for the old date"

    for day in (18, 24, 25):  # 7 days, 1 day before and the morning of the new date
        _run_at(datetime(2027, 3, day, 8, 1, tzinfo=NY), time_machine)
        _run_at(datetime(2027, 3, day, 8, 2, tzinfo=NY), time_machine)  # a second tick
    assert len(_sent_to(attorney.user)) == 4
    claimed = Reminder.objects.filter(
        deadline=deadline, kind="reminder", claimed_at__isnull=False
    ).values_list("due_for", "days_before")
    assert sorted(claimed) == [(old, 7), (new, 0), (new, 1), (new, 7)]


def test_the_deadline_history_keeps_a_constant_number_of_queries(
    matter, attorney, client_for, django_assert_max_num_queries
):
    client = client_for(attorney)
    deadline = add_by_hand(client, matter, timezone.localdate() + timedelta(days=60))
    actor = lead_actor(matter)
    url = reverse("cases:deadline_history", args=[deadline.pk])

    def edits(n):
        for i in range(n):
            deadline_edit(actor=actor, deadline=deadline, data={"title": f"T-{n}-{i}"})

    edits(2)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    edits(25)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "T-25-24" in client.get(url).text
