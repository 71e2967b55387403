"""Survivors, matters, deadlines, documents and notices through the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aftercare.models import AuditEvent, Notification, Role
from survivors.models import Consent
from tests.api.conftest import KeyClient, make_key
from tests.api.helpers import deadline_on, harbor_records, shared_referral, version_of
from tests.factories import make_matter, make_survivor

pytestmark = pytest.mark.django_db


def test_the_survivor_list_shows_codes_not_names(harbor, harbor_key, api_for):
    survivor = make_survivor(harbor, legal_name="Listed Person")
    response = api_for(harbor_key).get(reverse("api:survivors"))
    rows = response.json()["results"]
    assert [(r["code"], r["own_record"]) for r in rows] == [(survivor.code, True)]
    assert "Listed" not in response.text


def test_a_survivor_is_read_through_the_identity_door_and_audited(harbor, harbor_key, api_for):
    survivor = make_survivor(harbor, legal_name="Own Client", languages="Tigrinya")
    response = api_for(harbor_key).get(reverse("api:survivor", args=[survivor.pk]))
    body = response.json()
    assert body["basis"] == "own_record"
    assert body["values"]["legal_name"] == "Own Client"
    assert body["values"]["languages"] == "Tigrinya"
    assert "safe_location" not in body["values"] and "safety_situation" not in body["values"]
    read = AuditEvent.objects.filter(action="survivors.identity.read").latest("id")
    assert read.payload["use"] == "partner_api"
    assert read.payload["channel"] == "api"
    assert read.actor == harbor_key[0].membership.user
    assert AuditEvent.objects.filter(
        action="survivors.survivor.viewed", object_id=str(survivor.pk)
    ).exists()


def test_a_shared_survivor_shows_only_the_consented_categories(
    safehaven, harbor, harbor_key, api_for
):
    referral = shared_referral(sender=safehaven, receiver=harbor, legal_name="Shared Woman")
    Consent.objects.filter(pk=referral.consent_id).update(categories=["needs"])
    response = api_for(harbor_key).get(reverse("api:survivor", args=[referral.survivor_id]))
    body = response.json()
    assert body["basis"] == "consent"
    assert body["values"] == {"needs": ["legal"]}
    assert "consent does not cover" in body["withheld"]["legal_name"]
    assert "Shared Woman" not in response.text


def test_once_consent_is_revoked_the_survivor_is_a_404(safehaven, harbor, harbor_key, api_for):
    from django.utils import timezone

    referral = shared_referral(sender=safehaven, receiver=harbor)
    url = reverse("api:survivor", args=[referral.survivor_id])
    assert api_for(harbor_key).get(url).status_code == 200
    from aftercare.actor import Actor
    from survivors.services.sharing import consent_revoke
    from tests.factories import MembershipFactory

    admin = MembershipFactory(organization=safehaven, role=Role.COORDINATOR)
    consent_revoke(
        actor=Actor(user=admin.user, membership=admin), consent=referral.consent, reason="asked"
    )
    assert timezone.now()
    assert api_for(harbor_key).get(url).status_code == 404
    assert api_for(harbor_key).get(reverse("api:referral", args=[referral.pk])).status_code == 404


def test_matters_deadlines_and_documents_of_the_caller(harbor, harbor_key, api_for):
    records = harbor_records(harbor)
    api = api_for(harbor_key)
    matters = api.get(reverse("api:matters")).json()["results"]
    assert [m["number"] for m in matters] == [records["matter"].number]
    assert matters[0]["client_code"] == records["survivor"].code
    detail = api.get(reverse("api:matter", args=[records["matter"].pk])).json()
    assert detail["stage"] == records["matter"].stage
    deadlines = api.get(reverse("api:matter_deadlines", args=[records["matter"].pk])).json()
    assert [d["title"] for d in deadlines["results"]] == ["File the I-914"]
    assert api.get(reverse("api:deadlines"), {"status": "open"}).json()["results"]
    assert api.get(reverse("api:deadlines"), {"status": "done"}).json()["results"] == []
    documents = api.get(reverse("api:documents")).json()["results"]
    assert [d["id"] for d in documents] == [records["version"].pk]


def test_a_pdf_is_downloaded_and_audited(harbor, harbor_key, api_for):
    version = harbor_records(harbor)["version"]
    response = api_for(harbor_key).get(reverse("api:document_download", args=[version.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert version.matter.number in response["Content-Disposition"]
    event = AuditEvent.objects.get(action="cases.document.downloaded")
    assert event.payload["channel"] == "api"


def test_a_version_naming_a_client_no_longer_known_is_refused_with_why(
    safehaven, harbor, harbor_key, api_for
):
    referral = shared_referral(sender=safehaven, receiver=harbor)
    matter = make_matter(harbor, client=referral.survivor)
    version = version_of(matter, names_client=True)
    Consent.objects.filter(pk=referral.consent_id).update(categories=["needs"])
    response = api_for(harbor_key).get(reverse("api:document_download", args=[version.pk]))
    assert response.status_code == 403
    assert "consent does not cover" in response.json()["detail"]


def test_an_unassigned_attorney_key_sees_no_matter(harbor, api_for):
    harbor_records(harbor)
    key = make_key(harbor, role=Role.ATTORNEY)
    assert api_for(key).get(reverse("api:matters")).json()["results"] == []
    assert api_for(key).get(reverse("api:documents")).json()["results"] == []


def test_notifications_are_the_service_members_own(harbor, harbor_key, coordinator, api_for):
    member = harbor_key[0].membership
    Notification.objects.create(recipient=member.user, organization=harbor, message="M-2026-0001")
    Notification.objects.create(
        recipient=coordinator.user, organization=harbor, message="not yours"
    )
    rows = api_for(harbor_key).get(reverse("api:notifications")).json()["results"]
    assert [n["message"] for n in rows] == ["M-2026-0001"]


@pytest.mark.parametrize(
    ("url_name", "make_rows"),
    [
        ("api:survivors", lambda org, n: make_survivor(org, legal_name=f"Person {n}")),
        ("api:matters", lambda org, n: make_matter(org)),
        ("api:deadlines", lambda org, n: deadline_on(make_matter(org))),
        ("api:documents", lambda org, n: version_of(make_matter(org))),
    ],
)
def test_lists_cost_the_same_queries_for_many_rows(
    url_name, make_rows, harbor, harbor_key, api_for, django_assert_max_num_queries
):
    for n in range(8):
        make_rows(harbor, n)
    with django_assert_max_num_queries(5):
        response = api_for(harbor_key).get(reverse(url_name))
    assert len(response.json()["results"]) >= 8


def test_a_page_size_and_the_next_cursor_walk_the_list(harbor, harbor_key, api_for):
    for n in range(5):
        make_survivor(harbor, legal_name=f"Person {n}")
    api = api_for(harbor_key)
    first = api.get(reverse("api:survivors"), {"page_size": 3}).json()
    second = KeyClient(harbor_key[1]).get(first["next"]).json()
    codes = [r["code"] for r in first["results"] + second["results"]]
    assert len(codes) == len(set(codes)) == 5
