"""A referral moves only along its lifecycle, each side making its own moves."""

import pytest
from django.urls import reverse

from aftercare.models import AuditEvent
from survivors.models import Purpose, Referral
from tests.factories import MembershipFactory
from tests.survivors.conftest import consent_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def referral(adult, intake_worker, harbor, client_for):
    consent_for(adult, harbor, intake_worker.user)
    client_for(intake_worker).post(
        reverse("survivors:refer", args=[adult.pk]),
        {
            "to_organization": harbor.pk,
            "purpose": Purpose.LEGAL_REPRESENTATION,
            "need": "legal",
            "note": "Needs a T-visa consultation",
        },
    )
    return Referral.objects.get()


def move(client, referral, status, reason=""):
    return client.post(
        reverse("survivors:referral", args=[referral.pk]), {"status": status, "reason": reason}
    )


def test_the_receiving_coordinator_sees_it_in_the_inbox(referral, coordinator, client_for):
    page = client_for(coordinator).get(reverse("survivors:referrals"))
    assert referral.survivor.code in page.text
    detail = client_for(coordinator).get(reverse("survivors:referral", args=[referral.pk]))
    assert "Needs a T-visa consultation" in detail.text


def test_the_receiver_accepts_then_completes(referral, coordinator, client_for):
    client = client_for(coordinator)
    move(client, referral, Referral.Status.ACCEPTED)
    move(client, referral, Referral.Status.IN_PROGRESS)
    move(client, referral, Referral.Status.COMPLETED)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.COMPLETED
    moves = AuditEvent.objects.filter(action="survivors.referral.moved")
    assert [e.payload["to"] for e in moves] == ["accepted", "in_progress", "completed"]


def test_declining_needs_a_reason_and_ends_the_share(referral, coordinator, client_for):
    client = client_for(coordinator)
    page = move(client, referral, Referral.Status.DECLINED)
    assert "Say why the referral is declined." in page.text
    move(client, referral, Referral.Status.DECLINED, reason="No capacity this month")
    referral.refresh_from_db()
    assert referral.status == Referral.Status.DECLINED
    detail = client.get(reverse("survivors:detail", args=[referral.survivor_id]))
    assert detail.status_code == 404, "declined: the survivor is no longer shared"


def test_a_side_cannot_make_the_other_sides_moves(referral, intake_worker, coordinator, client_for):
    page = move(client_for(intake_worker), referral, Referral.Status.ACCEPTED)
    assert page.status_code == 200  # not a choice offered to the sender
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SENT
    move(client_for(intake_worker), referral, Referral.Status.WITHDRAWN)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.WITHDRAWN
    move(client_for(coordinator), referral, Referral.Status.ACCEPTED)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.WITHDRAWN, "a withdrawn referral stays withdrawn"


def test_the_receivers_unassigned_staff_do_not_see_it(referral, harbor, client_for):
    paralegal = MembershipFactory(organization=harbor, role="paralegal")
    client = client_for(paralegal)
    assert referral.survivor.code not in client.get(reverse("survivors:referrals")).text
    assert client.get(reverse("survivors:referral", args=[referral.pk])).status_code == 404


def test_needs_and_services_show_each_need_with_its_referral_and_goals(
    referral, intake_worker, client_for
):
    client = client_for(intake_worker)
    url = reverse("survivors:services", args=[referral.survivor_id])
    client.post(url, {"need": "shelter", "description": "Move to transitional housing"})
    page = client.get(url)
    assert "Shelter" in page.text and "Move to transitional housing" in page.text
    assert "Referral to" in page.text and referral.to_organization.name in page.text
