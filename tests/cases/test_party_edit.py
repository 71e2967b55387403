"""Correcting a party: its names and role, its search tokens, and the conflict check again."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aftercare.access import access_grant
from aftercare.history import FieldChange
from aftercare.models import AuditEvent, Role
from cases.models import ConflictCheck, ConflictHit, Party
from cases.services.conflicts import conflict_check_run
from cases.services.matters import matter_close, party_add, party_edit
from tests.actors import actor_of, lead_actor
from tests.canary import readable_hits, tables_containing
from tests.database_state import AuditWriteError, audit_writes_fail, database_state
from tests.factories import MembershipFactory, make_matter, make_survivor

pytestmark = pytest.mark.django_db
PARTY_TABLES = ("cases.party", "cases.partyalias", "cases.partytoken", "aftercare.fieldchange")


@pytest.fixture
def matter(harbor, attorney):
    return make_matter(harbor, lead=attorney.user)


@pytest.fixture
def former_client(harbor):
    """Someone Harbor represented once, with another attorney; their matter is closed."""
    survivor = make_survivor(harbor, legal_name="Orlaith Brennigan")
    other = MembershipFactory(organization=harbor, role=Role.ATTORNEY)
    old = make_matter(harbor, lead=other.user, client=survivor)
    matter_close(actor=lead_actor(old), matter=old, outcome="granted", reason="Approved")
    return old


def add(matter, role="employer", name="Dunstan Varley", aliases=()) -> Party:
    return party_add(
        actor=lead_actor(matter), matter=matter, role=role, name=name, aliases=list(aliases)
    )


def edit_url(party):
    return reverse("cases:party_edit", args=[party.pk])


def checked_against_others(harbor, coordinator, name) -> set[int]:
    """The matters where a check by `name` (for another client) finds a party."""
    newcomer = make_survivor(harbor, legal_name="Quillon Nobodyelse")
    check = conflict_check_run(
        actor=actor_of(coordinator),
        client=newcomer,
        parties=[{"role": "trafficker", "name": name}],
    )
    return set(check.hits.filter(found_as="adverse").values_list("matter_id", flat=True))


def test_renaming_an_adverse_party_to_a_former_clients_name_is_a_conflict_hit(
    matter, former_client, attorney, coordinator, client_for
):
    party = add(matter)
    page = client_for(attorney).post(
        edit_url(party),
        {"role": "employer", "name": "Orlaith Brennigan", "aliases": "", "date_of_birth": ""},
        follow=True,
    )
    check = ConflictCheck.objects.latest("id")
    hit = check.hits.get(found_as=ConflictHit.Found.CLIENT)
    assert hit.survivor_id == former_client.client_id
    assert hit.checked.startswith("party:")
    assert check.client_id == matter.client_id and check.requested_by == attorney.user
    # The attorney is shown the check as the check shows it: a possible conflict, nothing
    # of a file they may not see.
    assert "Possible conflict: a coordinator must review it." in page.text
    assert "Orlaith Brennigan" not in page.text
    assert former_client.number not in page.text
    coordinators_page = client_for(coordinator).get(reverse("cases:conflict", args=[check.pk]))
    assert former_client.number in coordinators_page.text
    event = AuditEvent.objects.filter(action="cases.party.edited").latest("id")
    assert event.payload["conflict_check"] == check.pk


def test_adding_an_adverse_party_checks_it_too(matter, former_client, attorney, client_for):
    client_for(attorney).post(
        reverse("cases:party_add", args=[matter.pk]),
        {"role": "recruiter", "name": "Orlaith Brennigan"},
    )
    check = ConflictCheck.objects.latest("id")
    assert check.hits.filter(survivor_id=former_client.client_id).exists()


def test_a_witness_renamed_is_not_checked_but_made_adverse_it_is(matter, former_client):
    party = add(matter, role="witness", name="Orlaith Brennigan")
    checks = ConflictCheck.objects.count()
    party_edit(actor=lead_actor(matter), party=party, role="witness", name="Orlaith B.")
    assert ConflictCheck.objects.count() == checks
    _rows, check = party_edit(
        actor=lead_actor(matter), party=party, role="trafficker", name="Orlaith Brennigan"
    )
    assert check is not None and check.hits.filter(found_as="client").exists()


def test_tokens_follow_the_new_names_in_spanish(matter, harbor, coordinator, attorney, client_for):
    party = add(matter, name="Dunstan Varley", aliases=["Dusty"])
    assert checked_against_others(harbor, coordinator, "Dunstan Varley") == {matter.pk}
    response = client_for(attorney).post(
        edit_url(party),
        {"role": "employer", "name": "Corvin Ashgrove", "aliases": "Corvo\r\nEl Patrón"},
        HTTP_ACCEPT_LANGUAGE="es",
        follow=True,
    )
    assert "El conflicto" in response.text or "conflicto" in response.text
    party.refresh_from_db()
    assert party.name == "Corvin Ashgrove"
    assert sorted(a.name for a in party.alias_set.all()) == ["Corvo", "El Patrón"]
    assert checked_against_others(harbor, coordinator, "Corvin Ashgrove") == {matter.pk}
    assert checked_against_others(harbor, coordinator, "El Patrón") == {matter.pk}
    assert checked_against_others(harbor, coordinator, "Dunstan Varley") == set()
    assert checked_against_others(harbor, coordinator, "Dusty") == set()
    fields = set(FieldChange.objects.of(party).values_list("field", flat=True))
    assert fields == {"name", "aliases"}
    assert all(FieldChange.objects.of(party).values_list("personal", flat=True))
    history = (
        client_for(attorney)
        .get(reverse("cases:matter_history", args=[matter.pk]), HTTP_ACCEPT_LANGUAGE="es")
        .text
    )
    assert "Parte: Empleador/a" in history
    assert "Dunstan Varley" in history and "Corvin Ashgrove" in history
    assert "Otros nombres" in history and "Aliases" not in history


def test_the_form_keeps_what_was_typed_on_error(matter, attorney, client_for):
    party = add(matter)
    page = client_for(attorney).post(
        edit_url(party),
        {"role": "nobody", "name": "Typed Name Kept", "aliases": "Typed Alias"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert page.status_code == 200
    assert "Typed Name Kept" in page.text and "Typed Alias" in page.text
    party.refresh_from_db()
    assert party.name == "Dunstan Varley"


def test_a_reader_gets_403_an_outsider_404_and_nothing_changes(
    matter, attorney, paralegal, outsider, client_for
):
    party = add(matter)
    access_grant(user=paralegal.user, obj=matter, actions=("view",))
    before = database_state()
    data = {"role": "employer", "name": "Someone Else"}
    reader = client_for(paralegal)
    assert reader.get(edit_url(party)).status_code == 403
    assert reader.post(edit_url(party), data).status_code == 403
    stranger = client_for(outsider)
    assert stranger.get(edit_url(party)).status_code == 404
    assert stranger.post(edit_url(party), data).status_code == 404
    after = database_state()
    for table in PARTY_TABLES:
        assert after[table] == before[table]
    assert "Dunstan Varley" in reader.get(reverse("cases:detail", args=[matter.pk])).text


def test_if_the_audit_write_fails_nothing_changes(matter, monkeypatch):
    party = add(matter)
    before = database_state()
    audit_writes_fail(monkeypatch)
    with pytest.raises(AuditWriteError):
        party_edit(actor=lead_actor(matter), party=party, role="recruiter", name="Never Saved Name")
    after = database_state()
    for table in (*PARTY_TABLES, "cases.conflictcheck", "cases.conflicthit"):
        assert after[table] == before[table]


def test_names_are_never_in_plaintext_in_history_or_audit(matter, attorney, client_for):
    party = add(matter, name="CANARYPARTYOLD", aliases=["CANARYALIASOLD"])
    client_for(attorney).post(
        edit_url(party),
        {"role": "recruiter", "name": "CANARYPARTYNEW", "aliases": "CANARYALIASNEW"},
    )
    assert FieldChange.objects.of(party).count() == 3
    for canary in ("CANARYPARTYOLD", "CANARYPARTYNEW", "CANARYALIASOLD", "CANARYALIASNEW"):
        assert tables_containing(canary) == []
        assert "aftercare_auditevent" not in {hit.table for hit in readable_hits(canary)}
    assert "aftercare_fieldchange" in {hit.table for hit in readable_hits("CANARYPARTYOLD")}


def test_erasing_the_client_wipes_the_partys_earlier_names_from_the_history(harbor, attorney):
    from survivors.models import Survivor
    from survivors.services.retention import survivor_erase

    client = make_survivor(harbor, legal_name="Erased Client")
    matter = make_matter(harbor, lead=attorney.user, client=client)
    party = add(matter, name="CANARYERASEDPARTYOLD", aliases=["CANARYERASEDALIAS"])
    party_edit(actor=lead_actor(matter), party=party, role="employer", name="CANARYERASEDNEW")
    survivor_erase(actor=lead_actor(matter), survivor=Survivor.objects.get(pk=client.pk))
    for canary in ("CANARYERASEDPARTYOLD", "CANARYERASEDALIAS", "CANARYERASEDNEW"):
        assert not readable_hits(canary) and not tables_containing(canary)
    # Who changed which field, and when, stays.
    assert set(FieldChange.objects.of(party).values_list("field", flat=True)) == {"name", "aliases"}
