"""A legal organization's client file follows its own duties: the representation ends,
the file is kept under its retention policy and legal hold, and is then erased — while a
conflict check still finds the former client."""

from __future__ import annotations

from datetime import datetime

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
    response = engaged.attorney.post(
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
