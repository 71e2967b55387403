"""Periodic upkeep of the API. Tasks take ids, never personal data."""

from celery import shared_task

from api.idempotency import idempotency_keys_forget


@shared_task
def idempotency_keys_forget_task() -> int:
    return idempotency_keys_forget()
