"""Erasure on request and retention: every app wipes what it holds, the audit stays.

The wiping itself is done by each app's shredder (`survivors.shredder`); these services
check what may be erased, run the shredders in one transaction with the audit event,
and return what each app did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.actor import Actor
from aftercare.audit import audit_record_by
from survivors.models import Engagement, RetentionPolicy, Survivor
from survivors.services.sharing import survivor_access_refresh
from survivors.shredder import ErasureReport, ErasureScope, shred

ON_HOLD = _("This record is under a legal hold and cannot be erased.")
CLIENT_FILE_ON_HOLD = _("This client file is under a legal hold and cannot be erased.")
CLIENT_FILE_ERASED = _("This client file was already erased.")


def survivor_erase(*, actor: Actor, survivor: Survivor, reason: str = "request") -> ErasureReport:
    """Erase the survivor's record and, through every app's shredder, what others hold.

    A legal organization that recorded an engagement keeps its client file (it follows
    that organization's retention and legal hold); a former client's search tokens stay,
    conflict-only. Audit events hold no personal data, so they stay as they are.
    """
    with transaction.atomic():
        survivor = (
            Survivor.objects.select_for_update().select_related("organization").get(pk=survivor.pk)
        )
        if survivor.legal_hold:
            raise ValidationError(ON_HOLD)
        organization = actor.organization or survivor.organization
        report = shred(
            survivor=survivor,
            organization=organization,
            actor=actor,
            scope=ErasureScope.whole_record(survivor),
        )
        audit_record_by(
            actor,
            "survivors.survivor.erased",
            target=survivor,
            organization=organization,
            payload={"reason": reason, **report.audit_payload()},
        )
    return report


def client_file_erase(*, actor: Actor, engagement: Engagement) -> ErasureReport:
    """Erase a legal organization's client file: the engagement's identity and scope, and
    that organization's drafts, documents, notes and party names for the client's matters.

    Refused under the engagement's legal hold. Only the organization's coordinators (or
    the system, for its retention) may erase it. The engagement row keeps its dates, and
    keyed hashes of party names stay for conflict checks.
    """
    if actor.membership is not None and not (
        actor.organization_id == engagement.organization_id and actor.role.sees_whole_organization
    ):
        raise PermissionDenied
    with transaction.atomic():
        engagement = (
            Engagement.objects.select_for_update()
            .select_related("survivor", "organization")
            .get(pk=engagement.pk)
        )
        if engagement.legal_hold:
            raise ValidationError(CLIENT_FILE_ON_HOLD)
        if engagement.erased_at is not None:
            raise ValidationError(CLIENT_FILE_ERASED)
        report = shred(
            survivor=engagement.survivor,
            organization=engagement.organization,
            actor=actor,
            scope=ErasureScope.client_file(engagement),
        )
        # Without its client file the organization knows the person only as a current
        # consent allows, if at all.
        survivor_access_refresh(
            survivor=engagement.survivor, organization_id=engagement.organization_id
        )
        audit_record_by(
            actor,
            "survivors.engagement.erased",
            target=engagement,
            organization=engagement.organization,
            payload={"survivor": engagement.survivor_id, **report.audit_payload()},
        )
    return report


def retention_due(policy: RetentionPolicy, today: date | None = None):
    """Closed records of the policy's organization past their retention period."""
    today = today or timezone.localdate()
    # Calendar years: counting 365 days a year would erase a day early per leap day.
    cutoff = today - relativedelta(years=policy.years_after_closure)
    return Survivor.objects.filter(
        Q(organization_id=policy.organization_id),
        Q(status=Survivor.Status.CLOSED),
        Q(closed_at__date__lt=cutoff),
        Q(legal_hold=False),
    )


def client_files_due(policy: RetentionPolicy, today: date | None = None):
    """A legal organization's client files whose representation ended longer ago than its
    retention period, not under a legal hold. Their conflict-only tokens stay."""
    today = today or timezone.localdate()
    cutoff = today - relativedelta(years=policy.years_after_closure)
    return Engagement.objects.filter(
        organization_id=policy.organization_id,
        ended_at__date__lt=cutoff,
        erased_at__isnull=True,
        legal_hold=False,
    )


@dataclass
class RetentionReport:
    organization_id: int
    due: int
    erased: int
    on_hold: int
    client_files_due: int = 0
    client_files_erased: int = 0


def retention_apply(
    *, dry_run: bool, today: date | None = None, actor: Actor | None = None
) -> list[RetentionReport]:
    """Erase what retention policies say is due; a dry run only counts.

    A policy erases nothing until an admin has switched it on (`enabled`).
    """
    actor = actor or Actor.system()
    reports = []
    for policy in RetentionPolicy.objects.select_related("organization"):
        due = retention_due(policy, today)
        held = Survivor.objects.filter(
            organization_id=policy.organization_id, status=Survivor.Status.CLOSED, legal_hold=True
        ).count()
        files = client_files_due(policy, today)
        erased = files_erased = 0
        if policy.enabled and not dry_run:
            for survivor in due:
                survivor_erase(actor=actor, survivor=survivor, reason="retention")
                erased += 1
            for engagement in files:
                client_file_erase(actor=actor, engagement=engagement)
                files_erased += 1
        reports.append(
            RetentionReport(
                policy.organization_id,
                due.count() + erased,
                erased,
                held,
                client_files_due=files.count() + files_erased,
                client_files_erased=files_erased,
            )
        )
    return reports
