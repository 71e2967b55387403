"""Erasure through every app: a canary written everywhere is afterwards nowhere, except in
what an app declares it must keep; the audit trail and the conflict check survive."""

import json
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from aftercare.actor import Actor
from aftercare.audit import audit_chain_verify
from aftercare.models import AuditEvent, Role
from cases.models import (
    ConflictCheck,
    Deadline,
    DeadlineRule,
    DocumentDraft,
    DocumentVersion,
    Matter,
    MatterNote,
    Party,
    PartyAlias,
    PartyToken,
    ProspectiveParty,
    Task,
)
from cases.services.documents import document_render_run
from cases.services.matters import party_add
from survivors.models import (
    Communication,
    Engagement,
    Referral,
    RetentionPolicy,
    SafeContact,
    ServiceGoal,
    Survivor,
    SurvivorToken,
)
from survivors.services.record import survivor_duplicates, survivor_record_correct
from survivors.services.retention import retention_apply
from tests.actors import actor_of, lead_actor
from tests.canary import Hit, pdf_text, readable_hits
from tests.factories import MembershipFactory, make_matter, make_survivor
from tests.survivors.conftest import consent_for
from volunteers.models import Opportunity

pytestmark = pytest.mark.django_db

# One word: it survives PDF text extraction, upper-casing captions and name tokenizers.
CANARY = "Qxcanaryz"
NAME = f"Vesna {CANARY}"


@pytest.fixture
def ngo_coordinator(safehaven):
    return MembershipFactory(organization=safehaven, role=Role.COORDINATOR)


def write_survivor(safehaven, intake_worker, ngo_coordinator, harbor, riverside) -> Survivor:
    """The canary through every text field of the record and what hangs from it."""
    survivor = make_survivor(
        safehaven,
        by=intake_worker.user,
        legal_name=NAME,
        preferred_name=f"Ves {CANARY}",
        date_of_birth=date(1994, 5, 17),
        gender=f"gender {CANARY}",
        country_of_origin=f"country {CANARY}",
        nationality=f"nation {CANARY}",
        languages=f"{CANARY} (native)",
        guardian_name=f"Guardian {CANARY}",
        guardian_contact=f"guardian phone {CANARY}",
        safety_situation=f"Searched for by {CANARY}",
        safe_location=f"Room 4, {CANARY} Lane",
        aliases=[f"{CANARY} Alias"],
    )
    SafeContact.objects.create(
        survivor=survivor,
        channel=SafeContact.Channel.PHONE,
        is_safe=True,
        address=f"+1 555 {CANARY}",
        code_word=f"{CANARY}word",
        notes=f"Ask for {CANARY}",
    )
    extra = {
        "witness": f"Witness {CANARY}",
        "guardian_consent_by": f"Agency {CANARY}",
        "override_reason": f"Override for {CANARY}",
    }
    consent = consent_for(survivor, harbor, ngo_coordinator.user, **extra)
    consent_for(
        survivor,
        riverside,
        ngo_coordinator.user,
        revoked_at=timezone.now(),
        revoked_reason=f"{CANARY} changed her mind",
    )
    Referral.objects.create(
        survivor=survivor,
        from_organization=safehaven,
        to_organization=harbor,
        purpose=consent.purpose,
        consent=consent,
        note=f"Please help {CANARY}",
        decline_reason=f"Not {CANARY}",
        sent_by=ngo_coordinator.user,
    )
    ServiceGoal.objects.create(
        survivor=survivor,
        need="legal",
        description=f"Find a lawyer for {CANARY}",
        created_by=ngo_coordinator.user,
    )
    log_contact(survivor, safehaven, ngo_coordinator.user)
    # A correction: the earlier and later values sit in the record's history.
    survivor_record_correct(
        actor=actor_of(intake_worker),
        survivor=survivor,
        data={"nationality": f"corrected nation {CANARY}"},
    )
    return survivor


def log_contact(survivor, organization, staff) -> Communication:
    """An organization's own communications log entry, overridden, the canary in its texts."""
    return Communication.objects.create(
        survivor=survivor,
        organization=organization,
        kind="call",
        direction="outbound",
        channel="phone",
        staff=staff,
        interpreter_language=f"{CANARY}ish",
        summary=f"Called {CANARY} about {organization.name}",
        override_reason=f"Emergency for {CANARY}",
        overridden_by=staff,
    )


