"""A legal organization's client file follows its own duties: the representation ends,
the file is kept under its retention policy and legal hold, and is then erased — while a
conflict check still finds the former client."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from aftercare.models import AuditEvent
from survivors.models import Engagement, RetentionPolicy
from survivors.services.retention import retention_apply
from tests.clockwork import NEW_YORK
from tests.test_identity_door import FILE_NAME, NGO_NAME, World, clock, fixtures  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def engaged(fixtures, clock):  # noqa: F811
    world = World(fixtures, "engaged_then_revoked")
    world.change(clock)
    world.engagement = Engagement.objects.get(organization=fixtures["harbor"])
    return world


def test_ending_the_representation_keeps_the_client_file(engaged):
    response = engaged.coordinator.post(
        reverse("survivors:engagement_end", args=[engaged.engagement.pk])
    )
    assert response.status_code == 302
    engaged.engagement.refresh_from_db()
    assert engaged.engagement.ended_at is not None
    page = engaged.attorney.get(reverse("survivors:detail", args=[engaged.survivor.pk]))
    text = page.content.decode()
    assert FILE_NAME in text and "The representation ended on" in text
    assert AuditEvent.objects.filter(action="survivors.engagement.ended").count() == 1


def test_a_held_client_file_cannot_be_erased_until_the_hold_is_lifted(engaged):
    coordinator = engaged.f["client_for"](engaged.f["coordinator"], sudo=True)
    url = reverse("survivors:engagement_erase", args=[engaged.engagement.pk])
    coordinator.post(
        reverse("survivors:engagement_legal_hold", args=[engaged.engagement.pk]), {"on": "1"}
    )
    page = coordinator.get(url).content.decode()
    assert "under a legal hold" in page
    coordinator.post(url, {"confirm": engaged.survivor.code})
    engaged.engagement.refresh_from_db()
    assert engaged.engagement.erased_at is None and engaged.engagement.legal_name == FILE_NAME

    coordinator.post(
        reverse("survivors:engagement_legal_hold", args=[engaged.engagement.pk]), {"on": "0"}
    )
    wrong = coordinator.post(url, {"confirm": "AC-2026-WRONG1"})
    assert "That is not the code" in wrong.content.decode()
    engaged.engagement.refresh_from_db()
    assert engaged.engagement.erased_at is None

    done = coordinator.post(url, {"confirm": engaged.survivor.code})
    assert done.status_code == 200 and "What was erased, and what was kept" in done.text
    engaged.engagement.refresh_from_db()
    assert engaged.engagement.erased_at is not None and engaged.engagement.legal_name == ""
    # The consent was revoked and the client file is gone: Harbor no longer knows her.
    assert (
        engaged.attorney.get(reverse("survivors:detail", args=[engaged.survivor.pk])).status_code
        == 404
    )


def test_retention_erases_client_files_whose_representation_ended_long_ago(engaged):
    harbor = engaged.f["harbor"]
    Engagement.objects.filter(pk=engaged.engagement.pk).update(
        ended_at=datetime(2019, 3, 1, 12, 0, tzinfo=NEW_YORK)
    )
    policy = RetentionPolicy.objects.create(organization=harbor, years_after_closure=7)
    [report] = retention_apply(dry_run=True)
    assert (report.client_files_due, report.client_files_erased) == (1, 0)
    assert Engagement.objects.get(pk=engaged.engagement.pk).legal_name == FILE_NAME, "dry run"

    policy.enabled = True
    policy.save()
    Engagement.objects.filter(pk=engaged.engagement.pk).update(legal_hold=True)
    [held] = retention_apply(dry_run=False)
    assert held.client_files_erased == 0

    Engagement.objects.filter(pk=engaged.engagement.pk).update(legal_hold=False)
    [report] = retention_apply(dry_run=False)
    assert report.client_files_erased == 1
    file = Engagement.objects.get(pk=engaged.engagement.pk)
    assert file.erased_at is not None and file.legal_name == ""
    event = AuditEvent.objects.filter(action="survivors.engagement.erased").latest("id")
    assert event.payload.get("channel") == "worker"
    for name in (NGO_NAME, FILE_NAME):
        assert name not in str(event.payload)


def test_a_file_whose_representation_ended_recently_is_kept(engaged):
    Engagement.objects.filter(pk=engaged.engagement.pk).update(ended_at=timezone.now())
    RetentionPolicy.objects.create(
        organization=engaged.f["harbor"], years_after_closure=7, enabled=True
    )
    [report] = retention_apply(dry_run=False)
    assert report.client_files_due == 0
    assert Engagement.objects.get(pk=engaged.engagement.pk).legal_name == FILE_NAME


def test_erasing_its_own_record_also_erases_an_engaged_walk_in_clients_work(
    harbor, coordinator, client_for
):
    """A legal organization's own engagement is part of its own record: it does not keep
    that organization's drafts, notes and PDFs back from its own erasure."""
    import json

    from cases.models import DocumentDraft
    from survivors.models import Survivor
    from tests.factories import make_matter, make_survivor

    name = "Oksana Walkin Byelova"
    survivor = make_survivor(
        harbor,
        legal_name=name,
        date_of_birth=timezone.localdate() - timedelta(days=15 * 365),
        interpreter_needed=True,
    )
    assert survivor.is_minor
    Engagement.objects.create(
        survivor=survivor,
        organization=harbor,
        engaged_on=timezone.localdate(),
        scope=f"Protective order for {name}",
        recorded_by=coordinator.user,
    )
    matter = make_matter(harbor, client=survivor)
    DocumentDraft.objects.create(
        matter=matter,
        template_code="survivor_declaration",
        created_by=coordinator.user,
        fields_json=json.dumps({"paragraphs": f"I, {name}, declare"}),
    )
    client = client_for(coordinator, sudo=True)
    client.post(reverse("survivors:erase", args=[survivor.pk]), {"confirm": survivor.code})

    assert name not in DocumentDraft.objects.get(matter=matter).fields_json
    erased = Survivor.objects.get(pk=survivor.pk)
    assert erased.status == Survivor.Status.ERASED
    assert not erased.is_minor and not erased.interpreter_needed
    file = Engagement.objects.get(survivor=survivor)
    assert file.erased_at is not None and name not in file.scope


