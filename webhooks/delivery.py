"""Delivering events to endpoints: claim, record the attempt, POST, record the answer.

Exactly once per event per endpoint, as the deadline reminders are
(cases/services/reminders.py):

1. `delivery_attempt` claims a ready delivery under SELECT ... FOR UPDATE SKIP LOCKED
   (two workers never take the same one), records the attempt (attempts + 1, status
   "sending", an Attempt row) and commits *before* the request goes out.
2. It POSTs the signed body, with a connect and a read timeout, to the address checked
   against the SSRF rules, and records the answer: a 2xx is delivered; anything else
   (or no answer) is a failed attempt retried with backoff, until MAX_ATTEMPTS.
3. `deliveries_sweep` (beat, every minute) re-queues what is ready: retries whose time
   has come, deliveries whose queue message was lost, and "sending" ones older than
   SENDING_STALE (longer than the task's hard time limit: their worker is dead). The
   last may have reached the receiver: sent again with the same Aftercare-Event-Id,
   and counted in `uncertain_attempts`.

A task message redelivered after a worker died (acks_late, reject_on_worker_lost) finds
its delivery "sending" and not yet stale, and does nothing: only the sweep resends it.
"""

from __future__ import annotations

import http.client
import logging
import socket
import ssl
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from webhooks.addresses import Target, target_check
from webhooks.events import body_of
from webhooks.models import Attempt, Delivery
from webhooks.signing import EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signature_header

logger = logging.getLogger(__name__)

# First try plus six retries, 1 minute to a day apart: about a day and a half in all.
MAX_ATTEMPTS = 7
# The send task's limits (webhooks.tasks): the request's own timeouts are well inside.
SEND_SOFT_LIMIT_SECONDS = 25
SEND_HARD_LIMIT_SECONDS = 30
# Longer than the hard limit: an attempt still "sending" this long belongs to a dead worker.
SENDING_STALE = timedelta(seconds=35)
# A pending delivery this old has lost its queue message (or its worker): the sweep
# queues it again.
RECOVER_AFTER = timedelta(seconds=30)
SWEEP_LIMIT = 1000


def retry_delay(attempts: int) -> timedelta:
    """1, 5 and 25 minutes, about 2 and 10 hours, then a day."""
    return timedelta(seconds=min(60 * 5 ** max(attempts - 1, 0), 24 * 3600))


def _ready(now: datetime, *, pending_older_than: timedelta = timedelta(0)) -> Q:
    return (
        Q(status=Delivery.Status.PENDING, created_at__lte=now - pending_older_than)
        | Q(status=Delivery.Status.FAILED, next_attempt_at__lte=now)
        | Q(status=Delivery.Status.SENDING, last_attempt_at__lte=now - SENDING_STALE)
    )


def deliveries_enqueue(ids: list[int]) -> None:
    """Queue a send task per delivery; a message that cannot be queued is the sweep's."""
    from webhooks.tasks import webhook_deliver

    for pk in ids:
        try:
            webhook_deliver.delay(pk)
        except Exception:
            logger.warning("Could not queue webhook delivery %s; the sweep will", pk)
            return


def deliveries_sweep(*, now: datetime | None = None, older_than: timedelta = RECOVER_AFTER) -> int:
    """Queue what is ready: retries due, lost messages, attempts of dead workers."""
    now = now or timezone.now()
    ids = list(
        Delivery.objects.filter(_ready(now, pending_older_than=older_than))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_LIMIT]
    )
    deliveries_enqueue(ids)
    return len(ids)


