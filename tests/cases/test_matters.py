"""The matter page, its notes, hours, deadlines and stages; the list and the docket."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from aftercare.access import access_grant
from aftercare.models import AuditEvent
from cases.models import Deadline, Matter, MatterNote
from survivors.models import Purpose, Referral
from tests.factories import make_matter, make_survivor
from tests.survivors.conftest import consent_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def matter(harbor, attorney):
    return make_matter(harbor, lead=attorney.user)


def detail(client, matter):
    return client.get(reverse("cases:detail", args=[matter.pk]))


def test_privileged_notes_never_reach_a_partner_ngo_even_with_consent(
    safehaven, intake_worker, harbor, attorney, client_for
):
    survivor = make_survivor(safehaven, by=intake_worker.user, legal_name="Shared Client")
    consent = consent_for(
        survivor, harbor, intake_worker.user, categories=["identity", "needs", "situation"]
    )
    Referral.objects.create(
        survivor=survivor,
        from_organization=safehaven,
        to_organization=harbor,
        purpose=Purpose.LEGAL_REPRESENTATION,
        consent=consent,
        sent_by=intake_worker.user,
    )
    matter = make_matter(harbor, lead=attorney.user, client=survivor)
    client_for(attorney).post(
        reverse("cases:note_add", args=[matter.pk]),
        {"body": "Privileged: client's account of events"},
    )
    assert "Privileged: client" in detail(client_for(attorney), matter).text
    ngo = client_for(intake_worker)
    assert detail(ngo, matter).status_code == 404
    assert ngo.get(reverse("survivors:detail", args=[survivor.pk])).status_code == 200
    for url in (
        reverse("survivors:detail", args=[survivor.pk]),
        reverse("dashboard"),
        reverse("survivors:services", args=[survivor.pk]),
    ):
        assert "Privileged" not in ngo.get(url).text


def test_notes_are_append_only_and_corrections_show_as_such(matter, attorney, client_for):
    client = client_for(attorney)
    client.post(reverse("cases:note_add", args=[matter.pk]), {"body": "Met on Tuesday"})
    original = MatterNote.objects.get()
    client.post(
        reverse("cases:note_add", args=[matter.pk]),
        {"body": "Met on Wednesday, not Tuesday", "corrects": original.pk},
    )
    page = detail(client, matter).text
    assert "Met on Tuesday" in page and "Corrected by a later note." in page
    assert "correction of an earlier note" in page
    original.body = "rewritten"
    with pytest.raises(TypeError):
        original.save()
    again = client.post(
        reverse("cases:note_add", args=[matter.pk]),
        {"body": "Second correction", "corrects": original.pk},
    )
    assert "cannot be corrected here" in again.text


def test_hours_add_up_per_matter(matter, attorney, client_for):
    client = client_for(attorney)
    for minutes in (90, 45):
        client.post(
            reverse("cases:time_add", args=[matter.pk]),
            {"date": timezone.localdate().isoformat(), "minutes": minutes, "activity": "drafting"},
        )
    assert "Total: 2 hours 15 minutes." in detail(client, matter).text
    bad = client.post(
        reverse("cases:time_add", args=[matter.pk]),
        {"date": "2026-01-01", "minutes": 5000, "activity": "drafting"},
    )
    assert "between 1 and 1440" in bad.text


def test_a_computed_deadline_is_explained_and_waits_for_confirmation(matter, attorney, client_for):
    client = client_for(attorney)
    client.post(
        reverse("cases:deadline_new", args=[matter.pk]),
        {
            "rule": matter.organization.deadline_rules.get(code="rfe-response").pk,
            "trigger_date": "2026-03-02",
            "mailed": "on",
        },
    )
    deadline = Deadline.objects.get()
    assert deadline.due_date == date(2026, 5, 28) and deadline.needs_confirmation
    page = detail(client, matter).text
    assert "Counted from: Date of the RFE notice, March 2, 2026." in page
    assert "Verify against local rules" in page
    client.post(reverse("cases:deadline_confirm", args=[deadline.pk]))
    deadline.refresh_from_db()
    assert deadline.confirmed_by == attorney.user
    assert AuditEvent.objects.filter(action="cases.deadline.confirmed").exists()


def test_a_rule_without_its_trigger_date_keeps_the_form(matter, attorney, client_for):
    page = client_for(attorney).post(
        reverse("cases:deadline_new", args=[matter.pk]),
        {"rule": matter.organization.deadline_rules.get(code="rfe-response").pk},
    )
    assert "Enter the date of the rfe notice" in page.text
    assert not Deadline.objects.exists()


def test_stages_move_only_along_their_path(matter, attorney, client_for):
    client = client_for(attorney)
    assert (
        client.post(reverse("cases:stage", args=[matter.pk]), {"stage": "decided"}).status_code
        == 403
    )
    client.post(reverse("cases:stage", args=[matter.pk]), {"stage": "preparing"})
    assert Matter.objects.get(pk=matter.pk).stage == "preparing"


def test_closing_records_the_outcome(matter, attorney, client_for):
    client_for(attorney).post(
        reverse("cases:close", args=[matter.pk]),
        {"outcome": "granted", "reason": "T visa approved"},
    )
    matter.refresh_from_db()
    assert (matter.outcome, matter.is_open) == ("granted", False)


def test_the_team_gives_and_takes_access(matter, coordinator, paralegal, client_for):
    url = reverse("cases:team", args=[matter.pk])
    refused = client_for(coordinator).post(url, {"email": "stranger@elsewhere.example"})
    assert "No attorney or paralegal of this organization" in refused.content.decode()
    client_for(coordinator).post(url, {"email": paralegal.user.email})
    assert detail(client_for(paralegal), matter).status_code == 200
    client_for(coordinator).post(url, {"remove": str(paralegal.user_id)})
    assert detail(client_for(paralegal), matter).status_code == 404
    assert (
        client_for(paralegal).get(reverse("survivors:detail", args=[matter.client_id])).status_code
        == 404
    )


def _many_matters(harbor, attorney, n):
    today = timezone.localdate()
    for i in range(n):
        matter = make_matter(harbor, lead=attorney.user, sub_kind="u_visa")
        Deadline.objects.create(
            matter=matter,
            kind="filing",
            title=f"File {i}",
            due_date=today + timedelta(days=i % 20 - 3),
            created_by=attorney.user,
        )
        Deadline.objects.create(
            matter=matter,
            kind="hearing",
            title=f"Hearing {i}",
            due_date=today + timedelta(days=2),
            created_by=attorney.user,
        )


@pytest.mark.parametrize("url_name", ["cases:list", "dashboard", "cases:calendar"])
def test_lists_and_the_docket_run_the_same_queries_for_more_matters(
    url_name, harbor, attorney, client_for, django_assert_max_num_queries
):
    client = client_for(attorney)
    _many_matters(harbor, attorney, 2)
    client.get(reverse(url_name))
    with django_assert_max_num_queries(30) as few:
        client.get(reverse(url_name))
    few_count = len(few.captured_queries)
    assert few_count > 0, "the baseline captured nothing"
    _many_matters(harbor, attorney, 20)
    with django_assert_max_num_queries(few_count):
        page = client.get(reverse(url_name))
    assert "M-2026-" in page.text


def test_the_matter_page_runs_the_same_queries_for_more_work(
    matter, attorney, client_for, django_assert_max_num_queries
):
    client = client_for(attorney)

    def add_work(i):
        client.post(reverse("cases:note_add", args=[matter.pk]), {"body": f"Note {i}"})
        client.post(
            reverse("cases:time_add", args=[matter.pk]),
            {"date": "2026-11-02", "minutes": 10, "activity": "research"},
        )
        Deadline.objects.create(
            matter=matter,
            kind="filing",
            title=f"File {i}",
            due_date=date(2026, 12, 1),
            created_by=attorney.user,
        )

    add_work(0)
    detail(client, matter)
    with django_assert_max_num_queries(40) as few:
        detail(client, matter)
    few_count = len(few.captured_queries)
    assert few_count > 0, "the baseline captured nothing"
    for i in range(1, 15):
        add_work(i)
    with django_assert_max_num_queries(few_count):
        assert "Note 14" in detail(client, matter).text


def test_the_list_filters_by_kind_attorney_and_deadline_window(
    harbor, attorney, coordinator, client_for
):
    today = timezone.localdate()
    overdue = make_matter(harbor, lead=attorney.user, sub_kind="asylum")
    Deadline.objects.create(
        matter=overdue,
        kind="filing",
        title="Late",
        due_date=today - timedelta(days=2),
        created_by=attorney.user,
    )
    later = make_matter(harbor, lead=attorney.user, sub_kind="protective_order")
    Deadline.objects.create(
        matter=later,
        kind="filing",
        title="Later",
        due_date=today + timedelta(days=20),
        created_by=attorney.user,
    )
    client = client_for(coordinator)

    def numbers(**filters):
        page = client.get(reverse("cases:list"), filters).text
        return {m.number for m in (overdue, later) if m.number in page}

    assert numbers(kind="immigration") == {overdue.number}
    assert numbers(due="overdue") == {overdue.number}
    assert numbers(due="30") == {later.number}
    assert numbers(due="7") == set()
    assert numbers(attorney=attorney.user.email.upper()) == {overdue.number, later.number}
    assert numbers(attorney="nobody-by-this-name") == set()


def test_the_docket_shows_overdue_hearings_and_unconfirmed(matter, attorney, client_for):
    today = timezone.localdate()
    Deadline.objects.create(
        matter=matter,
        kind="filing",
        title="Overdue filing",
        due_date=today - timedelta(days=1),
        created_by=attorney.user,
    )
    Deadline.objects.create(
        matter=matter,
        kind="hearing",
        title="Master calendar hearing",
        due_date=today + timedelta(days=3),
        created_by=attorney.user,
    )
    rule = matter.organization.deadline_rules.get(code="rfe-response")
    Deadline.objects.create(
        matter=matter,
        kind="response",
        title="RFE response",
        due_date=today + timedelta(days=25),
        rule=rule,
        created_by=attorney.user,
    )
    page = client_for(attorney).get(reverse("dashboard")).text
    assert "Overdue filing" in page and "Master calendar hearing" in page
    assert "Computed deadlines to confirm" in page


def test_an_assigned_paralegal_sees_only_their_matters(harbor, attorney, paralegal, client_for):
    mine = make_matter(harbor, lead=attorney.user)
    other = make_matter(harbor, lead=attorney.user)
    access_grant(user=paralegal.user, obj=mine, actions=("view", "change"))
    page = client_for(paralegal).get(reverse("cases:list")).text
    assert mine.number in page and other.number not in page


def test_a_hearing_by_hand_has_a_time_zone_and_the_chosen_responsible(
    matter, attorney, paralegal, coordinator, client_for
):
    client_for(coordinator).post(
        reverse("cases:team", args=[matter.pk]), {"email": paralegal.user.email}
    )
    client_for(attorney).post(
        reverse("cases:deadline_new", args=[matter.pk]),
        {
            "kind": "hearing",
            "title": "Master calendar hearing",
            "due_date": "2026-12-03",
            "due_time": "09:30",
            "time_zone": "America/Chicago",
            "location": "Courtroom 2",
            "responsible": [str(paralegal.user_id)],
        },
    )
    hearing = Deadline.objects.get()
    assert (hearing.time_zone, list(hearing.responsible.all())) == (
        "America/Chicago",
        [paralegal.user],
    )
    assert not hearing.needs_confirmation, "typed by a person: nothing to confirm"


def test_hours_are_totalled_per_person(matter, attorney, paralegal, coordinator, client_for):
    client_for(coordinator).post(
        reverse("cases:team", args=[matter.pk]), {"email": paralegal.user.email}
    )
    for member, minutes in ((attorney, 60), (paralegal, 30), (paralegal, 15)):
        client_for(member).post(
            reverse("cases:time_add", args=[matter.pk]),
            {"date": "2026-11-20", "minutes": minutes, "activity": "drafting"},
        )
    page = detail(client_for(attorney), matter).text
    assert f"{paralegal.user.full_name}: 45 minutes" in page
    assert f"{attorney.user.full_name}: 1 hour" in page


def test_a_walk_in_client_can_be_checked_by_hand(harbor, coordinator, client_for):
    walk_in = make_survivor(harbor, legal_name="Walk In Client")
    page = client_for(coordinator).get(reverse("cases:conflicts")).text
    assert reverse("cases:conflict_new", args=[walk_in.pk]) in page


def test_closing_stops_reminders_and_cannot_happen_twice(matter, attorney, client_for):
    from cases.models import Reminder

    client = client_for(attorney)
    client.post(
        reverse("cases:deadline_new", args=[matter.pk]),
        {
            "kind": "filing",
            "title": "File",
            "due_date": (timezone.localdate() + timedelta(days=40)).isoformat(),
            "time_zone": "America/New_York",
        },
    )
    assert Reminder.objects.filter(claimed_at__isnull=True).exists()
    client.post(reverse("cases:close", args=[matter.pk]), {"outcome": "granted"})
    assert not Reminder.objects.filter(claimed_at__isnull=True).exists()
    closed_at = Matter.objects.get(pk=matter.pk).closed_at
    page = client.post(reverse("cases:close", args=[matter.pk]), {"outcome": "denied"}, follow=True)
    assert "already closed" in page.text
    assert Matter.objects.get(pk=matter.pk).closed_at == closed_at


def test_a_court_listed_twice_or_with_an_unknown_calendar_is_refused(org_admin, client_for):
    client = client_for(org_admin)
    data = {
        "name": "Queens Family Court",
        "type": "court",
        "holiday_country": "US",
        "holiday_subdivision": "NY",
    }
    client.post(reverse("cases:jurisdictions"), data)
    again = client.post(reverse("cases:jurisdictions"), data)
    assert "already on the list" in again.text
    bad = client.post(
        reverse("cases:jurisdictions"), {**data, "name": "X", "holiday_country": "XX"}
    )
    assert "known holiday calendar" in bad.text