def write_legal_work(organization, survivor, tag: str) -> Matter:
    """A legal organization's work for the client: check, matter, parties, note, PDF."""
    attorney = MembershipFactory(organization=organization, role=Role.ATTORNEY)
    matter = make_matter(
        organization,
        client=survivor,
        lead=attorney.user,
        case_number=f"{CANARY}-{tag}-case",
        receipt_number=f"{CANARY}-{tag}-receipt",
        closing_reason=f"closing {CANARY} {tag}",
        # The PDF carries the canary in the typed statement; under a pseudonym it renders
        # without asking the identity door, whatever this organization may know.
        file_under_pseudonym=True,
    )
    ConflictCheck.objects.filter(pk=matter.conflict_check_id).update(
        decision_reason=f"Cleared for {CANARY} {tag}"
    )
    ProspectiveParty.objects.create(
        conflict_check=matter.conflict_check,
        role=Party.Role.TRAFFICKER,
        name=f"Boss {CANARY} {tag}",
        aliases=f"{CANARY} the boss",
    )
    party_add(
        actor=lead_actor(matter),
        matter=matter,
        role=Party.Role.TRAFFICKER,
        name=f"Dragan Boss{tag}",
        aliases=[f"{CANARY} Boss{tag}"],
        description=f"Employer of {CANARY}",
    )
    MatterNote.objects.create(matter=matter, author=attorney.user, body=f"{CANARY} told us {tag}")
    log_contact(survivor, organization, attorney.user)
    Deadline.objects.create(
        matter=matter,
        kind="hearing",
        title=f"Hearing for {CANARY}",
        location=f"{CANARY} courthouse",
        due_date=date(2027, 1, 20),
        created_by=attorney.user,
    )
    Task.objects.create(
        matter=matter,
        title=f"Call {CANARY} at the shelter",
        due_date=date(2027, 1, 18),
        assignee=attorney.user,
        created_by=attorney.user,
    )
    # Counted from the birth date: its due date would give the birth date back.
    Deadline.objects.create(
        matter=matter,
        kind="filing",
        title="SIJS petition before the 21st birthday",
        rule=DeadlineRule.objects.get(organization=organization, code="sijs-age-out"),
        due_date=date(2015, 5, 16),
        created_by=attorney.user,
    )
    Opportunity.objects.create(
        organization=organization,
        matter=matter,
        role=Role.ATTORNEY,
        language=f"{CANARY}ish",
        description=f"Declaration for {CANARY}",
        posted_by=attorney.user,
    )
    draft = DocumentDraft.objects.create(
        matter=matter,
        template_code="survivor_declaration",
        created_by=attorney.user,
        status=DocumentDraft.Status.GENERATING,
        error=f"Failed for {CANARY}",
        fields_json=json.dumps(
            {
                "court": "Family Court of the State of New York",
                "executed_on": "November 20, 2026",
                "executed_at": "New York, New York",
                "paragraphs": f"My name is {CANARY}.\n\nMy passport was taken.",
            }
        ),
    )
    version = document_render_run(draft_id=draft.pk, user_id=attorney.user_id)
    assert CANARY.lower() in pdf_text(version.pdf).lower(), "the PDF carries the canary"
    return matter


@pytest.fixture
def world(safehaven, intake_worker, ngo_coordinator, harbor, riverside):
    survivor = write_survivor(safehaven, intake_worker, ngo_coordinator, harbor, riverside)
    return {
        "survivor": survivor,
        "harbor_matter": write_legal_work(harbor, survivor, "H"),
        "riverside_matter": write_legal_work(riverside, survivor, "R"),
    }


def engage(survivor, organization, **fields) -> Engagement:
    recorder = MembershipFactory(organization=organization, role=Role.COORDINATOR)
    return Engagement.objects.create(
        survivor=survivor,
        organization=organization,
        engaged_on=timezone.localdate(),
        scope=f"T visa for {CANARY}",
        recorded_by=recorder.user,
        legal_name=NAME,
        languages=f"{CANARY} (native)",
        **fields,
    )


def rows_of(organization, survivor) -> set[tuple[str, object]]:
    """Every row an organization holds about the client in cases, volunteers, engagements."""
    matters = Matter.objects.filter(organization=organization, client=survivor)
    parties = Party.objects.filter(matter__in=matters)
    checks = ConflictCheck.objects.filter(organization=organization, client=survivor)
    groups = [
        matters,
        checks,
        parties,
        PartyAlias.objects.filter(party__in=parties),
        ProspectiveParty.objects.filter(conflict_check__in=checks),
        MatterNote.objects.filter(matter__in=matters),
        Deadline.objects.filter(matter__in=matters),
        Task.objects.filter(matter__in=matters),
        DocumentDraft.objects.filter(matter__in=matters),
        DocumentVersion.objects.filter(matter__in=matters),
        Opportunity.objects.filter(matter__in=matters),
        Engagement.objects.filter(organization=organization, survivor=survivor),
        Communication.objects.filter(organization=organization, survivor=survivor),
    ]
    return {
        (qs.model._meta.db_table, pk) for qs in groups for pk in qs.values_list("pk", flat=True)
    }


