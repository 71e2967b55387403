"""Merging two records of the same person: everything moves to the kept record, across
apps; the other becomes a tombstone that keeps no personal data and leads to the kept one;
refused across organizations, under legal hold, without a choice where they disagree."""

from __future__ import annotations

from datetime import date

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from aftercare.access import access_grant
from aftercare.history import FieldChange
from aftercare.models import AuditEvent, Role
from cases.models import ConflictCheck, ConflictHit
from survivors.merge import KEEP, TAKE, merge_conflicts, survivor_merge
from survivors.models import (
    Communication,
    Engagement,
    Referral,
    SafeContact,
    ServiceGoal,
    Survivor,
    SurvivorAccess,
    SurvivorAlias,
    SurvivorShare,
    SurvivorUserGrant,
)
from survivors.services.sharing import survivor_access_refresh
from tests.actors import actor_of
from tests.canary import readable_hits, tables_containing
from tests.conftest import sign_in
from tests.database_state import AuditWriteError, audit_writes_fail, database_state
from tests.factories import MembershipFactory, OrganizationFactory, make_matter, make_survivor
from tests.survivors.conftest import consent_for
from volunteers.models import Opportunity

pytestmark = pytest.mark.django_db

CANARY = "Qmcanaryv"
BORN = date(1991, 4, 9)


def foreign_keys_to_survivor():
    """Every concrete foreign key to Survivor in every app, but the tombstone's own."""
    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if field.is_relation
        and field.concrete
        and field.related_model is Survivor
        and not (model is Survivor and field.name == "merged_into")
    ]


def pointing_at(survivor) -> dict[str, int]:
    return {
        f"{model._meta.label}.{name}": model.objects.filter(**{name: survivor}).count()
        for model, name in foreign_keys_to_survivor()
    }


@pytest.fixture
def pair(harbor, safehaven, riverside, coordinator, attorney, paralegal):
    """Two Harbor records of one person, the duplicate holding something in every app."""
    kept = make_survivor(
        harbor,
        by=coordinator.user,
        legal_name="Amara Okafor",
        date_of_birth=BORN,
        safety_situation="Stays with her sister",
        aliases=["Ami"],
    )
    SafeContact.objects.create(survivor=kept, channel=SafeContact.Channel.PHONE, is_safe=True)
    merged = make_survivor(
        harbor,
        by=attorney.user,
        legal_name="Amara Okafor",
        date_of_birth=BORN,
        nationality="Nigerian",
        safety_situation=f"Old note {CANARY}",
        aliases=["Ama Zedekiah"],
        needs=["shelter"],
    )
    access_grant(user=paralegal.user, obj=merged, actions=("view",))
    SafeContact.objects.create(
        survivor=merged, channel=SafeContact.Channel.PHONE, address=f"+1 555 {CANARY}"
    )
    SafeContact.objects.create(
        survivor=merged, channel=SafeContact.Channel.SMS, is_safe=True, address="+1 555 0100"
    )
    consent = consent_for(merged, safehaven, coordinator.user, categories=("needs",))
    SurvivorShare.objects.create(survivor=merged, organization=safehaven, consent=consent)
    survivor_access_refresh(survivor=merged, organization_id=safehaven.pk)
    Referral.objects.create(
        survivor=merged,
        from_organization=harbor,
        to_organization=safehaven,
        purpose=consent.purpose,
        consent=consent,
        sent_by=coordinator.user,
    )
    ServiceGoal.objects.create(
        survivor=merged, need="shelter", description="A room", created_by=coordinator.user
    )
    Engagement.objects.create(
        survivor=merged,
        organization=riverside,
        engaged_on=date(2026, 1, 5),
        scope="T visa",
        recorded_by=MembershipFactory(organization=riverside, role=Role.COORDINATOR).user,
    )
    matter = make_matter(harbor, client=merged, lead=attorney.user)
    ConflictHit.objects.create(
        conflict_check=ConflictCheck.objects.get(pk=matter.conflict_check_id),
        checked="client",
        found_as="client",
        survivor=merged,
        strength="exact",
    )
    Opportunity.objects.create(
        organization=harbor, matter=matter, role="paralegal", posted_by=coordinator.user
    )
    Communication.objects.create(
        survivor=merged,
        organization=harbor,
        kind=Communication.Kind.CALL,
        direction=Communication.Direction.INBOUND,
        channel=Communication.Channel.PHONE,
        staff=coordinator.user,
        summary="Called about the appointment",
    )
    from evidence.models import Evidence

    Evidence.objects.create(
        organization=harbor,
        survivor=merged,
        kind=Evidence.Kind.IDENTITY_DOCUMENT,
        storage_name="merge-test/not-stored",
        content_type="image/png",
        size=1,
        sha256="0" * 64,
        uploaded_by=coordinator.user,
    )
    return kept, merged


