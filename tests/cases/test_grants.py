"""Grants: an admin defines them; matters and hours carry one, chosen or by the rules."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from aftercare.models import AuditEvent, Role
from cases.models import Grant, Matter, TimeEntry
from cases.services.conflicts import conflict_check_decide, conflict_check_run
from cases.services.grants import grant_create
from cases.services.work import time_entry_edit, time_log
from tests.actors import actor_of, lead_actor
from tests.clockwork import NEW_YORK
from tests.factories import MembershipFactory, make_matter, make_survivor

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(datetime(2027, 3, 10, 9, 0, tzinfo=NEW_YORK), tick=False),
]

OVC = {
    "funder": "Office for Victims of Crime",
    "code": "OVC-HT-2025",
    "name": "T visas for survivors",
    "starts_on": date(2025, 10, 1),
    "ends_on": date(2028, 9, 30),
    "matter_kinds": ["immigration"],
    "activities": ["meeting", "drafting"],
}
STATE = {
    "funder": "New York State Office of Victim Services",
    "code": "NYS-OVS-2026",
    "name": "Civil legal services",
    "starts_on": date(2026, 10, 1),
    "ends_on": date(2027, 9, 30),
    "matter_kinds": ["protective_order", "civil"],
    "activities": ["meeting", "court", "travel"],
}


def _form(data: dict) -> dict:
    return {
        **{k: v for k, v in data.items() if k not in ("starts_on", "ends_on")},
        "starts_on": data["starts_on"].isoformat(),
        "ends_on": data["ends_on"].isoformat(),
    }


@pytest.fixture
def ovc(harbor, org_admin):
    return grant_create(actor=actor_of(org_admin), data=OVC)


@pytest.fixture
def state(harbor, org_admin):
    return grant_create(actor=actor_of(org_admin), data=STATE)


# --- Managing grants -----------------------------------------------------------------


def test_an_admin_adds_a_grant_once_however_often_the_form_is_sent(org_admin, client_for):
    client = client_for(org_admin, sudo=True)
    page = client.get(reverse("cases:grant_add")).text
    token = page.split('name="submission_token" value="', 1)[1].split('"', 1)[0]
    data = {**_form(OVC), "submission_token": token}
    first = client.post(reverse("cases:grant_add"), data)
    second = client.post(reverse("cases:grant_add"), data)
    assert first.status_code == second.status_code == 302
    grant = Grant.objects.get()
    assert (grant.code, grant.matter_kinds, grant.activities) == (
        "OVC-HT-2025",
        ["immigration"],
        ["meeting", "drafting"],
    )
    listing = client.get(reverse("cases:grants")).text
    assert "OVC-HT-2025" in listing and "Office for Victims of Crime" in listing
    assert "Immigration" in listing and "Drafting" in listing
    event = AuditEvent.objects.get(action="cases.grant.created")
    assert event.actor == org_admin.user and event.payload == {"code": "OVC-HT-2025"}


def test_a_taken_code_or_a_backwards_period_is_a_message_and_keeps_what_was_typed(
    ovc, org_admin, client_for
):
    client = client_for(org_admin, sudo=True)
    taken = client.post(reverse("cases:grant_add"), {**_form(OVC), "name": "Typed name kept"})
    assert "Another grant of the organization has this code." in taken.text
    assert 'value="Typed name kept"' in taken.text
    backwards = client.post(
        reverse("cases:grant_add"),
        {**_form(STATE), "starts_on": "2027-10-01", "ends_on": "2027-01-01"},
    )
    assert "The period ends after it starts." in backwards.text
    assert Grant.objects.count() == 1


def test_an_admin_edits_a_grant_and_the_change_is_audited(ovc, org_admin, client_for):
    client = client_for(org_admin, sudo=True)
    url = reverse("cases:grant_edit", args=[ovc.pk])
    assert 'value="OVC-HT-2025"' in client.get(url).text
    response = client.post(url, {**_form(OVC), "ends_on": "2029-09-30", "activities": ["court"]})
    assert response.status_code == 302
    ovc.refresh_from_db()
    assert ovc.ends_on == date(2029, 9, 30) and ovc.activities == ["court"]
    event = AuditEvent.objects.get(action="cases.grant.edited")
    assert event.payload == {"fields": ["activities", "ends_on"]}


def test_grant_pages_ask_for_the_password_again(org_admin, ovc, client_for):
    client = client_for(org_admin)
    for url in (
        reverse("cases:grants"),
        reverse("cases:grant_add"),
        reverse("cases:grant_edit", args=[ovc.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("account:sudo"))


@pytest.mark.parametrize("persona", ["coordinator", "attorney", "intake_worker", "outsider"])
def test_only_admins_see_grant_pages(persona, request, ovc, client_for):
    member = request.getfixturevalue(persona)
    client = client_for(member, sudo=True)
    for url in (reverse("cases:grants"), reverse("cases:grant_add")):
        assert client.get(url).status_code == 404
    assert client.post(reverse("cases:grant_add"), _form(STATE)).status_code == 404
    assert Grant.objects.count() == 1


def test_another_organizations_admin_gets_404_on_a_grant(ovc, riverside, client_for):
    admin = MembershipFactory(organization=riverside, role=Role.ORG_ADMIN)
    client = client_for(admin, sudo=True)
    url = reverse("cases:grant_edit", args=[ovc.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {**_form(OVC), "name": "Stolen"}).status_code == 404
    ovc.refresh_from_db()
    assert ovc.name == OVC["name"]
    assert "OVC-HT-2025" not in client.get(reverse("cases:grants")).text


def test_the_grant_list_reads_as_many_queries_with_more_grants(
    harbor, org_admin, client_for, django_assert_max_num_queries
):
    client = client_for(org_admin, sudo=True)
    for n in range(2):
        grant_create(actor=actor_of(org_admin), data={**OVC, "code": f"A-{n}"})
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("cases:grants"))
    for n in range(8):
        grant_create(actor=actor_of(org_admin), data={**OVC, "code": f"B-{n}"})
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("cases:grants"))
    assert page.text.count("B-") == 8


def test_the_grant_pages_read_in_spanish(ovc, org_admin, client_for):
    client = client_for(org_admin, sudo=True)
    listing = client.get(reverse("cases:grants"), HTTP_ACCEPT_LANGUAGE="es").text
    assert "Subvenciones" in listing and "Añadir una subvención" in listing
    form = client.get(reverse("cases:grant_add"), HTTP_ACCEPT_LANGUAGE="es").text
    assert "Financiador" in form and "Actividades que cuentan" in form


# --- A matter's grant ----------------------------------------------------------------


def _cleared_check(harbor, coordinator):
    client = make_survivor(harbor, legal_name="Quillon Vastergaard")
    check = conflict_check_run(actor=actor_of(coordinator), client=client, parties=[])
    conflict_check_decide(actor=actor_of(coordinator), check=check, decision="cleared")
    return check


def _open(client, check, attorney, sub_kind, **extra):
    return client.post(
        reverse("cases:conflict", args=[check.pk]),
        {"sub_kind": sub_kind, "lead_attorney": attorney.user_id, **extra},
    )


def test_a_matter_opened_in_a_grants_period_of_a_kind_it_covers_gets_it(
    harbor, coordinator, attorney, ovc, state, client_for
):
    client = client_for(coordinator)
    check = _cleared_check(harbor, coordinator)
    _open(client, check, attorney, "t_visa")
    _open(client, check, attorney, "protective_order")
    _open(client, check, attorney, "sijs")  # immigration: OVC again
    grants = dict(check.matters.values_list("sub_kind", "grant__code"))
    assert grants == {"t_visa": "OVC-HT-2025", "protective_order": "NYS-OVS-2026", "sijs": ovc.code}
    matter = check.matters.get(sub_kind="t_visa")
    page = client_for(attorney).get(reverse("cases:detail", args=[matter.pk])).text
    assert "OVC-HT-2025 · T visas for survivors" in page


def test_no_grant_by_the_rules_when_none_or_two_fit(
    harbor, coordinator, org_admin, attorney, ovc, client_for
):
    grant_create(
        actor=actor_of(org_admin),
        data={**OVC, "code": "FOUNDATION-1", "funder": "A foundation"},
    )
    client = client_for(coordinator)
    check = _cleared_check(harbor, coordinator)
    _open(client, check, attorney, "t_visa")  # two fit: the team chooses
    _open(client, check, attorney, "tvpra_damages")  # none covers civil claims
    assert set(check.matters.values_list("grant", flat=True)) == {None}


def test_a_grant_chosen_on_the_form_wins_over_the_rules(
    harbor, coordinator, attorney, ovc, state, client_for
):
    client = client_for(coordinator)
    check = _cleared_check(harbor, coordinator)
    _open(client, check, attorney, "t_visa", grant=str(state.pk))
    _open(client, check, attorney, "u_visa", grant="none")
    assert dict(check.matters.values_list("sub_kind", "grant")) == {
        "t_visa": state.pk,
        "u_visa": None,
    }


def test_the_team_changes_a_matters_grant_and_the_history_says_so(
    harbor, attorney, ovc, state, client_for
):
    matter = make_matter(harbor, lead=attorney.user, grant=ovc)
    client = client_for(attorney)
    response = client.post(
        reverse("cases:matter_edit", args=[matter.pk]),
        {"lead_attorney": attorney.user_id, "grant": str(state.pk)},
    )
    assert response.status_code == 302
    matter.refresh_from_db()
    assert matter.grant == state
    history = client.get(reverse("cases:matter_history", args=[matter.pk])).text
    assert "OVC-HT-2025" in history and "NYS-OVS-2026" in history


# --- Hours' grant --------------------------------------------------------------------


def _log(client, matter, **data):
    return client.post(
        reverse("cases:time_add", args=[matter.pk]),
        {"date": "2027-03-09", "minutes": "60", "activity": "drafting", **data},
    )


def test_hours_take_their_matters_grant_when_date_and_activity_fit(
    harbor, attorney, ovc, client_for
):
    matter = make_matter(harbor, lead=attorney.user, grant=ovc)
    client = client_for(attorney)
    _log(client, matter)  # in the period, drafting counts
    _log(client, matter, activity="research")  # research does not count for OVC
    _log(client, matter, date="2025-09-30")  # the day before the grant starts
    entries = TimeEntry.objects.order_by("pk").values_list("activity", "date", "grant__code")
    assert list(entries) == [
        ("drafting", date(2027, 3, 9), "OVC-HT-2025"),
        ("research", date(2027, 3, 9), None),
        ("drafting", date(2025, 9, 30), None),
    ]
    page = client.get(reverse("cases:detail", args=[matter.pk])).text
    assert "OVC-HT-2025" in page and "no grant" in page


def test_hours_charged_by_hand_outside_the_grants_period_are_refused(
    harbor, attorney, state, client_for
):
    matter = make_matter(harbor, lead=attorney.user)
    response = _log(client_for(attorney), matter, date="2026-09-01", grant=str(state.pk))
    assert response.status_code == 200
    assert "work on another day cannot be charged to it" in response.text
    assert 'value="2026-09-01"' in response.text
    assert not TimeEntry.objects.exists()
    _log(client_for(attorney), matter, grant=str(state.pk), activity="research")
    assert TimeEntry.objects.get().grant == state  # chosen by hand, any activity


def test_an_entry_is_corrected_to_another_grant_unless_exported(
    harbor, attorney, ovc, state, client_for
):
    matter = make_matter(harbor, lead=attorney.user, grant=ovc)
    entry = time_log(
        actor=lead_actor(matter),
        matter=matter,
        date=date(2027, 3, 8),
        minutes=60,
        activity="meeting",
    )
    assert entry.grant == ovc
    url = reverse("cases:time_entry_edit", args=[entry.pk])
    client = client_for(attorney)
    data = {"date": "2027-03-08", "hours": "1.0", "activity": "meeting", "grant": str(state.pk)}
    assert client.post(url, data).status_code == 302
    entry.refresh_from_db()
    assert entry.grant == state
    TimeEntry.objects.filter(pk=entry.pk).update(exported_at=timezone.now())
    refused = client.post(url, {**data, "grant": str(ovc.pk)})
    assert refused.status_code == 409
    entry.refresh_from_db()
    assert entry.grant == state
    with pytest.raises(ValidationError):
        time_entry_edit(actor=lead_actor(matter), entry=entry, grant=None)
    assert TimeEntry.objects.get(pk=entry.pk).grant == state


def test_matter_page_queries_do_not_grow_with_hours(
    harbor, attorney, ovc, client_for, django_assert_max_num_queries
):
    matter = make_matter(harbor, lead=attorney.user, grant=ovc)
    client = client_for(attorney)
    for _n in range(2):
        time_log(
            actor=lead_actor(matter),
            matter=matter,
            date=date(2027, 3, 8),
            minutes=30,
            activity="drafting",
        )
    with django_assert_max_num_queries(200) as few:
        client.get(reverse("cases:detail", args=[matter.pk]))
    for _n in range(10):
        time_log(
            actor=lead_actor(matter),
            matter=matter,
            date=date(2027, 3, 8),
            minutes=30,
            activity="drafting",
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("cases:detail", args=[matter.pk]))
    assert Matter.objects.get(pk=matter.pk).time_entries.filter(grant=ovc).count() == 12