def places(hits: set[Hit]) -> set[tuple[str, object]]:
    return {(hit.table, hit.pk) for hit in hits}


def erase(client, survivor):
    return client.post(reverse("survivors:erase", args=[survivor.pk]), {"confirm": survivor.code})


def test_after_erasure_the_canary_is_in_no_table_and_no_pdf(world, ngo_coordinator, client_for):
    survivor = world["survivor"]
    before = readable_hits(CANARY)
    written = {hit.table for hit in before}
    for table in (
        "survivors_survivor",
        "survivors_survivoralias",
        "survivors_safecontact",
        "survivors_consent",
        "survivors_referral",
        "survivors_servicegoal",
        "survivors_communication",
        "cases_matter",
        "cases_conflictcheck",
        "cases_prospectiveparty",
        "cases_party",
        "cases_partyalias",
        "cases_matternote",
        "cases_deadline",
        "cases_task",
        "cases_documentdraft",
        "cases_documentversion",
        "volunteers_opportunity",
        "aftercare_fieldchange",
    ):
        assert table in written, f"the scan reads {table}"
    assert any(h.table == "cases_documentversion" and h.column == "pdf_base64" for h in before)
    last_before = AuditEvent.objects.order_by("-id").first().pk
    events_before = AuditEvent.objects.count()

    page = erase(client_for(ngo_coordinator, sudo=True), survivor)

    assert readable_hits(CANARY) == set()
    assert not Deadline.objects.filter(rule__anchor="birth").exists(), (
        "a date counted from the birth date gives the birth date back"
    )
    assert "The survivor&#x27;s personal data was erased." in page.text
    for line in (
        "Generated documents: the PDF and the data it was made from",
        "Privileged notes",
        "Names typed for conflict checks",
        "Opportunity descriptions and the language needed",
        "Keyed hashes of the names and date of birth (unreadable)",
    ):
        assert line in page.text
    versions = DocumentVersion.objects.filter(matter__client=survivor)
    assert versions.count() == 2 and all(v.is_erased and v.sha256 for v in versions)
    assert Matter.objects.filter(client=survivor).count() == 2, "the matter rows stay"
    event = AuditEvent.objects.get(action="survivors.survivor.erased")
    assert event.payload["wiped"]["cases.document_versions"] == 2
    assert event.payload["kept"]["survivors.conflict_only_tokens"] > 0
    assert AuditEvent.objects.filter(id__lte=last_before).count() == events_before
    assert audit_chain_verify().intact


def test_an_engaged_legal_organization_keeps_its_client_file_and_nothing_else_stays(
    world, harbor, riverside, ngo_coordinator, client_for
):
    survivor = world["survivor"]
    engage(survivor, harbor)

    page = erase(client_for(ngo_coordinator, sudo=True), survivor)

    kept = places(readable_hits(CANARY))
    harbor_rows = rows_of(harbor, survivor)
    assert kept <= harbor_rows, f"found outside Harbor's client file: {kept - harbor_rows}"
    assert {t for t, _pk in kept} >= {
        "survivors_engagement",
        "cases_documentversion",
        "cases_documentdraft",
        "cases_matternote",
        "cases_party",
        "survivors_communication",
    }, "Harbor's client file is still whole"
    assert not kept & rows_of(riverside, survivor), "Riverside never engaged the client"
    assert "Client file of an engaged legal organization" in page.text
    assert Survivor.objects.get(pk=survivor.pk).status == Survivor.Status.ERASED


