"""Periodic upkeep of the core. Tasks take ids, never personal data."""

import logging

from celery import shared_task
from django.core.management import call_command

from aftercare.actor import Actor
from aftercare.audit import audit_chain_verify, audit_record_by
from aftercare.idempotency import submissions_forget

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def audit_chain_verify_task() -> bool:
    report = audit_chain_verify()
    audit_record_by(
        Actor.system(),
        "aftercare.audit.chain_verified",
        payload={
            "intact": report.intact,
            "checked": report.checked,
            "broken_event_id": report.broken_event_id,
        },
    )
    if not report.intact:
        logger.error("Audit chain broken at event %s: %s", report.broken_event_id, report.reason)
    return report.intact


@shared_task
def sessions_clear() -> None:
    call_command("clearsessions")
    submissions_forget()
