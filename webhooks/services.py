"""Managing an organization's webhook endpoints: its admins, each change with its audit
event. The signing secret is made here, shown once (`endpoint_secret_reveal`), and
replaced by rotation; the audit trail never holds it, nor the address's query string.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from aftercare.actor import Actor
from aftercare.audit import audit_record_by
from webhooks.addresses import target_check
from webhooks.models import Endpoint, EventType

SECRET_PREFIX = "whsec_"  # noqa: S105  (a prefix that says what the value is, not a secret)


def _secret_new() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _admin_only(actor: Actor, endpoint: Endpoint | None = None) -> None:
    if actor.role is None or not actor.role.manages_members:
        raise PermissionDenied
    if endpoint is not None and endpoint.organization_id != actor.organization_id:
        raise PermissionDenied


def _host(url: str) -> str:
    """What the audit trail says of an address: its host (a query may carry a token)."""
    return urlsplit(url).hostname or ""


def endpoint_create(*, actor: Actor, url: str, event_types: list[str]) -> Endpoint:
    """Register an address for some event types; its secret waits to be shown once."""
    _admin_only(actor)
    target_check(url)
    types = [code for code in EventType.values if code in set(event_types)]
    with transaction.atomic():
        endpoint = Endpoint.objects.create(
            organization_id=actor.organization_id,
            url=url.strip(),
            event_types=types,
            secret=_secret_new(),
            created_by=actor.user,
        )
        audit_record_by(
            actor,
            "webhooks.endpoint.created",
            target=endpoint,
            payload={"host": _host(endpoint.url), "events": types},
        )
    return endpoint


def endpoint_secret_reveal(*, endpoint: Endpoint) -> str | None:
    """The secret, the first time it is asked for since it was made; None after."""
    shown = Endpoint.objects.filter(pk=endpoint.pk, secret_shown_at__isnull=True).update(
        secret_shown_at=timezone.now()
    )
    return Endpoint.objects.get(pk=endpoint.pk).secret if shown else None


def endpoint_rotate_secret(*, actor: Actor, endpoint: Endpoint) -> Endpoint:
    """A new secret, at once: deliveries from now on are signed with it only."""
    _admin_only(actor, endpoint)
    with transaction.atomic():
        endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
        endpoint.secret = _secret_new()
        endpoint.secret_created_at, endpoint.secret_shown_at = timezone.now(), None
        endpoint.save(update_fields=["secret", "secret_created_at", "secret_shown_at"])
        audit_record_by(actor, "webhooks.endpoint.secret_rotated", target=endpoint)
    return endpoint


def endpoint_set_enabled(*, actor: Actor, endpoint: Endpoint, enabled: bool) -> bool:
    """Turn deliveries to an endpoint on or off; returns whether anything changed.
    While off, no events are recorded for it, and waiting deliveries are not sent."""
    _admin_only(actor, endpoint)
    with transaction.atomic():
        changed = (
            Endpoint.objects.filter(pk=endpoint.pk)
            .exclude(is_enabled=enabled)
            .update(is_enabled=enabled)
        )
        if changed:
            action = "webhooks.endpoint.enabled" if enabled else "webhooks.endpoint.disabled"
            audit_record_by(actor, action, target=endpoint)
    return bool(changed)


def endpoint_delete(*, actor: Actor, endpoint: Endpoint) -> None:
    """Remove an endpoint with its delivery log; the audit trail keeps that it existed."""
    _admin_only(actor, endpoint)
    with transaction.atomic():
        audit_record_by(
            actor,
            "webhooks.endpoint.deleted",
            target=endpoint,
            payload={"host": _host(endpoint.url)},
        )
        endpoint.delete()
