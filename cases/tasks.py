"""Reminder tasks: thin, they take ids, and every one is safe to run twice."""

from __future__ import annotations

import smtplib

from celery import shared_task

from cases.services import reminders


@shared_task
def reminders_dispatch_task() -> int:
    return reminders.reminders_dispatch()


@shared_task
def deliveries_sweep_task() -> int:
    return reminders.deliveries_sweep()


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=8,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=15,
    # Never a countdown near Redis's visibility timeout; longer outages are swept up.
    retry_backoff_max=240,
    retry_jitter=True,
)
def delivery_send(self, delivery_id: int) -> str:
    try:
        return reminders.delivery_send(delivery_id=delivery_id)
    except (smtplib.SMTPException, OSError):  # network, DNS, TLS: try again later
        reminders.delivery_failed(
            delivery_id=delivery_id, final=self.request.retries >= self.max_retries
        )
        raise


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=120, time_limit=150)
def document_render(draft_id: int, user_id: int) -> int | None:
    from cases.services.documents import document_render_run

    version = document_render_run(draft_id=draft_id, user_id=user_id)
    return version.pk if version else None
