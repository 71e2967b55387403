"""The append-only, hash-chained audit trail.

Services call `audit_record_by(actor, ...)` inside their transaction; code that has
only a request (sign-in, the access door) calls `audit_record_for_request`. Each event
stores the hash of the one before it, and a one-row chain head stores the newest
hash and the count, so `audit_chain_verify` notices an edited, removed, reordered
or truncated event. Payloads hold ids, codes and counts: never personal data.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from aftercare.models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


def _event_digest(event: AuditEvent) -> str:
    body = {
        "created_at": event.created_at.astimezone(UTC).isoformat(),
        "actor": event.actor_id,
        "organization": event.organization_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "ip": event.ip_address,
        "payload": event.payload,
        "prev": event.prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _claim_chain_head() -> AuditChainHead:
    """Lock the chain head for this transaction so that events are appended one at a time.

    An UPDATE takes the row lock on PostgreSQL and the write lock on SQLite before
    we read the newest hash, so two writers can never chain to the same parent.
    """
    if not AuditChainHead.objects.filter(pk=1).update(length=models.F("length")):
        try:
            with transaction.atomic():
                AuditChainHead.objects.create(pk=1, last_hash=GENESIS_HASH, length=0)
        except IntegrityError:
            pass
    return AuditChainHead.objects.select_for_update().get(pk=1)


def _object_ref(target: models.Model | None) -> tuple[str, str]:
    if target is None:
        return "", ""
    return target._meta.label_lower, str(target.pk)


def _require_label(action: str) -> None:
    """In tests, a new audit code without a label fails at once: the audit trail shows
    labels to people, and a bare code there is a page nobody can read."""
    from django.apps import apps

    from aftercare.audit_labels import audit_codes_labelled

    owner = action.split(".", 1)[0]
    if apps.is_installed(owner) and action not in audit_codes_labelled():
        raise ImproperlyConfigured(
            f"Audit code {action!r} has no label: add it to its app's audit_labels.py"
        )


def audit_record(
    *,
    action: str,
    actor=None,
    organization=None,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    ip_address: str | None = None,
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. `action` is a dotted code such as `survivors.survivor.viewed`."""
    if settings.TESTING:
        _require_label(action)
    if target is not None:
        object_type, object_id = _object_ref(target)
    with transaction.atomic():
        head = _claim_chain_head()
        event = AuditEvent(
            created_at=timezone.now(),
            actor=actor if actor is not None and actor.is_authenticated else None,
            organization=organization,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            ip_address=ip_address,
            payload=payload or {},
            prev_hash=head.last_hash,
        )
        event.hash = _event_digest(event)
        event.save()
        AuditChainHead.objects.filter(pk=1).update(last_hash=event.hash, length=head.length + 1)
    return event


def audit_record_for_request(
    request: HttpRequest,
    action: str,
    *,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    membership = getattr(request, "membership", None)
    return audit_record(
        action=action,
        actor=getattr(request, "user", None),
        organization=membership.organization if membership else None,
        target=target,
        object_type=object_type,
        object_id=object_id,
        ip_address=get_client_ip_address(request),
        payload=payload,
    )


def audit_record_by(
    actor,
    action: str,
    *,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    payload: dict[str, Any] | None = None,
    organization=None,
) -> AuditEvent:
    """Append one event for an `aftercare.actor.Actor`, from any channel.

    Outside the web the channel joins the payload, so a reader of the trail can tell a
    click from a job. Call it inside the service's transaction: the change and its
    event commit together or not at all.
    """
    if actor.channel != "web":
        payload = {**(payload or {}), "channel": str(actor.channel)}
    return audit_record(
        action=action,
        actor=actor.user,
        organization=organization or actor.organization,
        target=target,
        object_type=object_type,
        object_id=object_id,
        ip_address=actor.ip_address,
        payload=payload,
    )


@dataclass(frozen=True)
class ChainReport:
    intact: bool
    checked: int
    broken_event_id: int | None = None
    reason: str = ""


def audit_chain_verify(*, batch_size: int = 2000) -> ChainReport:
    """Walk the whole chain in id order and report the first event that does not fit."""
    expected_prev = GENESIS_HASH
    checked = 0
    last_id = 0
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            break
        for event in batch:
            if event.prev_hash != expected_prev:
                return ChainReport(False, checked, event.pk, "does not follow the event before it")
            if _event_digest(event) != event.hash:
                return ChainReport(False, checked, event.pk, "was edited after it was written")
            expected_prev = event.hash
            checked += 1
        last_id = batch[-1].pk
    head = AuditChainHead.objects.filter(pk=1).first()
    head_hash, head_length = (head.last_hash, head.length) if head else (GENESIS_HASH, 0)
    if head_hash != expected_prev or head_length != checked:
        return ChainReport(False, checked, None, "events are missing from the end of the chain")
    return ChainReport(True, checked)
