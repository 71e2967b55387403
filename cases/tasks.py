"""Reminder tasks: thin, they take ids, and every one is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from cases.services import reminders


@shared_task
def reminders_dispatch_task() -> int:
    return reminders.reminders_dispatch(budget_seconds=reminders.DISPATCH_BUDGET_SECONDS)


@shared_task
def deliveries_sweep_task() -> int:
    return reminders.deliveries_sweep()


# No Celery retries: a failed attempt is recorded in the database with its next time,
# and the sweep wakes a sender then (a broker is no place for long countdowns). The hard
# limit kills a hung hand-off; reminders.HANDOFF_STALE is longer than it.
@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=reminders.SEND_SOFT_LIMIT_SECONDS,
    time_limit=reminders.SEND_HARD_LIMIT_SECONDS,
)
def delivery_send(ids: list[int] | int | None = None) -> int:
    """Deliver a chunk of deliveries by id, or, given none, whatever is ready (a woken
    sender, which wakes a successor while it finds full chunks). A single id is a message
    queued by an earlier version."""
    if isinstance(ids, int):
        ids = [ids]
    outcomes = reminders.deliveries_send(ids=ids)
    if ids is None and len(outcomes) >= reminders.SEND_BATCH:
        reminders.deliveries_wake(1)
    return len(outcomes)


# The hard limit stays below DocumentDraft.RENDER_PATIENCE: a render still running when
# the page says the service did not answer has been killed, and asking again is safe.
@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=120, time_limit=150)
def document_render(draft_id: int, user_id: int, language: str | None = None) -> int | None:
    """Render a draft; a failure is written in the language the person asked in."""
    from django.conf import settings
    from django.utils import translation

    from cases.services.documents import document_render_run

    with translation.override(language or settings.LANGUAGE_CODE):
        version = document_render_run(draft_id=draft_id, user_id=user_id)
    return version.pk if version else None


# As for documents: the hard limit stays below Packet.BUILD_PATIENCE, so a build still
# running when the page offers to try again has been killed.
@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=120, time_limit=150)
def packet_build(packet_id: int, user_id: int, language: str | None = None) -> int | None:
    """Build a filing packet; a failure is written in the language the person asked in."""
    from django.conf import settings
    from django.utils import translation

    from cases.packets.assembly import memory_release
    from cases.services.packet_build import packet_build_run

    try:
        with translation.override(language or settings.LANGUAGE_CODE):
            version = packet_build_run(packet_id=packet_id, user_id=user_id)
    finally:
        memory_release()
    return version.pk if version else None