def _check(client, organization, name: str) -> str:
    from tests.factories import make_survivor

    newcomer = make_survivor(organization, legal_name="Walk In Newcomer")
    return client.post(
        reverse("cases:conflict_new", args=[newcomer.pk]),
        {
            "party-TOTAL_FORMS": "1",
            "party-INITIAL_FORMS": "0",
            "party-0-role": "trafficker",
            "party-0-name": name,
        },
        follow=True,
    ).text


def test_the_conflict_check_finds_the_name_the_client_gave_her_lawyers_even_when_erased(
    engaged,
):
    """The client file's own names are Harbor's to check against, before and after the
    file is erased; another organization that knows her only from the partner never
    learns them."""
    from survivors.services.retention import client_file_erase
    from tests.actors import actor_of

    coordinator = engaged.coordinator
    assert f"matches: client in {engaged.matter.number}" in _check(
        coordinator, engaged.f["harbor"], FILE_NAME
    )
    client_file_erase(actor=actor_of(engaged.f["coordinator"]), engagement=engaged.engagement)
    assert f"matches: client in {engaged.matter.number}" in _check(
        coordinator, engaged.f["harbor"], FILE_NAME
    )


def test_another_organization_never_matches_a_name_from_harbors_client_file(
    engaged, riverside, outsider, client_for
):
    from survivors.models import Consent, Purpose, SurvivorShare
    from survivors.services.sharing import survivor_access_refresh
    from tests.factories import make_matter

    consent = Consent.objects.create(
        survivor=engaged.survivor,
        recipient=riverside,
        purpose=Purpose.LEGAL_REPRESENTATION,
        categories=["identity"],
        method=Consent.Method.WRITTEN,
        given_on=timezone.localdate(),
        minor_assent=True,
        guardian_consent_by="County agency",
        recorded_by=engaged.f["intake_worker"].user,
    )
    SurvivorShare.objects.create(survivor=engaged.survivor, organization=riverside, consent=consent)
    survivor_access_refresh(survivor=engaged.survivor, organization_id=riverside.pk)
    matter = make_matter(riverside, client=engaged.survivor)
    page = _check(client_for(outsider), riverside, FILE_NAME)
    assert f"matches: client in {matter.number}" not in page
    assert f"matches: client in {matter.number}" in _check(
        client_for(outsider), riverside, NGO_NAME
    ), "Riverside does find her by the name the partner shared"
