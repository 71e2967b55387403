"""Erasing a survivor: webhooks keeps its events (ids, types and times, nothing personal),
says so, and the partners hear of the referral and consent the erasure ended."""

import pytest
from django.db import connection

from aftercare.models import AuditEvent
from survivors.models import Referral
from survivors.services.retention import survivor_erase
from survivors.services.sharing import referral_move
from tests.actors import actor_of
from tests.webhooks.conftest import consent_to, personal_values, refer, register
from webhooks.models import Attempt, Delivery, Event

pytestmark = pytest.mark.django_db


def webhook_tables_text() -> str:
    with connection.cursor() as cursor:
        text = []
        for table in ("webhooks_event", "webhooks_delivery", "webhooks_attempt"):
            cursor.execute(f"SELECT * FROM {table}")
            text += [str(row) for row in cursor.fetchall()]
    return "\n".join(text)


def test_erasure_keeps_the_events_and_tells_the_partner_what_ended(
    survivor, intake_worker, partner_coordinator, harbor, coordinator, harbor_admin, receiver
):
    register(harbor_admin, receiver)
    consent = consent_to(survivor, intake_worker, harbor)
    referral = refer(survivor, intake_worker, harbor)
    referral_move(actor=actor_of(coordinator), referral=referral, status=Referral.Status.ACCEPTED)
    before = Event.objects.count()

    report = survivor_erase(actor=actor_of(partner_coordinator), survivor=survivor)

    told = Event.objects.filter(organization=harbor).order_by("id")[before:]
    assert [(e.type, e.consent_id, e.referral_id) for e in told] == [
        ("consent.revoked", consent.pk, None),
        ("referral.withdrawn", None, referral.pk),
    ]
    assert told[1].payload["data"]["previous_status"] == "accepted"
    assert Delivery.objects.filter(status=Delivery.Status.PENDING).count() == Event.objects.count()
    webhooks = next(r for r in report.reports if r.app == "webhooks")
    assert webhooks.wiped == []
    assert [(k.code, k.count) for k in webhooks.kept] == [("webhooks.events", before + 2)]
    erased = AuditEvent.objects.get(action="survivors.survivor.erased")
    assert erased.payload["kept"]["webhooks.events"] == before + 2
    stored = webhook_tables_text()
    for value in personal_values():
        assert value not in stored


def test_an_erasure_with_nothing_open_records_nothing_new(
    survivor, intake_worker, partner_coordinator, harbor, harbor_admin, receiver
):
    register(harbor_admin, receiver, types=["referral.withdrawn"])
    survivor_erase(actor=actor_of(partner_coordinator), survivor=survivor)
    assert not Event.objects.exists()
    assert not Attempt.objects.exists()
