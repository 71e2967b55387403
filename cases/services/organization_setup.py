"""An organization's own setup: its deadline rules and its courts and agencies."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from aftercare.actor import Actor
from aftercare.audit import audit_record_by
from cases.deadline_rules import SHIPPED_RULES
from cases.models import DeadlineRule, Jurisdiction
from cases.services.deadlines import deadline_rules_install


def _organization_of(actor: Actor):
    if actor.role is None or not actor.role.manages_members:
        raise PermissionDenied  # the organization's setup is its admins'
    return actor.organization


def deadline_rules_missing(*, organization) -> int:
    """How many shipped rules the organization has not added yet (a read: nothing written)."""
    have = set(
        DeadlineRule.objects.filter(organization=organization).values_list("code", flat=True)
    )
    return sum(1 for rule in SHIPPED_RULES if rule["code"] not in have)


def deadline_rules_adopt(*, actor: Actor) -> int:
    """Add the shipped rules the organization lacks; rules it already has stay as edited."""
    organization = _organization_of(actor)
    with transaction.atomic():
        added = deadline_rules_install(organization=organization)
        if added:
            audit_record_by(
                actor,
                "cases.deadline_rules.installed",
                target=organization,
                payload={"rules": added},
            )
    return added


def deadline_rule_change(*, actor: Actor, rule: DeadlineRule, data: dict) -> list[str]:
    """Save an edited rule; deadlines computed before keep their dates. Returns what changed.

    Compared with the stored row, not `rule`: a bound model form has already copied the
    typed values onto its instance.
    """
    if rule.organization_id != _organization_of(actor).pk:
        raise PermissionDenied
    with transaction.atomic():
        stored = DeadlineRule.objects.select_for_update().get(pk=rule.pk)
        changed = sorted(name for name, value in data.items() if getattr(stored, name) != value)
        for name in changed:
            setattr(stored, name, data[name])
        if changed:
            stored.save(update_fields=changed)
        audit_record_by(
            actor, "cases.deadline_rule.changed", target=stored, payload={"fields": changed}
        )
    return changed


def jurisdiction_add(*, actor: Actor, data: dict) -> Jurisdiction:
    organization = _organization_of(actor)
    with transaction.atomic():
        jurisdiction = Jurisdiction.objects.create(organization=organization, **data)
        audit_record_by(actor, "cases.jurisdiction.added", target=jurisdiction)
    return jurisdiction
