"""Actors for tests that call services directly, as a view or a task would build them."""

from __future__ import annotations

from aftercare.actor import Actor, Channel
from aftercare.models import Membership


def actor_of(membership, *, channel: str = Channel.WEB) -> Actor:
    return Actor(user=membership.user, membership=membership, channel=channel)


def lead_actor(matter) -> Actor:
    """The matter's lead attorney, acting for the matter's organization."""
    membership = Membership.objects.select_related("organization", "user").get(
        user=matter.lead_attorney, organization=matter.organization
    )
    return actor_of(membership)


def staffing_client(matter):
    """The client as staffing knows them, asked by the matter's lead attorney."""
    from volunteers.matching import client_for_staffing

    return client_for_staffing(actor=lead_actor(matter), matter=matter)
