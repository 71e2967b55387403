"""Erasure on request and retention: encrypted data and search tokens go, the audit stays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.audit import audit_record
from survivors.models import (
    Consent,
    Referral,
    RetentionPolicy,
    ServiceGoal,
    Survivor,
    SurvivorAccess,
    SurvivorShare,
)

ON_HOLD = _("This record is under a legal hold and cannot be erased.")


def survivor_erase(
    *, survivor: Survivor, by=None, organization=None, ip_address=None, reason: str = "request"
) -> Survivor:
    """Wipe every personal field and search token; withdraw referrals; keep the audit.

    Audit events hold no personal data, so they stay as they are: the chain stays intact.
    """
    if survivor.legal_hold:
        raise ValidationError(ON_HOLD)
    now = timezone.now()
    with transaction.atomic():
        for field in Survivor.PII_FIELDS:
            setattr(survivor, field, None if field == "date_of_birth" else "")
        survivor.trafficking_kinds, survivor.indicators, survivor.needs = [], [], []
        survivor.status, survivor.erased_at = Survivor.Status.ERASED, now
        survivor.save()
        survivor.aliases.all().delete()
        survivor.tokens.all().delete()
        survivor.contacts.all().delete()
        ServiceGoal.objects.filter(survivor=survivor).update(description="")
        withdrawn = Referral.objects.filter(survivor=survivor, status__in=Referral.OPEN).update(
            status=Referral.Status.WITHDRAWN, note="", updated_at=now
        )
        Referral.objects.filter(survivor=survivor).update(note="", decline_reason="")
        Consent.objects.filter(survivor=survivor, revoked_at__isnull=True).update(revoked_at=now)
        Consent.objects.filter(survivor=survivor).update(
            witness="", guardian_consent_by="", override_reason="", revoked_reason=""
        )
        SurvivorShare.objects.filter(survivor=survivor, ended_at__isnull=True).update(ended_at=now)
        # Erased: no other organization sees even the stub.
        SurvivorAccess.objects.filter(survivor=survivor).exclude(
            organization_id=survivor.organization_id
        ).delete()
        audit_record(
            action="survivors.survivor.erased",
            actor=by,
            organization=organization or survivor.organization,
            target=survivor,
            ip_address=ip_address,
            payload={"reason": reason, "referrals_withdrawn": withdrawn},
        )
    return survivor


def retention_due(policy: RetentionPolicy, today: date | None = None):
    """Closed records of the policy's organization past their retention period."""
    today = today or timezone.localdate()
    cutoff = today - timedelta(days=365 * policy.years_after_closure)
    return Survivor.objects.filter(
        Q(organization_id=policy.organization_id),
        Q(status=Survivor.Status.CLOSED),
        Q(closed_at__date__lt=cutoff),
        Q(legal_hold=False),
    )


@dataclass
class RetentionReport:
    organization_id: int
    due: int
    erased: int
    on_hold: int


def retention_apply(*, dry_run: bool, today: date | None = None) -> list[RetentionReport]:
    """Erase what retention policies say is due; a dry run only counts.

    A policy erases nothing until an admin has switched it on (`enabled`).
    """
    reports = []
    for policy in RetentionPolicy.objects.select_related("organization"):
        due = retention_due(policy, today)
        held = Survivor.objects.filter(
            organization_id=policy.organization_id, status=Survivor.Status.CLOSED, legal_hold=True
        ).count()
        erased = 0
        if policy.enabled and not dry_run:
            for survivor in due:
                survivor_erase(survivor=survivor, reason="retention")
                erased += 1
        reports.append(RetentionReport(policy.organization_id, due.count() + erased, erased, held))
    return reports
