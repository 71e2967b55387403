"""Daily upkeep of survivor records. Tasks take no personal data."""

from celery import shared_task
from django.utils import timezone

from survivors.models import Survivor


@shared_task
def minor_flags_refresh() -> int:
    """Turn off `is_minor` for survivors who came of age today (decrypting minors only)."""
    today = timezone.localdate()
    changed = 0
    for survivor in Survivor.objects.filter(is_minor=True).only("id", "date_of_birth"):
        if not survivor.is_minor_on(today):
            Survivor.objects.filter(pk=survivor.pk).update(is_minor=False)
            changed += 1
    return changed


@shared_task
def retention_apply_task() -> int:
    from survivors.services.retention import retention_apply

    return sum(report.erased for report in retention_apply(dry_run=False))
