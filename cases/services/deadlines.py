"""Deadlines: computed ones carry their derivation and wait for an attorney's confirmation."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.actor import Actor
from aftercare.audit import audit_record_by
from cases.deadline_rules import SHIPPED_RULES, compute_due
from cases.models import Deadline, DeadlineRule, Matter
from cases.services.reminders import reminders_schedule
from survivors.identity import IdentityUse, IdentityWithheld, survivor_identity_for


def deadline_rules_install(*, organization) -> int:
    """Give an organization the shipped rule pack (rules it already has stay as edited)."""
    existing = set(
        DeadlineRule.objects.filter(organization=organization).values_list("code", flat=True)
    )
    new = [
        DeadlineRule(organization=organization, **rule)
        for rule in SHIPPED_RULES
        if rule["code"] not in existing
    ]
    # Two first matters opened at once both find no rules: the second's rows wait for
    # the first's, then are skipped, instead of failing on the unique code.
    DeadlineRule.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def _client_birth(*, actor: Actor, matter: Matter, rule: DeadlineRule):
    """The client's birth date through the identity door, only when the rule uses it.

    Returns (birth, why it is missing); a rule counted from the birth date cannot be
    computed without it, a rule a minority only tolls is computed untolled and says so.
    """
    if rule.anchor != DeadlineRule.Anchor.BIRTH and not rule.minor_tolls_until_majority:
        return None, ""
    try:
        identity = survivor_identity_for(
            actor=actor,
            survivor=matter.client,
            use=IdentityUse.DEADLINES,
            fields={"date_of_birth"},
        )
    except IdentityWithheld as withheld:
        return None, withheld.reason
    birth = identity.get("date_of_birth")
    if birth is None:
        return None, identity.why_not("date_of_birth") or str(
            _("The client's date of birth is not known.")
        )
    return birth, ""


def deadline_compute(
    *, actor: Actor, matter: Matter, rule: DeadlineRule, trigger_date=None, mailed: bool = False
):
    birth, missing = _client_birth(actor=actor, matter=matter, rule=rule)
    if rule.anchor == DeadlineRule.Anchor.BIRTH and birth is None:
        raise ValidationError({"trigger_date": missing})
    if rule.anchor == DeadlineRule.Anchor.TRIGGER and trigger_date is None:
        raise ValidationError(
            {"trigger_date": _("Enter the %(what)s.") % {"what": rule.trigger_text.lower()}}
        )
    jurisdiction = matter.jurisdiction
    computation = compute_due(
        rule,
        trigger=trigger_date,
        birth=birth,
        mailed=mailed,
        country=jurisdiction.holiday_country if jurisdiction else "US",
        subdivision=jurisdiction.holiday_subdivision if jurisdiction else "",
    )
    if missing and rule.minor_tolls_until_majority:
        # Untolled is the earlier, safer date; the person confirming must know why.
        computation.steps.insert(1, {"step": "minor_unknown"})
    return computation


def deadline_add_computed(
    *,
    actor: Actor,
    matter: Matter,
    rule: DeadlineRule,
    trigger_date=None,
    mailed: bool = False,
) -> Deadline:
    """Add a computed deadline, unconfirmed, with every step of its computation."""
    computation = deadline_compute(
        actor=actor, matter=matter, rule=rule, trigger_date=trigger_date, mailed=mailed
    )
    with transaction.atomic():
        deadline = Deadline.objects.create(
            matter=matter,
            kind=rule.deadline_kind,
            title=rule.name,
            due_date=computation.due,
            rule=rule,
            computation=computation.steps,
            trigger_date=trigger_date,
            created_by=actor.user,
        )
        deadline.responsible.add(matter.lead_attorney)
        reminders_schedule(deadline=deadline)
        audit_record_by(
            actor,
            "cases.deadline.computed",
            target=matter,
            payload={
                "deadline": deadline.pk,
                "rule": rule.code,
            },
        )
    return deadline


def deadline_add(*, actor: Actor, matter: Matter, data: dict, responsible=()) -> Deadline:
    """A deadline or hearing entered by hand: it is what the attorney typed, so it is confirmed."""
    with transaction.atomic():
        deadline = Deadline.objects.create(
            matter=matter,
            created_by=actor.user,
            confirmed_by=actor.user,
            confirmed_at=timezone.now(),
            **data,
        )
        deadline.responsible.set(list(responsible) or [matter.lead_attorney])
        reminders_schedule(deadline=deadline)
        audit_record_by(
            actor,
            "cases.deadline.added",
            target=matter,
            payload={
                "deadline": deadline.pk,
                "kind": deadline.kind,
                "due": deadline.due_date.isoformat(),
            },
        )
    return deadline


def deadline_confirm(*, actor: Actor, deadline: Deadline) -> Deadline:
    """Record who checked a computed date; the first confirmation stands."""
    with transaction.atomic():
        confirmed = Deadline.objects.filter(pk=deadline.pk, confirmed_at__isnull=True).update(
            confirmed_by=actor.user, confirmed_at=timezone.now()
        )
        if not confirmed:
            return deadline
        deadline.refresh_from_db(fields=["confirmed_by", "confirmed_at"])
        audit_record_by(
            actor,
            "cases.deadline.confirmed",
            target=deadline.matter,
            payload={"deadline": deadline.pk},
        )
    return deadline


def deadline_set_status(*, actor: Actor, deadline: Deadline, status: str) -> Deadline:
    with transaction.atomic():
        deadline.status = status
        deadline.save(update_fields=["status"])
        reminders_schedule(deadline=deadline)
        audit_record_by(
            actor,
            "cases.deadline.status_changed",
            target=deadline.matter,
            payload={"deadline": deadline.pk, "status": status},
        )
    return deadline


# What a deadline's edit may change. A computed deadline's date is not typed: it follows
# from its trigger date, so correcting that date recomputes it.
DEADLINE_EDITABLE = ("title", "due_date", "due_time", "time_zone", "location")
COMPUTED_NOT_TYPED = _(
    "This date is computed from its rule: correct the date it counts from instead."
)


def _was_mailed(deadline: Deadline) -> bool:
    return any(step.get("step") == "mailed" for step in deadline.computation or ())


def deadline_edit(
    *,
    actor: Actor,
    deadline: Deadline,
    data: dict,
    responsible=None,
    trigger_date=None,
    mailed: bool | None = None,
) -> list:
    """Correct a deadline: what is due, when, where, and who answers for it.

    A computed deadline whose trigger date (or mailing) is corrected is computed again,
    with its new derivation, and waits for an attorney's confirmation again; typing its
    date instead is refused. Its reminders are rewritten in this same transaction for
    the new date: none is left for the old one. Returns the history rows written.
    """
    from aftercare.history import changed_fields, history_record

    unknown = set(data) - set(DEADLINE_EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    data = dict(data)
    matter = deadline.matter
    recompute = False
    if deadline.is_computed:
        if "due_date" in data and data["due_date"] != deadline.due_date:
            raise ValidationError({"due_date": COMPUTED_NOT_TYPED})
        data.pop("due_date", None)
        mailed = _was_mailed(deadline) if mailed is None else mailed
        trigger_date = deadline.trigger_date if trigger_date is None else trigger_date
        recompute = trigger_date != deadline.trigger_date or mailed != _was_mailed(deadline)
    if recompute:
        computation = deadline_compute(
            actor=actor, matter=matter, rule=deadline.rule, trigger_date=trigger_date, mailed=mailed
        )
        data["trigger_date"], data["due_date"] = trigger_date, computation.due
    with transaction.atomic():
        locked = Deadline.objects.select_for_update().get(pk=deadline.pk)
        locked.matter = matter
        changes = changed_fields(locked, data)
        if responsible is not None:
            before = list(locked.responsible.all())
            after = list(responsible) or [matter.lead_attorney]
            if {u.pk for u in before} != {u.pk for u in after}:
                changes["responsible"] = (before, after)
        if recompute and "due_date" not in changes:
            # The same date by another derivation: still a new computation to confirm.
            changes["computation"] = (len(deadline.computation), len(computation.steps))
        if not changes:
            return []
        fields = [name for name in changes if name not in ("responsible", "computation")]
        for name in fields:
            setattr(deadline, name, data[name])
        if recompute:
            deadline.computation = computation.steps
            deadline.confirmed_by, deadline.confirmed_at = None, None
            fields += ["computation", "confirmed_by", "confirmed_at"]
        if fields:
            deadline.save(update_fields=fields)
        if "responsible" in changes:
            deadline.responsible.set(changes["responsible"][1])
        reminders_schedule(deadline=deadline)
        changes.pop("computation", None)
        rows = history_record(
            actor=actor,
            target=deadline,
            changes=changes,
            personal=Deadline.PII_FIELDS,
            organization_id=matter.organization_id,
        )
        audit_record_by(
            actor,
            "cases.deadline.edited",
            target=matter,
            payload={
                "deadline": deadline.pk,
                "fields": sorted(changes),
                "recomputed": recompute,
                "unconfirmed": recompute,
            },
        )
    return rows
