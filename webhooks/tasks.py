"""Webhook tasks: thin, they take ids, and every one is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from webhooks import delivery


# No Celery retries: a failed attempt is recorded with its next time, and the sweep
# queues it then (a broker is no place for day-long countdowns). The hard limit kills a
# hung attempt; delivery.SENDING_STALE is longer than it.
@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=delivery.SEND_SOFT_LIMIT_SECONDS,
    time_limit=delivery.SEND_HARD_LIMIT_SECONDS,
)
def webhook_deliver(delivery_id: int) -> str:
    return delivery.delivery_attempt(delivery_id=delivery_id)


@shared_task
def webhooks_sweep_task() -> int:
    return delivery.deliveries_sweep()