def merge(coordinator, kept, merged, **choices):
    choices.setdefault("safety_situation", KEEP)
    choices.setdefault("contact_phone", KEEP)
    return survivor_merge(actor=actor_of(coordinator), kept=kept, merged=merged, choices=choices)


def test_everything_that_pointed_at_the_duplicate_moves_to_the_kept_record(pair, coordinator):
    kept, merged = pair
    before_kept, before_merged = pointing_at(kept), pointing_at(merged)
    held = {k for k, n in before_merged.items() if n}
    # Every foreign key to Survivor, in every app, has rows in the fixture: a new model
    # pointing at survivors fails here until it has a row above and a merge receiver
    # (connected to `survivors.merge.survivor_merging`) that moves it.
    assert held == set(before_merged), sorted(set(before_merged) - held)
    assert held >= {
        "survivors.SurvivorAlias.survivor",
        "survivors.SafeContact.survivor",
        "survivors.Consent.survivor",
        "survivors.SurvivorShare.survivor",
        "survivors.Referral.survivor",
        "survivors.ServiceGoal.survivor",
        "survivors.Engagement.survivor",
        "survivors.SurvivorUserGrant.content_object",
        "cases.Matter.client",
        "cases.ConflictCheck.client",
        "cases.ConflictHit.survivor",
        "survivors.Communication.survivor",
    }

    moved = merge(coordinator, kept, merged)

    after_merged = pointing_at(merged)
    assert not any(after_merged.values()), after_merged
    after_kept = pointing_at(kept)
    for key in (
        "survivors.Communication.survivor",
        "survivors.Consent.survivor",
        "survivors.SurvivorShare.survivor",
        "survivors.Referral.survivor",
        "survivors.ServiceGoal.survivor",
        "survivors.Engagement.survivor",
        "cases.Matter.client",
        "cases.ConflictCheck.client",
        "cases.ConflictHit.survivor",
    ):
        assert after_kept[key] == before_kept[key] + before_merged[key], key
    # One rule per channel: the kept phone rule (chosen) and the duplicate's SMS rule.
    assert sorted(kept.contacts.values_list("channel", flat=True)) == ["phone", "sms"]
    assert kept.contacts.get(channel="phone").is_safe
    # The aliases of both, the duplicate's alias among them.
    assert sorted(a.name for a in kept.aliases.all()) == ["Ama Zedekiah", "Ami"]
    # Whoever could open the duplicate opens the kept record: grants and access moved.
    assert (
        SurvivorUserGrant.objects.filter(content_object=kept).count()
        > (before_kept["survivors.SurvivorUserGrant.content_object"])
    )
    assert set(SurvivorAccess.objects.filter(survivor=kept).values_list("organization__name")) >= {
        ("Harbor Test Legal Aid",),
        ("Safe Haven Test Shelter",),
        ("Riverside Test Clinic",),
    }
    # The volunteers' opportunity followed its matter.
    assert Opportunity.objects.filter(matter__client=kept).count() == 1
    assert moved["cases.matters"] == 1
    kept.refresh_from_db()
    assert kept.nationality == "Nigerian"  # a blank filled from the duplicate
    assert kept.needs == ["shelter"]


def test_the_duplicate_becomes_a_tombstone_pointing_at_the_kept_record(pair, coordinator):
    kept, merged = pair
    merge(coordinator, kept, merged)
    merged.refresh_from_db()
    assert merged.merged_into_id == kept.pk
    assert merged.status == Survivor.Status.MERGED
    assert merged.legal_name == "" and merged.date_of_birth is None
    assert merged.safety_situation == "" and merged.needs == []
    assert not SurvivorAccess.objects.filter(survivor=merged).exists()


def test_the_duplicates_history_follows_it_so_an_erasure_of_the_person_reaches_it(
    pair, coordinator, harbor
):
    kept, merged = pair
    FieldChange.objects.create(
        organization=harbor,
        object_type="survivors.survivor",
        object_id=str(merged.pk),
        actor=coordinator.user,
        field="legal_name",
        old_value="Amara Okafur",
        new_value="Amara Okafor",
        personal=True,
    )
    merge(coordinator, kept, merged)
    assert not FieldChange.objects.of(merged).exists()
    # Encrypted values cannot be filtered on: read them back.
    assert "Amara Okafur" in [c.old_value for c in FieldChange.objects.of(kept)]


def test_no_value_of_the_duplicate_that_was_not_kept_remains_anywhere(pair, coordinator):
    kept, merged = pair
    merge(coordinator, kept, merged)
    assert tables_containing(CANARY) == []
    assert readable_hits(CANARY) == set()


