"""Referral and consent changes become events for the organizations concerned, in the
change's own transaction, with ids and types only."""

import json

import pytest
from django.db import transaction

from survivors.models import Referral
from survivors.services.sharing import consent_revoke, referral_move
from tests.actors import actor_of
from tests.factories import MembershipFactory
from tests.webhooks.conftest import consent_to, personal_values, refer, register
from webhooks.delivery import delivery_attempt
from webhooks.models import Delivery, Event, EventType

pytestmark = pytest.mark.django_db


@pytest.fixture
def safehaven_admin(safehaven):
    from aftercare.models import Role

    return MembershipFactory(organization=safehaven, role=Role.ORG_ADMIN)


def types_for(organization) -> list[str]:
    return list(
        Event.objects.filter(organization=organization)
        .order_by("id")
        .values_list("type", flat=True)
    )


def test_nothing_is_recorded_for_an_organization_without_endpoints(survivor, intake_worker, harbor):
    consent_to(survivor, intake_worker, harbor)
    refer(survivor, intake_worker, harbor)
    assert not Event.objects.exists()


def test_each_end_of_a_referral_hears_of_it_from_its_side(
    survivor, intake_worker, harbor, safehaven, coordinator, harbor_admin, safehaven_admin, receiver
):
    register(harbor_admin, receiver)
    register(safehaven_admin, receiver)
    consent_to(survivor, intake_worker, harbor)
    referral = refer(survivor, intake_worker, harbor)
    referral = referral_move(
        actor=actor_of(coordinator), referral=referral, status=Referral.Status.ACCEPTED
    )
    referral = referral_move(
        actor=actor_of(coordinator), referral=referral, status=Referral.Status.IN_PROGRESS
    )
    referral_move(actor=actor_of(coordinator), referral=referral, status=Referral.Status.COMPLETED)
    assert types_for(safehaven) == [
        "consent.recorded",
        "referral.sent",
        "referral.accepted",
        "referral.in_progress",
        "referral.completed",
    ]
    assert types_for(harbor) == [
        "consent.recorded",
        "referral.received",
        "referral.accepted",
        "referral.in_progress",
        "referral.completed",
    ]
    accepted = Event.objects.get(organization=harbor, type="referral.accepted")
    assert accepted.payload["data"] == {
        "referral": referral.pk,
        "status": "accepted",
        "previous_status": "sent",
        "from_organization": safehaven.pk,
        "to_organization": harbor.pk,
        "consent": referral.consent_id,
    }
    assert accepted.payload["id"] == str(accepted.public_id)
    assert accepted.payload["organization"] == harbor.pk
    # One delivery per event per endpoint.
    assert Delivery.objects.count() == Event.objects.count()


def test_a_declined_and_a_withdrawn_referral(
    survivor, intake_worker, harbor, coordinator, harbor_admin, receiver
):
    register(harbor_admin, receiver)
    consent_to(survivor, intake_worker, harbor)
    first = refer(survivor, intake_worker, harbor)
    referral_move(
        actor=actor_of(coordinator),
        referral=first,
        status=Referral.Status.DECLINED,
        reason="Conflict with Thaddeus Crumb",
    )
    second = refer(survivor, intake_worker, harbor)
    referral_move(actor=actor_of(intake_worker), referral=second, status=Referral.Status.WITHDRAWN)
    assert types_for(harbor)[-4:] == [
        "referral.received",
        "referral.declined",
        "referral.received",
        "referral.withdrawn",
    ]


def test_revoking_consent_tells_both_and_withdraws_the_open_referral(
    survivor, intake_worker, harbor, safehaven, harbor_admin, safehaven_admin, receiver
):
    register(harbor_admin, receiver)
    register(safehaven_admin, receiver)
    consent = consent_to(survivor, intake_worker, harbor)
    referral = refer(survivor, intake_worker, harbor)
    consent_revoke(actor=actor_of(intake_worker), consent=consent, reason="She changed her mind")
    for organization in (harbor, safehaven):
        assert types_for(organization)[-2:] == ["consent.revoked", "referral.withdrawn"]
    revoked = Event.objects.get(organization=harbor, type="consent.revoked")
    assert revoked.payload["data"] == {
        "consent": consent.pk,
        "survivor_organization": safehaven.pk,
        "recipient_organization": harbor.pk,
        "purpose": "legal_representation",
    }
    withdrawn = Event.objects.get(organization=harbor, type="referral.withdrawn")
    assert withdrawn.referral_id == referral.pk