def _claim(delivery_id: int) -> tuple[Delivery, Attempt] | str:
    """Take a ready delivery and record its attempt, committed; or say why not."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(_ready(now), pk=delivery_id)
            .select_related("event", "endpoint__organization")
            .first()
        )
        if delivery is None:
            return _why_not(delivery_id)
        if not (delivery.endpoint.is_enabled and delivery.endpoint.organization.is_active):
            # Turned off, or its organization deactivated, since the event was recorded.
            delivery.status = Delivery.Status.SKIPPED
            delivery.save(update_fields=["status"])
            return "skipped"
        if delivery.status == Delivery.Status.SENDING:
            # Its worker died during the request: the receiver may have it.
            delivery.uncertain_attempts += 1
            logger.warning("Resending webhook delivery %s: its last attempt died", delivery.pk)
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = Delivery.Status.GAVE_UP, None
            delivery.save(update_fields=["status", "next_attempt_at", "uncertain_attempts"])
            return "gave_up"
        delivery.attempts += 1
        delivery.status, delivery.last_attempt_at = Delivery.Status.SENDING, now
        delivery.next_attempt_at = None
        delivery.save(
            update_fields=[
                "attempts",
                "status",
                "last_attempt_at",
                "next_attempt_at",
                "uncertain_attempts",
            ]
        )
        attempt = Attempt.objects.create(
            delivery=delivery, number=delivery.attempts, started_at=now
        )
    return delivery, attempt


def _why_not(delivery_id: int) -> str:
    status = Delivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first()
    if status is None:
        return "gone"
    if status in (Delivery.Status.DELIVERED, Delivery.Status.GAVE_UP, Delivery.Status.SKIPPED):
        return "already"
    return "busy"  # another worker holds it, its retry is not due, or it is under way


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to the checked address, while TLS and Host still name the host."""

    def __init__(self, target: Target, *, connect_timeout: float, read_timeout: float):
        super().__init__(target.host, target.port, context=ssl.create_default_context())
        self._target, self._connect_timeout = target, connect_timeout
        self._read_timeout = read_timeout

    def connect(self) -> None:
        sock = socket.create_connection(
            (self._target.address, self._target.port), timeout=self._connect_timeout
        )
        sock.settimeout(self._read_timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self._target.host)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, *, connect_timeout: float, read_timeout: float):
        super().__init__(target.host, target.port)
        self._target, self._connect_timeout = target, connect_timeout
        self._read_timeout = read_timeout

    def connect(self) -> None:
        self.sock = socket.create_connection(
            (self._target.address, self._target.port), timeout=self._connect_timeout
        )
        self.sock.settimeout(self._read_timeout)


def _post(target: Target, body: bytes, headers: dict[str, str]) -> int:
    """POST and return the status code; redirects are not followed (an answer like any)."""
    kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = kind(
        target,
        connect_timeout=settings.WEBHOOKS_CONNECT_TIMEOUT,
        read_timeout=settings.WEBHOOKS_READ_TIMEOUT,
    )
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(64 * 1024)  # the answer's body is not kept
        return response.status
    finally:
        connection.close()


def _headers(delivery: Delivery, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "Aftercare-Webhooks/1",
        SIGNATURE_HEADER: signature_header(delivery.endpoint.secret, body),
        EVENT_ID_HEADER: str(delivery.event.public_id),
        EVENT_TYPE_HEADER: delivery.event.type,
    }


def _error_kind(error: BaseException) -> str:
    """The kind of failure, for the log: never a message that might echo a body."""
    if isinstance(error, ValidationError):
        return "address refused"
    if isinstance(error, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(error, ssl.SSLError):
        return "TLS error"
    if isinstance(error, ConnectionError):
        return "connection refused or reset"
    return type(error).__name__[:120]


def _record_answer(delivery: Delivery, attempt: Attempt, status_code, error: str, ms: int) -> str:
    now = timezone.now()
    delivered = status_code is not None and 200 <= status_code < 300
    with transaction.atomic():
        if delivered:
            fields = {"status": Delivery.Status.DELIVERED, "delivered_at": now}
            outcome, next_at = "delivered", None
        elif delivery.attempts >= MAX_ATTEMPTS:
            fields = {"status": Delivery.Status.GAVE_UP}
            outcome, next_at = "gave_up", None
        else:
            next_at = now + retry_delay(delivery.attempts)
            fields = {"status": Delivery.Status.FAILED, "next_attempt_at": next_at}
            outcome = "failed"
        # Only the attempt that claimed it may settle it (a resend after a stale claim
        # owns it since).
        Delivery.objects.filter(
            pk=delivery.pk, status=Delivery.Status.SENDING, attempts=delivery.attempts
        ).update(**fields)
        Attempt.objects.filter(pk=attempt.pk).update(
            finished_at=now,
            status_code=status_code,
            duration_ms=ms,
            error=error,
            next_retry_at=next_at,
        )
    return outcome


def delivery_attempt(*, delivery_id: int) -> str:
    """Try one delivery if it is ready: "delivered", "failed", "gave_up", "skipped";
    "already" when done, "busy" when not ready or held elsewhere, "gone" if deleted."""
    claimed = _claim(delivery_id)
    if isinstance(claimed, str):
        return claimed
    delivery, attempt = claimed
    body = body_of(delivery.event)
    started = time.monotonic()
    status_code, error = None, ""
    try:
        target = target_check(delivery.endpoint.url)
        status_code = _post(target, body, _headers(delivery, body))
    except Exception as failure:  # any failure is a failed attempt, retried
        error = _error_kind(failure)
        logger.warning("Webhook delivery %s attempt %s: %s", delivery.pk, attempt.number, error)
    ms = int((time.monotonic() - started) * 1000)
    if status_code is not None and not 200 <= status_code < 300:
        error = f"HTTP {status_code}"
    return _record_answer(delivery, attempt, status_code, error, ms)
