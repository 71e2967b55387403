"""An organization's retention policy: read it without writing, change it with its event."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from aftercare.actor import Actor
from aftercare.audit import audit_record_by
from survivors.models import RetentionPolicy


def retention_policy_of(organization) -> RetentionPolicy:
    """The organization's policy, or the default one unsaved: looking stores nothing."""
    policy = RetentionPolicy.objects.filter(organization=organization).first()
    return policy or RetentionPolicy(organization=organization)


def retention_policy_save(
    *, actor: Actor, years_after_closure: int, enabled: bool
) -> RetentionPolicy:
    """Set the acting organization's retention period and switch; admins only."""
    if actor.role is None or not actor.role.manages_members:
        raise PermissionDenied
    with transaction.atomic():
        policy, _created = RetentionPolicy.objects.select_for_update().get_or_create(
            organization=actor.organization
        )
        policy.years_after_closure, policy.enabled = years_after_closure, enabled
        policy.save(update_fields=["years_after_closure", "enabled", "updated_at"])
        audit_record_by(
            actor,
            "survivors.retention.changed",
            target=policy,
            payload={"years": years_after_closure, "enabled": enabled},
        )
    return policy