def test_a_conflict_check_still_finds_the_erased_former_client_and_no_search_does(
    world, harbor, riverside, coordinator, outsider, ngo_coordinator, intake_worker, client_for
):
    """Harbor engaged her: its conflict check still finds its former client. Riverside
    only had a consent (revoked by the erasure): its check must not confirm her name."""
    survivor = world["survivor"]
    engage(survivor, harbor)
    erase(client_for(ngo_coordinator, sudo=True), survivor)

    tokens = SurvivorToken.objects.filter(survivor=survivor)
    assert tokens.exists() and not tokens.filter(conflict_only=False).exists()
    newcomer = make_survivor(harbor, legal_name="Walk In Person")
    client = client_for(coordinator)
    response = client.post(
        reverse("cases:conflict_new", args=[newcomer.pk]),
        {
            "party-TOTAL_FORMS": "1",
            "party-INITIAL_FORMS": "0",
            "party-0-role": Party.Role.TRAFFICKER,
            "party-0-name": NAME,
        },
        follow=True,
    )
    harbor_matter = world["harbor_matter"]
    assert f"matches: client in {harbor_matter.number}" in response.text

    riverside_newcomer = make_survivor(riverside, legal_name="Another Walk In")
    elsewhere = client_for(outsider).post(
        reverse("cases:conflict_new", args=[riverside_newcomer.pk]),
        {
            "party-TOTAL_FORMS": "1",
            "party-INITIAL_FORMS": "0",
            "party-0-role": Party.Role.TRAFFICKER,
            "party-0-name": NAME,
        },
        follow=True,
    )
    assert elsewhere.status_code == 200 and "No matches were found." in elsewhere.text

    assert list(Survivor.objects.matching(name=NAME)) == []
    assert survivor_duplicates(membership=intake_worker, name=NAME, born=date(1994, 5, 17)) == (
        [],
        False,
    )
    search = client_for(ngo_coordinator).post(
        reverse("survivors:list"), {"name": NAME}, follow=True
    )
    assert survivor.code not in search.text


def test_erasing_a_client_file_wipes_only_that_organization_and_keeps_party_tokens(
    world, harbor, riverside, coordinator, client_for
):
    from survivors.services.retention import client_file_erase

    survivor = world["survivor"]
    engagement = engage(survivor, harbor)
    party_tokens = PartyToken.objects.filter(organization=harbor).count()
    actor = Actor(user=coordinator.user, membership=coordinator)

    client_file_erase(actor=actor, engagement=engagement)

    left = places(readable_hits(CANARY))
    assert not left & rows_of(harbor, survivor), "nothing of Harbor's client file is left"
    assert left & rows_of(riverside, survivor), "Riverside's work is Riverside's"
    assert ("survivors_survivor", survivor.pk) in left, "the NGO's record is the NGO's"
    engagement.refresh_from_db()
    assert engagement.erased_at and engagement.legal_name == "" and engagement.scope == ""
    assert PartyToken.objects.filter(organization=harbor).count() == party_tokens
    event = AuditEvent.objects.get(action="survivors.engagement.erased")
    assert event.payload["wiped"]["cases.notes"] == 1
    assert event.payload["wiped"]["survivors.client_file"] == 1

    newcomer = make_survivor(harbor, legal_name="Walk In Person")
    page = client_for(coordinator).post(
        reverse("cases:conflict_new", args=[newcomer.pk]),
        {
            "party-TOTAL_FORMS": "1",
            "party-INITIAL_FORMS": "0",
            "party-0-role": Party.Role.TRAFFICKER,
            "party-0-name": "Dragan BossH",
        },
        follow=True,
    )
    assert f"matches: adverse party in {world['harbor_matter'].number}" in page.text


def test_a_client_file_under_legal_hold_is_not_erased(world, harbor, coordinator):
    from survivors.services.retention import client_file_erase

    engagement = engage(world["survivor"], harbor, legal_hold=True)
    before = places(readable_hits(CANARY))
    with pytest.raises(ValidationError):
        client_file_erase(
            actor=Actor(user=coordinator.user, membership=coordinator), engagement=engagement
        )
    assert Engagement.objects.get(pk=engagement.pk).erased_at is None
    assert places(readable_hits(CANARY)) == before


def test_retention_keeps_conflict_only_tokens_of_former_clients_only(safehaven, harbor):
    former_client = make_survivor(safehaven, legal_name="Former Client", status="closed")
    make_matter(harbor, client=former_client)
    never_client = make_survivor(safehaven, legal_name="Never Client", status="closed")
    walk_in = make_survivor(harbor, legal_name="Harbor Walk In", status="closed")
    long_ago = timezone.now() - timedelta(days=8 * 365)
    Survivor.objects.update(closed_at=long_ago)
    for organization in (safehaven, harbor):
        RetentionPolicy.objects.create(
            organization=organization, years_after_closure=7, enabled=True
        )

    retention_apply(dry_run=False)

    def tokens(survivor):
        return set(
            SurvivorToken.objects.filter(survivor=survivor).values_list("conflict_only", flat=True)
        )

    assert tokens(former_client) == {True}
    assert tokens(walk_in) == {True}, "a legal aid organization's own record"
    assert tokens(never_client) == set()
    assert list(Survivor.objects.matching(name="Former Client")) == []