def test_a_search_by_the_duplicates_alias_finds_the_kept_record(pair, coordinator):
    kept, merged = pair
    merge(coordinator, kept, merged)
    assert list(Survivor.objects.matching(name="Ama Zedekiah")) == [kept]
    assert list(Survivor.objects.matching(born=BORN)) == [kept]


def test_a_name_not_kept_becomes_an_alias(harbor, coordinator):
    kept = make_survivor(harbor, by=coordinator.user, legal_name="Lena Novak")
    merged = make_survivor(harbor, by=coordinator.user, legal_name="Lena Novakova")
    assert [c.key for c in merge_conflicts(kept, merged)] == ["legal_name"]
    with pytest.raises(ValidationError):
        survivor_merge(actor=actor_of(coordinator), kept=kept, merged=merged)
    survivor_merge(
        actor=actor_of(coordinator), kept=kept, merged=merged, choices={"legal_name": TAKE}
    )
    kept.refresh_from_db()
    assert kept.legal_name == "Lena Novakova"
    assert [a.name for a in kept.aliases.all()] == ["Lena Novak"]
    assert list(Survivor.objects.matching(name="Lena Novak")) == [kept]
    # The kept record's history says what it took, and who chose it.
    (change,) = FieldChange.objects.of(kept).filter(field="legal_name")
    assert (change.old_value, change.new_value) == ("Lena Novak", "Lena Novakova")
    assert change.actor == coordinator.user and change.personal


def test_merged_once_and_audited_in_the_same_transaction(pair, coordinator, monkeypatch):
    kept, merged = pair
    before = database_state()
    with monkeypatch.context() as broken:
        audit_writes_fail(broken)
        with pytest.raises(AuditWriteError):
            merge(coordinator, kept, merged)
    assert database_state() == before

    merge(coordinator, kept, merged)
    event = AuditEvent.objects.get(action="survivors.survivor.merged")
    assert event.object_id == str(kept.pk) and event.payload["merged"] == merged.pk
    assert event.payload["moved"]["cases.matters"] == 1
    with pytest.raises(ValidationError, match="already merged"):
        merge(coordinator, kept, merged)
    assert AuditEvent.objects.filter(action="survivors.survivor.merged").count() == 1


def test_refused_under_legal_hold_or_across_organizations(pair, coordinator, riverside):
    kept, merged = pair
    Survivor.objects.filter(pk=merged.pk).update(legal_hold=True)
    merged.refresh_from_db()
    with pytest.raises(ValidationError, match="legal hold"):
        merge(coordinator, kept, merged)
    other = make_survivor(riverside, legal_name="Amara Okafor", date_of_birth=BORN)
    with pytest.raises(PermissionDenied):
        merge(coordinator, kept, other)
    attorney = MembershipFactory(organization=kept.organization, role=Role.ATTORNEY)
    with pytest.raises(PermissionDenied):
        survivor_merge(actor=actor_of(attorney), kept=kept, merged=merged)
    assert not Survivor.objects.filter(merged_into__isnull=False).exists()


def test_the_coordinator_merges_in_the_browser_and_a_double_submit_merges_once(
    pair, coordinator, client_for
):
    kept, merged = pair
    client = client_for(coordinator, sudo=True)
    choose = client.get(reverse("survivors:merge", args=[kept.pk]))
    assert merged.code in choose.content.decode()  # the duplicate check found it
    url = reverse("survivors:merge_compare", args=[kept.pk, merged.pk])
    page = client.get(url).content.decode()
    assert f"Old note {CANARY}" in page and "Stays with her sister" in page
    data = {"safety_situation": KEEP, "contact_phone": KEEP, "confirm": merged.code}
    wrong = client.post(url, {**data, "confirm": "NOPE"})
    assert wrong.status_code == 200 and "The code does not match." in wrong.content.decode()
    first = client.post(url, data, follow=True)
    second = client.post(url, data, follow=True)
    for response in (first, second):
        assert response.redirect_chain[-1][0] == reverse("survivors:detail", args=[kept.pk])
        assert f"Record {merged.code} was merged into this record." in response.content.decode()
    assert AuditEvent.objects.filter(action="survivors.survivor.merged").count() == 1
    # The duplicate's address leads to the kept record, saying so.
    tomb = client.get(reverse("survivors:detail", args=[merged.pk]), follow=True)
    assert tomb.redirect_chain[-1][0] == reverse("survivors:detail", args=[kept.pk])
    assert f"was merged into record {kept.code}" in tomb.content.decode()


def test_in_spanish(pair, coordinator, client_for):
    kept, merged = pair
    client = client_for(coordinator, sudo=True)
    page = client.get(
        reverse("survivors:merge_compare", args=[kept.pk, merged.pk]),
        headers={"accept-language": "es"},
    ).content.decode()
    assert "Fusionar los registros" in page


