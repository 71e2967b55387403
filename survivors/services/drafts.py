"""Unfinished intake drafts expire: their author is warned, then the draft is erased.

A draft holds what was typed about a person who may never have become a record. It is
kept `INTAKE_DRAFT_EXPIRY_DAYS` after its last change. Its author is told (in the app,
by its code and the date: no personal data) `warning_days()` before; any change to the
draft starts the period again. A draft is erased only when its last change is older than
the period and its author was warned, after that change, at least `warning_days()` ago
(or it has no author left to warn): a shortened setting or a stopped worker never erases
a draft without notice. The erasure is the same as on request (`survivor_erase`, through
every app's shredder), audited with the reason `draft_expired`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from aftercare.actor import Actor
from aftercare.audit import audit_record_by
from aftercare.models import Notification
from survivors.models import Survivor
from survivors.services.retention import survivor_erase

WARNING_DAYS = 7


def expiry_period() -> timedelta:
    return timedelta(days=settings.INTAKE_DRAFT_EXPIRY_DAYS)


def warning_days() -> int:
    """A week's notice, or half the period when the period is shorter than two weeks."""
    return min(WARNING_DAYS, settings.INTAKE_DRAFT_EXPIRY_DAYS // 2)


def draft_erasure_date(survivor: Survivor, now: datetime | None = None) -> date:
    """The day the draft will be erased if no one changes it, as its author is told."""
    now = now or timezone.now()
    kept_until = max(survivor.updated_at + expiry_period(), now + timedelta(warning_days()))
    return timezone.localdate(kept_until)


def _drafts() -> QuerySet[Survivor]:
    return Survivor.objects.filter(status=Survivor.Status.DRAFT, legal_hold=False)


def drafts_to_warn(now: datetime | None = None) -> QuerySet[Survivor]:
    """Drafts within the warning days of expiry whose author was not told since their
    last change."""
    now = now or timezone.now()
    warn_from = now - expiry_period() + timedelta(days=warning_days())
    return _drafts().filter(
        Q(updated_at__lte=warn_from),
        Q(created_by__isnull=False),
        Q(draft_expiry_warned_at__isnull=True) | Q(draft_expiry_warned_at__lt=F("updated_at")),
    )


def drafts_due(now: datetime | None = None) -> QuerySet[Survivor]:
    """Drafts past the period whose author was warned in time (or who have none)."""
    now = now or timezone.now()
    warned_in_time = Q(
        draft_expiry_warned_at__gte=F("updated_at"),
        draft_expiry_warned_at__lte=now - timedelta(days=warning_days()),
    )
    return _drafts().filter(
        Q(updated_at__lte=now - expiry_period()),
        warned_in_time | Q(created_by__isnull=True),
    )


def draft_expiry_warn(*, actor: Actor, survivor: Survivor, now: datetime | None = None) -> bool:
    """Tell the draft's author when it will be erased, once per change; False when it no
    longer needs a warning (changed, finished or warned meanwhile)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            drafts_to_warn(now)
            .select_for_update(of=("self",))
            .select_related("organization")
            .filter(pk=survivor.pk)
            .first()
        )
        if locked is None:
            return False
        erase_on = draft_erasure_date(locked, now)
        Notification.objects.create(
            recipient_id=locked.created_by_id,
            organization_id=locked.organization_id,
            # The code and a date: a notification never holds a survivor's personal data.
            message=_(
                "The unfinished intake %(code)s will be erased on %(date)s. To keep it, "
                "continue it: any change keeps it another %(days)s days."
            )
            % {
                "code": locked.code,
                "date": date_format(erase_on),
                "days": settings.INTAKE_DRAFT_EXPIRY_DAYS,
            },
            link=reverse("survivors:intake_review", args=[locked.pk]),
        )
        # update(), not save(): telling the author is not a change to the draft.
        Survivor.objects.filter(pk=locked.pk).update(draft_expiry_warned_at=now)
        audit_record_by(
            actor,
            "survivors.intake.draft_expiry_warned",
            target=locked,
            organization=locked.organization,
            payload={"erase_on": erase_on.isoformat()},
        )
    return True


def draft_expire(*, actor: Actor, survivor: Survivor, now: datetime | None = None) -> bool:
    """Erase one expired draft; False when it is no longer due (changed or finished)."""
    with transaction.atomic():
        locked = drafts_due(now).select_for_update().filter(pk=survivor.pk).first()
        if locked is None:
            return False
        survivor_erase(actor=actor, survivor=locked, reason="draft_expired")
    return True


@dataclass
class DraftExpiryReport:
    to_warn: int
    warned: int
    due: int
    erased: int


def drafts_expire(
    *, actor: Actor | None = None, dry_run: bool = False, now: datetime | None = None
) -> DraftExpiryReport:
    """Warn the authors of drafts close to expiry, and erase the drafts that are due.

    Safe to run twice, and beside another run: each draft is locked and checked again.
    A dry run only counts.
    """
    actor = actor or Actor.system()
    now = now or timezone.now()
    to_warn = list(drafts_to_warn(now).only("pk"))
    due = list(drafts_due(now).only("pk"))
    warned = erased = 0
    if not dry_run:
        warned = sum(draft_expiry_warn(actor=actor, survivor=s, now=now) for s in to_warn)
        erased = sum(draft_expire(actor=actor, survivor=s, now=now) for s in due)
    return DraftExpiryReport(to_warn=len(to_warn), warned=warned, due=len(due), erased=erased)
