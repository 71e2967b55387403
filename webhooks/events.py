"""Recording events from the survivors app's signals, in the change's own transaction.

Each organization concerned gets its own event (both ends of a referral; a consent's
recipient and the survivor's organization), and each of its enabled endpoints that
asked for that type one delivery row (none while a platform administrator has
deactivated the organization); the senders are woken once the change commits.
The payload carries ids and the event type only: never a name, never typed text.
"""

from __future__ import annotations

import json

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from survivors.signals import consent_changed, referral_changed
from webhooks.models import Delivery, Endpoint, Event, EventType


def body_of(event: Event) -> bytes:
    """The exact bytes sent for an event, the same on every attempt."""
    return json.dumps(event.payload, sort_keys=True, separators=(",", ":")).encode()


def _record(
    *, organization_id: int, type: str, data: dict, referral_id=None, consent_id=None
) -> list[int]:
    endpoints = [
        endpoint.pk
        for endpoint in Endpoint.objects.filter(
            organization_id=organization_id, organization__is_active=True, is_enabled=True
        )
        if type in endpoint.event_types
    ]
    if not endpoints:
        # Nobody listens: nothing to keep (the audit trail has the change itself).
        return []
    event = Event(
        organization_id=organization_id,
        type=type,
        occurred_at=timezone.now(),
        referral_id=referral_id,
        consent_id=consent_id,
    )
    event.payload = {
        "id": str(event.public_id),
        "type": type,
        "occurred_at": event.occurred_at.isoformat(),
        "organization": organization_id,
        "data": data,
    }
    event.save()
    deliveries = Delivery.objects.bulk_create(
        Delivery(event=event, endpoint_id=pk, created_at=event.occurred_at) for pk in endpoints
    )
    return [d.pk for d in deliveries]


def _wake_after_commit(ids: list[int]) -> None:
    if ids:
        from webhooks.delivery import deliveries_enqueue

        transaction.on_commit(lambda: deliveries_enqueue(ids))


@receiver(referral_changed, dispatch_uid="webhooks.referral_changed")
def _on_referral_changed(sender, *, referral, status, previous, **kwargs) -> None:
    data = {
        "referral": referral.pk,
        "status": status,
        "previous_status": previous or None,
        "from_organization": referral.from_organization_id,
        "to_organization": referral.to_organization_id,
        "consent": referral.consent_id,
    }
    ids = []
    for organization_id, side in (
        (referral.from_organization_id, EventType.REFERRAL_SENT),
        (referral.to_organization_id, EventType.REFERRAL_RECEIVED),
    ):
        type = side if not previous else f"referral.{status}"
        ids += _record(
            organization_id=organization_id, type=type, data=data, referral_id=referral.pk
        )
    _wake_after_commit(ids)


@receiver(consent_changed, dispatch_uid="webhooks.consent_changed")
def _on_consent_changed(sender, *, consent, change, **kwargs) -> None:
    owner = consent.survivor.organization_id
    data = {
        "consent": consent.pk,
        "survivor_organization": owner,
        "recipient_organization": consent.recipient_id,
        "purpose": consent.purpose,
    }
    ids = []
    for organization_id in dict.fromkeys((owner, consent.recipient_id)):
        ids += _record(
            organization_id=organization_id,
            type=f"consent.{change}",
            data=data,
            consent_id=consent.pk,
        )
    _wake_after_commit(ids)