def test_the_tombstone_tells_nothing_to_whoever_may_not_see_the_kept_record(
    pair, coordinator, unassigned_volunteer, client_for
):
    kept, merged = pair
    merge(coordinator, kept, merged)
    # (Riverside engaged the person: it sees the kept record through its client file.)
    stranger = MembershipFactory(organization=OrganizationFactory(), role=Role.COORDINATOR)
    for member in (stranger, unassigned_volunteer):
        response = client_for(member).get(reverse("survivors:detail", args=[merged.pk]))
        assert response.status_code == 404
        assert kept.code not in response.content.decode()


def test_a_merge_page_refuses_a_record_on_hold(pair, coordinator, client_for):
    kept, merged = pair
    Survivor.objects.filter(pk=kept.pk).update(legal_hold=True)
    client = client_for(coordinator, sudo=True)
    url = reverse("survivors:merge_compare", args=[kept.pk, merged.pk])
    assert "under a legal hold" in client.get(url).content.decode()
    client.post(url, {"safety_situation": KEEP, "contact_phone": KEEP, "confirm": merged.code})
    merged.refresh_from_db()
    assert merged.merged_into_id is None
    assert SurvivorAlias.objects.filter(survivor=merged).exists()


def test_the_merge_asks_for_sudo_mode(pair, coordinator, client_for):
    kept, merged = pair
    response = client_for(coordinator).get(
        reverse("survivors:merge_compare", args=[kept.pk, merged.pk])
    )
    assert response.status_code == 302 and reverse("account:sudo") in response["Location"]


@pytest.mark.django_db(transaction=True)
def test_two_submits_at_once_merge_once_and_both_land_on_the_kept_record(pair, coordinator):
    """On PostgreSQL (CI) both POSTs run at the same moment; the lock lets one merge."""
    from tests.test_double_submit import post_at_once, same_browser

    kept, merged = pair
    first = sign_in(Client(), coordinator, sudo=True)
    url = reverse("survivors:merge_compare", args=[kept.pk, merged.pk])
    data = {"safety_situation": KEEP, "contact_phone": KEEP, "confirm": merged.code}

    answers = post_at_once(url, [(first, data), (same_browser(first), data)])

    assert [a.status_code for a in answers] == [302, 302]
    assert {a["Location"] for a in answers} == {reverse("survivors:detail", args=[kept.pk])}
    assert AuditEvent.objects.filter(action="survivors.survivor.merged").count() == 1
    assert Survivor.objects.get(pk=merged.pk).merged_into_id == kept.pk


def test_refused_when_both_records_have_a_current_client_file_of_one_organization(
    pair, coordinator, riverside
):
    kept, merged = pair
    Engagement.objects.create(
        survivor=kept,
        organization=riverside,
        engaged_on=date(2026, 2, 1),
        scope="U visa",
        recorded_by=MembershipFactory(organization=riverside, role=Role.COORDINATOR).user,
    )
    before = database_state()
    with pytest.raises(ValidationError, match="client file"):
        merge(coordinator, kept, merged)
    assert database_state() == before


def test_a_safe_contact_rule_chosen_from_the_duplicate_replaces_the_kept_one(pair, coordinator):
    kept, merged = pair
    merge(coordinator, kept, merged, contact_phone=TAKE)
    phone = kept.contacts.get(channel="phone")
    # The duplicate's rule: not safe to call, whatever the kept record said.
    assert not phone.is_safe and phone.address.endswith(CANARY)


def test_the_compare_page_never_shows_a_safe_house_address(harbor, coordinator, client_for):
    kept = make_survivor(harbor, legal_name="Ines Mora", safe_location="Room 1, North House")
    merged = make_survivor(harbor, legal_name="Ines Mora", safe_location="Room 2, South House")
    page = client_for(coordinator, sudo=True).get(
        reverse("survivors:merge_compare", args=[kept.pk, merged.pk])
    )
    assert "Current location or safe house" in page.text
    assert "North House" not in page.text and "South House" not in page.text


def test_the_duplicate_list_costs_the_same_for_one_duplicate_or_many(
    harbor, coordinator, client_for
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    record = make_survivor(harbor, legal_name="Olga Sorokina", date_of_birth=BORN)
    client = client_for(coordinator, sudo=True)
    url = reverse("survivors:merge", args=[record.pk])
    counts = []
    for duplicates in (1, 6):
        while Survivor.objects.filter(organization=harbor).count() < duplicates + 1:
            make_survivor(harbor, legal_name="Olga Sorokina", date_of_birth=BORN)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url)
        assert page.text.count("Compare and merge") == duplicates
        counts.append(len(queries))
    assert counts[0] == counts[1]
