"""Celery tasks that keep the report aggregates fresh."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_kwargs={"max_retries": 8},  # a database error: eight times, then it fails
    max_retries=None,  # a rebuild running: until it is over (see below)
)
def aggregates_refresh_task(self, survivor_ids: list[int], organization_ids: list[int]) -> int:
    """Refresh the people a committed write touched (`reports.signals`): each person at
    every organization that counts them, O(their rows). During a rebuild of one of those
    organizations, the same task again a minute later, for as long as the rebuild runs
    (a rebuild reads every person; one done before the change would miss it, and the
    largest organization's takes about 14 minutes at a million people). Celery's
    `retry(max_retries=None)` means the task's own limit, not none: hence the limit of
    eight for database errors is in `retry_kwargs` and the task's own is None."""
    from reports.aggregates import RebuildRunning, survivor_refresh

    try:
        for survivor_id in survivor_ids:
            survivor_refresh(survivor_id, organization_ids)
    except RebuildRunning as running:
        raise self.retry(exc=running, countdown=60) from running
    return len(survivor_ids)


@shared_task
def aggregates_consents_expired_task() -> int:
    """A consent lapses on its expiry date with no write: the people whose consent to
    reporting expired in the last two days are refreshed (again: it is idempotent)."""
    from reports.aggregates import survivor_refresh
    from survivors.models import Consent, Purpose

    today = timezone.localdate()
    ids = set(
        Consent.objects.filter(
            purpose=Purpose.REPORTING,
            expires_on__gte=today - datetime.timedelta(days=2),
            expires_on__lt=today,
        ).values_list("survivor_id", flat=True)
    )
    for survivor_id in sorted(ids):
        survivor_refresh(survivor_id)
    return len(ids)