def test_a_legal_hold_blocks_erasure(adult, ngo_coordinator, client_for):
    client = client_for(ngo_coordinator, sudo=True)
    client.post(reverse("survivors:legal_hold", args=[adult.pk]), {"on": "1"})
    client.post(reverse("survivors:erase", args=[adult.pk]), {"confirm": adult.code})
    assert Survivor.objects.get(pk=adult.pk).legal_name == "Nadia Petrenko"


def test_a_wrong_code_erases_nothing(adult, ngo_coordinator, client_for):
    wrong = client_for(ngo_coordinator, sudo=True).post(
        reverse("survivors:erase", args=[adult.pk]), {"confirm": "nope"}
    )
    assert "does not match" in wrong.text
    assert Survivor.objects.get(pk=adult.pk).legal_name == "Nadia Petrenko"


def test_erasure_needs_sudo_and_a_coordinator(adult, intake_worker, ngo_coordinator, client_for):
    assert (
        client_for(intake_worker, sudo=True)
        .get(reverse("survivors:erase", args=[adult.pk]))
        .status_code
        == 403
    )
    response = client_for(ngo_coordinator).get(reverse("survivors:erase", args=[adult.pk]))
    assert response.url.startswith(reverse("account:sudo"))


def test_retention_erases_only_what_is_due_and_only_when_enabled(safehaven, capsys):
    long_closed = make_survivor(safehaven, legal_name="Closed Long Ago", status="closed")
    held = make_survivor(safehaven, legal_name="Closed But Held", status="closed")
    recent = make_survivor(safehaven, legal_name="Closed Recently", status="closed")
    eight_years_ago = timezone.now() - timedelta(days=8 * 365)
    Survivor.objects.filter(pk__in=[long_closed.pk, held.pk]).update(closed_at=eight_years_ago)
    Survivor.objects.filter(pk=held.pk).update(legal_hold=True)
    Survivor.objects.filter(pk=recent.pk).update(closed_at=timezone.now())
    policy = RetentionPolicy.objects.create(organization=safehaven, years_after_closure=7)

    call_command("apply_retention", "--dry-run")
    assert "1 due" in capsys.readouterr().out
    [report] = retention_apply(dry_run=False)
    assert (report.due, report.erased, report.on_hold) == (1, 0, 1), "off until enabled"

    policy.enabled = True
    policy.save()
    [report] = retention_apply(dry_run=False)
    assert report.erased == 1
    statuses = dict(Survivor.objects.values_list("pk", "status"))
    assert statuses == {long_closed.pk: "erased", held.pk: "closed", recent.pk: "closed"}


def test_the_admin_sees_a_dry_run_before_enabling(safehaven, client_for):
    admin = MembershipFactory(organization=safehaven, role=Role.ORG_ADMIN)
    closed = make_survivor(safehaven, status="closed")
    Survivor.objects.filter(pk=closed.pk).update(closed_at=timezone.now() - timedelta(days=3000))
    page = client_for(admin, sudo=True).get(reverse("survivors:retention"))
    assert "today 1 closed record would be erased" in page.text


def test_only_roles_that_place_people_can_reveal_the_safe_house(
    adult, intake_worker, safehaven, client_for
):
    url = reverse("survivors:reveal_location", args=[adult.pk])
    page = client_for(intake_worker, sudo=True).post(url)
    assert "12 Hidden Lane" in page.text
    assert AuditEvent.objects.filter(action="survivors.survivor.safe_location_revealed").exists()
    detail = client_for(intake_worker).get(reverse("survivors:detail", args=[adult.pk]))
    assert "Hidden Lane" not in detail.text, "shown only on request"

    paralegal = MembershipFactory(organization=safehaven, role=Role.PARALEGAL)
    from aftercare.access import access_grant

    access_grant(user=paralegal.user, obj=adult)
    assert client_for(paralegal, sudo=True).post(url).status_code == 403


def test_revealing_asks_for_sudo_first(adult, intake_worker, client_for):
    response = client_for(intake_worker).post(reverse("survivors:reveal_location", args=[adult.pk]))
    assert response.url.startswith(reverse("account:sudo"))


def test_the_edit_form_never_shows_the_safe_house_and_keeps_it(adult, intake_worker, client_for):
    client = client_for(intake_worker)
    url = reverse("survivors:intake_step", args=[adult.pk, 3])
    assert "Hidden Lane" not in client.get(url).text
    client.post(url, {"safety_situation": "Updated", "safe_location": ""})
    assert Survivor.objects.get(pk=adult.pk).safe_location == "Room 4, 12 Hidden Lane"
