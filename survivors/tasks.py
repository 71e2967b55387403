"""Daily upkeep of survivor records. Tasks take no personal data."""

from celery import shared_task

from aftercare.actor import Actor


@shared_task
def minor_flags_refresh() -> int:
    """Turn off `is_minor` for survivors who came of age today."""
    from survivors.services.record import minor_flags_refresh as refresh

    return refresh(actor=Actor.system())


@shared_task
def retention_apply_task() -> int:
    from survivors.services.retention import retention_apply

    return sum(report.erased for report in retention_apply(dry_run=False, actor=Actor.system()))


@shared_task
def drafts_expire_task() -> int:
    """Warn the authors of intake drafts close to expiry; erase the drafts that are due."""
    from survivors.services.drafts import drafts_expire

    return drafts_expire(actor=Actor.system()).erased
