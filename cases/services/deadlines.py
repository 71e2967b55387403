"""Deadlines: computed ones carry their derivation and wait for an attorney's confirmation."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from aftercare.audit import audit_record_for_request
from cases.deadline_rules import SHIPPED_RULES, compute_due
from cases.models import Deadline, DeadlineRule, Matter
from cases.services.reminders import reminders_schedule


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
    DeadlineRule.objects.bulk_create(new)
    return len(new)


def deadline_compute(
    *, matter: Matter, rule: DeadlineRule, trigger_date=None, mailed: bool = False
):
    birth = matter.client.date_of_birth
    if rule.anchor == DeadlineRule.Anchor.BIRTH and birth is None:
        raise ValidationError({"trigger_date": "The client's date of birth is not known."})
    if rule.anchor == DeadlineRule.Anchor.TRIGGER and trigger_date is None:
        raise ValidationError({"trigger_date": f"Enter the {rule.trigger_label.lower()}."})
    jurisdiction = matter.jurisdiction
    return compute_due(
        rule,
        trigger=trigger_date,
        birth=birth,
        mailed=mailed,
        country=jurisdiction.holiday_country if jurisdiction else "US",
        subdivision=jurisdiction.holiday_subdivision if jurisdiction else "",
    )


def deadline_add_computed(
    *,
    request: HttpRequest,
    matter: Matter,
    rule: DeadlineRule,
    trigger_date=None,
    mailed: bool = False,
) -> Deadline:
    """Add a computed deadline, unconfirmed, with every step of its computation."""
    computation = deadline_compute(
        matter=matter, rule=rule, trigger_date=trigger_date, mailed=mailed
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
            created_by=request.user,
        )
        deadline.responsible.add(matter.lead_attorney)
        reminders_schedule(deadline=deadline)
        audit_record_for_request(
            request,
            "cases.deadline.computed",
            target=matter,
            payload={
                "deadline": deadline.pk,
                "rule": rule.code,
            },
        )
    return deadline


def deadline_add(*, request: HttpRequest, matter: Matter, data: dict, responsible=()) -> Deadline:
    """A deadline or hearing entered by hand: it is what the attorney typed, so it is confirmed."""
    with transaction.atomic():
        deadline = Deadline.objects.create(
            matter=matter,
            created_by=request.user,
            confirmed_by=request.user,
            confirmed_at=timezone.now(),
            **data,
        )
        deadline.responsible.set(list(responsible) or [matter.lead_attorney])
        reminders_schedule(deadline=deadline)
        audit_record_for_request(
            request,
            "cases.deadline.added",
            target=matter,
            payload={
                "deadline": deadline.pk,
                "kind": deadline.kind,
                "due": deadline.due_date.isoformat(),
            },
        )
    return deadline


def deadline_confirm(*, request: HttpRequest, deadline: Deadline) -> Deadline:
    """Record who checked a computed date; the first confirmation stands."""
    if deadline.confirmed_at is not None:
        return deadline
    deadline.confirmed_by, deadline.confirmed_at = request.user, timezone.now()
    deadline.save(update_fields=["confirmed_by", "confirmed_at"])
    audit_record_for_request(
        request,
        "cases.deadline.confirmed",
        target=deadline.matter,
        payload={"deadline": deadline.pk},
    )
    return deadline


def deadline_set_status(*, request: HttpRequest, deadline: Deadline, status: str) -> Deadline:
    deadline.status = status
    deadline.save(update_fields=["status"])
    reminders_schedule(deadline=deadline)
    audit_record_for_request(
        request,
        "cases.deadline.status_changed",
        target=deadline.matter,
        payload={"deadline": deadline.pk, "status": status},
    )
    return deadline