def test_an_endpoint_gets_only_the_types_it_asked_for_and_others_nothing(
    survivor, intake_worker, harbor, riverside, coordinator, harbor_admin, receiver
):
    register(harbor_admin, receiver, types=[EventType.REFERRAL_ACCEPTED])
    register(MembershipFactory(organization=riverside, role="org_admin"), receiver)
    consent_to(survivor, intake_worker, harbor)
    referral = refer(survivor, intake_worker, harbor)
    referral_move(actor=actor_of(coordinator), referral=referral, status=Referral.Status.ACCEPTED)
    assert types_for(harbor) == ["referral.accepted"]
    assert types_for(riverside) == []


def test_a_disabled_endpoint_gets_nothing(survivor, intake_worker, harbor, harbor_admin, receiver):
    from webhooks.services import endpoint_set_enabled

    endpoint = register(harbor_admin, receiver)
    endpoint_set_enabled(actor=actor_of(harbor_admin), endpoint=endpoint, enabled=False)
    consent_to(survivor, intake_worker, harbor)
    assert not Event.objects.exists()


def test_a_deactivated_organization_gets_nothing_until_reactivated(
    survivor, intake_worker, harbor, harbor_admin, receiver
):
    register(harbor_admin, receiver)
    harbor.is_active = False
    harbor.save(update_fields=["is_active"])
    consent = consent_to(survivor, intake_worker, harbor)
    assert types_for(harbor) == []
    harbor.is_active = True
    harbor.save(update_fields=["is_active"])
    consent_revoke(actor=actor_of(intake_worker), consent=consent, reason="Moved away")
    assert types_for(harbor) == ["consent.revoked"]


def test_a_change_rolled_back_leaves_no_event(
    survivor, intake_worker, harbor, harbor_admin, receiver
):
    register(harbor_admin, receiver)

    def change_then_fail():
        with transaction.atomic():
            consent_to(survivor, intake_worker, harbor)
            raise RuntimeError("the request failed after the change")

    with pytest.raises(RuntimeError):
        change_then_fail()
    assert not Event.objects.exists()


def test_senders_are_woken_only_after_the_change_commits(
    survivor, intake_worker, harbor, harbor_admin, receiver, django_capture_on_commit_callbacks
):
    register(harbor_admin, receiver)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        consent_to(survivor, intake_worker, harbor)
    # One wake-up of the senders, waiting for the commit (beside other apps' own, such as
    # the report aggregates' refresh).
    wakes = [c for c in callbacks if "_wake_after_commit" in c.__qualname__]
    assert len(wakes) == 1
    assert Delivery.objects.filter(status=Delivery.Status.PENDING).count() == 1


def test_no_personal_value_of_the_survivor_reaches_the_receiver(
    survivor, intake_worker, harbor, coordinator, harbor_admin, receiver
):
    register(harbor_admin, receiver)
    consent = consent_to(survivor, intake_worker, harbor)
    referral = refer(survivor, intake_worker, harbor)
    referral_move(
        actor=actor_of(coordinator),
        referral=referral,
        status=Referral.Status.DECLINED,
        reason="Conflict with Thaddeus Crumb",
    )
    consent_revoke(actor=actor_of(intake_worker), consent=consent, reason="Moved to Ohio")
    for delivery in Delivery.objects.order_by("pk"):
        assert delivery_attempt(delivery_id=delivery.pk) == "delivered"
    assert len(receiver.received) == 4
    assert all(r.verified for r in receiver.received)
    for received in receiver.received:
        body = received.body.decode()
        for value in [*personal_values(), "Moved to Ohio"]:
            assert value not in body, f"{value!r} reached the receiver"
        payload = json.loads(body)
        assert set(payload) == {"id", "type", "occurred_at", "organization", "data"}
        assert received.event_id == payload["id"]
        # Not even the survivor's id: the receiver reads what it may with its own key.
        assert "survivor" not in payload["data"]
