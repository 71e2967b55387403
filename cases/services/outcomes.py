"""Recording, correcting and removing a matter's outcomes.

Each change commits with its audit event (and, for a correction, its history rows), or
none of it. The outcomes a matter may record are those of its kind (`cases.outcomes`);
an amount belongs to money outcomes only, with its currency, and a status to "status
obtained" only. A closed matter still records outcomes: money is often collected, and a
status obtained, after the file is closed.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from aftercare.actor import Actor
from aftercare.audit import audit_record_by
from cases.models import Matter, MatterOutcome
from cases.outcomes import (
    CURRENCIES,
    MONEY_ALLOWED,
    MONEY_REQUIRED,
    OUTCOMES_BY_KIND,
    OutcomeKind,
    StatusObtained,
)

OUTCOME_EDITABLE = ("kind", "date", "amount", "currency", "status")


def outcome_clean(
    *,
    matter: Matter,
    kind: str,
    date: datetime.date | None,
    amount: Decimal | None = None,
    currency: str = "",
    status: str = "",
) -> dict:
    """The outcome's fields as stored, or a ValidationError naming the field at fault."""
    errors = {}
    if kind not in OUTCOMES_BY_KIND[matter.kind]:
        errors["kind"] = _("Choose an outcome of this kind of matter.")
    if date is None:
        errors["date"] = _("Enter the date of the outcome.")
    if kind in MONEY_REQUIRED and amount is None:
        errors["amount"] = _("Enter the amount.")
    if amount is not None:
        if kind not in MONEY_ALLOWED:
            errors["amount"] = _("Only a settlement, a judgment or money recovered has an amount.")
        elif amount < 0:
            errors["amount"] = _("Enter an amount of zero or more.")
        elif currency not in dict(CURRENCIES):
            errors["currency"] = _("Choose the currency.")
    if kind == OutcomeKind.STATUS and status not in StatusObtained.values:
        errors["status"] = _("Choose the status obtained.")
    if errors:
        raise ValidationError(errors)
    return {
        "kind": kind,
        "date": date,
        "amount": amount,
        "currency": currency if amount is not None else "",
        "status": status if kind == OutcomeKind.STATUS else "",
    }


def outcome_record(*, actor: Actor, matter: Matter, **data) -> MatterOutcome:
    """Record one outcome of the matter, with its audit event (no amount in it)."""
    fields = outcome_clean(matter=matter, **data)
    with transaction.atomic():
        outcome = MatterOutcome.objects.create(matter=matter, recorded_by=actor.user, **fields)
        audit_record_by(
            actor,
            "cases.outcome.recorded",
            target=matter,
            payload={"outcome": outcome.pk, "kind": outcome.kind},
        )
    return outcome


def outcome_edit(*, actor: Actor, outcome: MatterOutcome, **data) -> list:
    """Correct an outcome; returns the history rows written (none when nothing changed)."""
    from aftercare.history import changed_fields, history_record

    unknown = set(data) - set(OUTCOME_EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    fields = outcome_clean(matter=outcome.matter, **data)
    with transaction.atomic():
        locked = MatterOutcome.objects.select_for_update().get(pk=outcome.pk)
        changes = changed_fields(locked, fields)
        if not changes:
            return []
        for name, (_old, new) in changes.items():
            setattr(locked, name, new)
            setattr(outcome, name, new)
        locked.save(update_fields=list(changes))
        rows = history_record(
            actor=actor,
            target=locked,
            changes=changes,
            organization_id=outcome.matter.organization_id,
        )
        audit_record_by(
            actor,
            "cases.outcome.edited",
            target=outcome.matter,
            payload={"outcome": locked.pk, "fields": sorted(changes)},
        )
    return rows


def outcome_remove(*, actor: Actor, outcome: MatterOutcome) -> None:
    """Remove an outcome recorded by mistake; the audit event keeps what it was."""
    with transaction.atomic():
        matter = outcome.matter
        payload = {"outcome": outcome.pk, "kind": outcome.kind, "date": outcome.date.isoformat()}
        deleted, _by_model = MatterOutcome.objects.filter(pk=outcome.pk).delete()
        if deleted:
            audit_record_by(actor, "cases.outcome.removed", target=matter, payload=payload)
