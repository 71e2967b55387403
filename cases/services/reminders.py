"""Scheduling, claiming and delivering reminders of deadlines and tasks, once per person
and channel.

A reminder's target is a deadline or a task (`Reminder.target`): both have a matter, a
due date and an open status, and every step below reads them alike. A task is reminded
of the day before and the morning of its due date (TASK_OFFSETS, in the settings' time
zone), to its assignee alone, in the application and by email; never escalated.
`reminders_schedule_task` writes its rows in the task's own transaction, and a task
saved by any path follows (`reminders_follow_task`), as a deadline does.

1. `reminders_schedule` writes a deadline's reminder rows in the deadline's own
   transaction, each stamped with the due date it was computed for: a rolled-back
   deadline leaves no reminder, and a moved one (even by a plain `save()`) gets fresh
   rows while its stale ones are dropped, never sent.
2. `reminders_dispatch` (beat, every minute) claims due rows with SELECT ... FOR UPDATE
   SKIP LOCKED, batch after batch until none is due, plans one delivery per (reminder,
   recipient, channel) under a unique key, and hands their ids to the broker after
   commit, in chunks. Two schedulers claim disjoint rows.
3. `deliveries_send` takes a chunk of ready deliveries (SKIP LOCKED), checks each is
   still wanted (deadline open, matter open, recipient still has it), writes in-app
   notifications in that same transaction, and for email records the attempt
   (attempts + 1, status "handover") and commits *before* handing the message to the
   mail server; it marks it sent right after the server's answer. Any exception is a
   failed attempt, retried later with backoff; after MAX_ATTEMPTS it gives up and tells
   the organization's coordinators.
4. `deliveries_sweep` (beat, every minute) wakes senders for whatever a lost message, a
   killed worker or a retry left ready. A delivery found still "handover" after
   HANDOFF_STALE (longer than the send task's hard time limit, so that attempt is dead)
   may have reached the mail server: it is resent with the same Message-ID, and counted.

The guarantee, precisely, is in the README ("Reminders: the delivery guarantee").
"""

from __future__ import annotations

import logging
import math
import re
import time as clock
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage, get_connection
from django.db import connections, transaction
from django.db.models import F, Q, prefetch_related_objects
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from aftercare.actor import Actor
from aftercare.audit import audit_record_by
from aftercare.models import Membership, Notification
from cases.models import Deadline, Delivery, MatterUserGrant, Reminder, ReminderPolicy, Task
from cases.models.reminders import DEFAULT_ESCALATION_GRACE_HOURS, DEFAULT_OFFSETS

logger = logging.getLogger(__name__)
MORNING = time(8, 0)
# A task's reminders: the day before and the morning of.
TASK_OFFSETS = (1, 0)

# Sending: a chunk per task, one SMTP connection per chunk.
SEND_BATCH = 100
# Senders woken at once when work is found without one (each wakes a successor while
# it finds a full chunk): a worker's concurrency is enough, a few more are harmless.
FANOUT = 4
# The send task's limits (cases.tasks): the hard one kills the attempt's process.
SEND_SOFT_LIMIT_SECONDS = 40
SEND_HARD_LIMIT_SECONDS = 50
# Longer than the hard limit: a delivery still "handover" this long after its attempt
# was recorded belongs to a process that is gone.
HANDOFF_STALE = timedelta(seconds=55)
# A pending delivery this old with no sender in sight is woken by the sweep. With the
# sweep every minute, lost or killed work is picked up again within two minutes.
RECOVER_AFTER = timedelta(seconds=55)
MAX_ATTEMPTS = 6
# Dispatch claims until nothing is due, for at most this long (under the task's 4-minute
# soft limit): a tick that stopped early would wait for the next behind every chunk it
# queued. Ticks that overlap claim disjoint rows.
DISPATCH_BUDGET_SECONDS = 180


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1, 2, 4, 8 minutes: six attempts span about a quarter of an hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 15 * 60))


def _policy(deadline: Deadline) -> tuple[list[int], int, timedelta]:
    """The deadline's own reminder days, else its organization's for the kind, else 30/7/1/0;
    with the organization's escalation day and confirmation grace."""
    policy = ReminderPolicy.objects.filter(
        organization_id=deadline.matter.organization_id, deadline_kind=deadline.kind
    ).first()
    offsets = policy.offsets if policy else DEFAULT_OFFSETS
    escalate = policy.escalate_unconfirmed_days if policy else 7
    grace = policy.escalation_grace_hours if policy else DEFAULT_ESCALATION_GRACE_HOURS
    if deadline.reminder_days is not None:
        offsets = deadline.reminder_days
    return offsets, escalate, timedelta(hours=grace)


def _morning_of(day, tz_name: str) -> datetime:
    return datetime.combine(day, MORNING, tzinfo=ZoneInfo(tz_name))


def reminders_schedule(*, deadline: Deadline, now: datetime | None = None) -> int:
    """(Re)write the unclaimed reminders of a deadline for its current date and status."""
    now = now or timezone.now()
    deadline.reminders.filter(claimed_at__isnull=True).delete()
    if deadline.status != Deadline.Status.OPEN:
        return 0
    offsets, escalate_days, grace = _policy(deadline)
    # The deadline's own day, where it is due: 1 am in New York is still yesterday in
    # Honolulu, and already the afternoon of the next day in Tokyo.
    today = timezone.localdate(now, ZoneInfo(deadline.time_zone))
    if deadline.due_date < today:
        return 0
    # What was already sent for this same date is not sent again; what was sent for
    # another date (the deadline moved) does not count.
    claimed = set(
        deadline.reminders.filter(
            Q(due_for=deadline.due_date) | Q(due_for__isnull=True)
        ).values_list("kind", "days_before")
    )
    due_morning = _morning_of(deadline.due_date, deadline.time_zone)

    def row(kind: str, days: int, not_before: datetime) -> Reminder:
        at = _morning_of(deadline.due_date - timedelta(days=days), deadline.time_zone)
        return Reminder(
            deadline=deadline,
            kind=kind,
            days_before=days,
            due_for=deadline.due_date,
            due_at=max(at, not_before),
        )

    # Reminder days already past are dropped (a later one covers them); one that falls
    # today goes out now even if its morning has passed.
    rows = [
        row(Reminder.Kind.REMINDER, days, now)
        for days in sorted(set(offsets), reverse=True)
        if deadline.due_date - timedelta(days=days) >= today
        and (Reminder.Kind.REMINDER, days) not in claimed
    ]
    # Escalations check at send time whether they are still needed; a late one goes now,
    # except that a freshly computed date is first its attorney's to confirm: the grace
    # runs from when it was computed, and never past the morning it is due.
    not_before = now
    if deadline.needs_confirmation:
        not_before = max(now, min(deadline.created_at + grace, due_morning))
    rows += [
        row(Reminder.Kind.ESCALATION, days, not_before)
        for days in sorted({escalate_days, 0})
        if (Reminder.Kind.ESCALATION, days) not in claimed
    ]
    Reminder.objects.bulk_create(rows)
    return len(rows)


def reminders_follow(*, deadline: Deadline) -> None:
    """After a save of the deadline by any path: rewrite its reminders if they were
    computed for another date, or it is no longer open and still has some waiting."""
    waiting = deadline.reminders.filter(claimed_at__isnull=True)
    if deadline.status != Deadline.Status.OPEN:
        if waiting.exists():
            reminders_schedule(deadline=deadline)
        return
    stale = waiting.exclude(due_for__isnull=True).exclude(due_for=deadline.due_date).exists()
    current = deadline.reminders.filter(
        Q(due_for=deadline.due_date) | Q(due_for__isnull=True)
    ).exists()
    if stale or not current:
        reminders_schedule(deadline=deadline)


def reminders_schedule_task(*, task: Task, now: datetime | None = None) -> int:
    """(Re)write the unclaimed reminders of a task for its current date and status. Its
    rows name no one: the assignee at claim time is the recipient."""
    now = now or timezone.now()
    task.reminders.filter(claimed_at__isnull=True).delete()
    if task.status != Task.Status.OPEN:
        return 0
    zone = settings.TIME_ZONE
    today = timezone.localdate(now, ZoneInfo(zone))
    if task.due_date < today:
        return 0
    claimed = set(task.reminders.filter(due_for=task.due_date).values_list("kind", "days_before"))
    rows = [
        Reminder(
            task=task,
            kind=Reminder.Kind.REMINDER,
            days_before=days,
            due_for=task.due_date,
            due_at=max(_morning_of(task.due_date - timedelta(days=days), zone), now),
        )
        for days in TASK_OFFSETS
        if task.due_date - timedelta(days=days) >= today
        and (Reminder.Kind.REMINDER, days) not in claimed
    ]
    Reminder.objects.bulk_create(rows)
    return len(rows)


def reminders_follow_task(*, task: Task) -> None:
    """After a save of the task by any path: rewrite its reminders if they were computed
    for another date, or it is no longer open and still has some waiting."""
    waiting = task.reminders.filter(claimed_at__isnull=True)
    if task.status != Task.Status.OPEN:
        if waiting.exists():
            waiting.delete()
        return
    stale = waiting.exclude(due_for=task.due_date).exists()
    current = task.reminders.filter(due_for=task.due_date).exists()
    if stale or not current:
        reminders_schedule_task(task=task)


def _is_open(target: Deadline | Task) -> bool:
    return target.status == "open"  # Deadline.Status.OPEN and Task.Status.OPEN alike


def _has_access(user, membership, granted: set[int]) -> bool:
    if membership is None:
        return False
    return membership.role_enum.sees_whole_organization or user.pk in granted


class _Context:
    """Who belongs to each organization and who holds each matter, loaded once per batch."""

    def __init__(self, reminders: list[Reminder]):
        matters = {r.target.matter_id for r in reminders}
        orgs = {r.target.matter.organization_id for r in reminders}
        self.grants: dict[int, set[int]] = {}
        for matter_id, user_id in MatterUserGrant.objects.filter(
            content_object_id__in=matters, permission__codename="view_matter"
        ).values_list("content_object_id", "user_id"):
            self.grants.setdefault(matter_id, set()).add(user_id)
        self.members: dict[int, dict[int, Membership]] = {}
        for membership in (
            Membership.objects.active().filter(organization_id__in=orgs).select_related("user")
        ):
            self.members.setdefault(membership.organization_id, {})[membership.user_id] = membership


def _escalation_needed(reminder: Reminder) -> bool:
    deadline = reminder.deadline
    if deadline.status != Deadline.Status.OPEN:
        return False
    if deadline.needs_confirmation:
        return True
    earlier = Delivery.objects.filter(
        reminder__deadline=deadline,
        reminder__kind=Reminder.Kind.REMINDER,
        channel=Delivery.Channel.IN_APP,
    )
    return earlier.filter(notification__isnull=False, notification__read_at__isnull=True).exists()


def _plan(reminder: Reminder, context: _Context) -> list[Delivery]:
    """Who gets this reminder: the responsible people who still have the matter;
    coordinators when someone responsible lost access or an escalation is due."""
    target = reminder.target
    matter = target.matter
    members = context.members.get(matter.organization_id, {})
    granted = context.grants.get(matter.pk, set())
    recipients, escalated = [], False
    if matter.closed_at is not None:
        return []
    if reminder.task_id is not None:
        # A task's assignee alone, while the task is open and they still have the matter.
        assignee = target.assignee
        if _is_open(target) and _has_access(assignee, members.get(assignee.pk), granted):
            recipients = [assignee]
    elif reminder.kind == Reminder.Kind.REMINDER and target.status == Deadline.Status.OPEN:
        responsible = list(target.responsible.all())
        recipients = [u for u in responsible if _has_access(u, members.get(u.pk), granted)]
        escalated = len(recipients) < len(responsible) or not responsible
    elif reminder.kind == Reminder.Kind.ESCALATION:
        escalated = _escalation_needed(reminder)
    people = [(u, False) for u in recipients]
    if escalated:
        people += [
            (m.user, True)
            for m in members.values()
            if m.role_enum.sees_whole_organization and m.user not in recipients
        ]
    return [
        Delivery(reminder=reminder, recipient=user, channel=channel, escalated=esc)
        for user, esc in people
        for channel in Delivery.Channel.values
    ]


def reminders_dispatch(
    *, now: datetime | None = None, batch: int = 500, budget_seconds: float | None = None
) -> int:
    """Claim due reminders batch after batch until none is due (or the budget is spent)
    and plan their deliveries; returns how many were claimed."""
    now = now or timezone.now()
    started = clock.monotonic()
    total = 0
    while True:
        claimed = _dispatch_batch(now=now, batch=batch)
        total += claimed
        if claimed < batch:
            return total
        if budget_seconds is not None and clock.monotonic() - started > budget_seconds:
            return total


def _dispatch_batch(*, now: datetime, batch: int) -> int:
    with transaction.atomic():
        due = list(
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(claimed_at__isnull=True, due_at__lte=now)
            .select_related("deadline__matter", "task__matter", "task__assignee")
            .order_by("due_at")[:batch]
        )
        if not due:
            return 0
        # A reminder computed for another date than its target's (moved by a plain save
        # or a bulk update) is dropped, and the target gets rows for its date.
        stale = [r for r in due if r.is_stale]
        if stale:
            Reminder.objects.filter(pk__in=[r.pk for r in stale]).delete()
            moved = {(r.deadline_id, r.task_id): r.target for r in stale}
            for target in moved.values():
                if isinstance(target, Task):
                    reminders_schedule_task(task=target, now=now)
                else:
                    reminders_schedule(deadline=target, now=now)
            due = [r for r in due if (r.deadline_id, r.task_id) not in moved]
        if due:
            prefetch_related_objects([r for r in due if r.deadline_id], "deadline__responsible")
            context = _Context(due)
            deliveries = [d for reminder in due for d in _plan(reminder, context)]
            Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
            Reminder.objects.filter(pk__in=[r.pk for r in due], claimed_at__isnull=True).update(
                claimed_at=now
            )
            ids = list(
                Delivery.objects.filter(
                    reminder__in=due, status=Delivery.Status.PENDING
                ).values_list("pk", flat=True)
            )
            transaction.on_commit(lambda: deliveries_enqueue(ids))
    return len(due) + len(stale)


def deliveries_enqueue(ids: list[int]) -> None:
    """Hand delivery ids to the broker in chunks; a broker that cannot be reached is
    harmless: the sweep wakes senders for whatever stays pending."""
    from cases.tasks import delivery_send as delivery_send_task

    for start in range(0, len(ids), SEND_BATCH):
        try:
            delivery_send_task.delay(ids[start : start + SEND_BATCH])
        except Exception:  # the broker is down
            logger.warning("Could not enqueue deliveries; the sweep will wake senders")
            return


def deliveries_wake(count: int) -> None:
    """Start `count` senders that take whatever is ready (no ids)."""
    from cases.tasks import delivery_send as delivery_send_task

    for _n in range(count):
        try:
            delivery_send_task.delay(None)
        except Exception:
            logger.warning("Could not wake a sender; the next sweep will try again")
            return


def _ready(now: datetime, *, pending_older_than: timedelta = timedelta(0)) -> Q:
    """Deliveries a sender may take now: pending, a failure whose retry time has come, or
    a hand-off whose process is gone (its attempt is older than the hard time limit)."""
    return (
        Q(status=Delivery.Status.PENDING, created_at__lte=now - pending_older_than)
        | Q(status=Delivery.Status.FAILED, next_attempt_at__lte=now)
        | Q(status=Delivery.Status.HANDOVER, last_attempt_at__lte=now - HANDOFF_STALE)
    )


def deliveries_sweep(*, now: datetime | None = None, older_than: timedelta = RECOVER_AFTER) -> int:
    """Wake senders for what a lost message or a killed worker left, and for retries whose
    time has come; returns how many deliveries are waiting (counted up to 10,000)."""
    now = now or timezone.now()
    waiting = (
        Delivery.objects.filter(_ready(now, pending_older_than=older_than))
        .values("pk")[:10_000]
        .count()
    )
    if waiting:
        deliveries_wake(min(FANOUT, math.ceil(waiting / SEND_BATCH)))
    return waiting


def _message(delivery: Delivery) -> tuple[str, str, str]:
    """Subject, body and link. A pseudonymous code, the date and a link: never a name,
    never the kind of matter (an email subject can be read over a shoulder)."""
    target = delivery.reminder.target
    matter = target.matter
    when = date_format(target.due_date, "l j F Y")
    if isinstance(target, Task):
        # Never the task's typed text: it may name the client.
        link = f"{settings.AFTERCARE_BASE_URL}/matters/{matter.pk}/#tasks"
        subject = _("Aftercare: task on %(number)s, %(when)s") % {
            "number": matter.number,
            "when": when,
        }
        body = _("A task of yours on matter %(number)s is due %(when)s.") % {
            "number": matter.number,
            "when": when,
        }
        return subject, body, link
    link = f"{settings.AFTERCARE_BASE_URL}/matters/{matter.pk}/#deadlines"
    if delivery.escalated:
        subject = _("Aftercare: attention needed on %(number)s") % {"number": matter.number}
        body = _(
            "A deadline on matter %(number)s, due %(when)s, needs a coordinator: it is "
            "unconfirmed, unacknowledged, or its responsible person no longer has the "
            "matter."
        ) % {"number": matter.number, "when": when}
    else:
        subject = _("Aftercare: deadline on %(number)s, %(when)s") % {
            "number": matter.number,
            "when": when,
        }
        body = _("A deadline on matter %(number)s is due %(when)s.") % {
            "number": matter.number,
            "when": when,
        }
    return subject, body, link


def _skip_reason(delivery: Delivery, context: _Context, needed: dict[int, bool]) -> str:
    """Why this delivery must not go out now, or "" when it still should."""
    reminder = delivery.reminder
    target = reminder.target
    matter = target.matter
    is_task = isinstance(target, Task)
    if reminder.is_stale:
        return Delivery.SkipReason.TASK_MOVED if is_task else Delivery.SkipReason.DEADLINE_MOVED
    if not _is_open(target):
        return Delivery.SkipReason.TASK_CLOSED if is_task else Delivery.SkipReason.DEADLINE_CLOSED
    if matter.closed_at is not None:
        return Delivery.SkipReason.MATTER_CLOSED
    if is_task and delivery.recipient_id != target.assignee_id:
        return Delivery.SkipReason.REASSIGNED
    membership = context.members.get(matter.organization_id, {}).get(delivery.recipient_id)
    if delivery.escalated:
        if membership is None or not membership.role_enum.sees_whole_organization:
            return Delivery.SkipReason.NO_ACCESS
    elif not _has_access(delivery.recipient, membership, context.grants.get(matter.pk, set())):
        return Delivery.SkipReason.NO_ACCESS
    if reminder.kind == Reminder.Kind.ESCALATION:
        if reminder.pk not in needed:
            needed[reminder.pk] = _escalation_needed(reminder)
        if not needed[reminder.pk]:
            return Delivery.SkipReason.NOT_NEEDED
    return ""


def _handoff_began(delivery: Delivery) -> bool:
    started, attempt = delivery.handoff_started_at, delivery.last_attempt_at
    return started is not None and attempt is not None and started >= attempt


def _email(delivery: Delivery) -> EmailMessage:
    subject, body, link = _message(delivery)
    return EmailMessage(
        subject=subject,
        body=f"{body}\n\n{link}\n",
        to=[delivery.recipient.email],
        # The same on every attempt: a mail store that got it twice keeps one.
        headers={"Message-ID": f"<delivery-{delivery.pk}@aftercare>"},
    )


# A refused recipient's error repeats the address: logs and `reminders_status` get the
# reason, never the person.
_ADDRESS = re.compile(r"[^\s<>'\"(),:]+@[^\s<>'\"(),:]+")


def _error_text(error: BaseException) -> str:
    return _ADDRESS.sub("<address>", f"{type(error).__name__}: {error}")[:200]


def _give_up(delivery: Delivery, error_text: str) -> None:
    """Record a delivery as failed for good and tell its organization's coordinators,
    in the application (a code and a link, no personal data). Runs in a transaction."""
    updated = (
        Delivery.objects.filter(pk=delivery.pk)
        .exclude(status__in=(Delivery.Status.SENT, Delivery.Status.GAVE_UP))
        .update(status=Delivery.Status.GAVE_UP, last_error=error_text, next_attempt_at=None)
    )
    if not updated:
        return
    target = delivery.reminder.target
    matter = target.matter
    anchor = "tasks" if isinstance(target, Task) else "deadlines"
    coordinators = [
        membership
        for membership in Membership.objects.people()
        .filter(organization_id=matter.organization_id)
        .select_related("user")
        if membership.role_enum.sees_whole_organization
    ]
    logger.error(
        "Gave up delivery %s (%s, matter %s) after %s attempts: %s",
        delivery.pk,
        delivery.channel,
        matter.number,
        delivery.attempts,
        error_text,
    )
    Notification.objects.bulk_create(
        Notification(
            recipient=membership.user,
            organization_id=matter.organization_id,
            message=(
                _(
                    "A task reminder on %(number)s could not be delivered by %(channel)s "
                    "after %(attempts)d attempts. Make sure its assignee knows."
                )
                if isinstance(target, Task)
                else _(
                    "A deadline reminder on %(number)s could not be delivered by %(channel)s "
                    "after %(attempts)d attempts. Make sure its responsible person knows."
                )
            )
            % {
                "number": matter.number,
                "channel": delivery.get_channel_display().lower(),
                "attempts": delivery.attempts,
            },
            link=f"/matters/{matter.pk}/#{anchor}",
        )
        for membership in coordinators
    )


def _record_failure(delivery: Delivery, error: BaseException) -> str:
    """A failed hand-off (any exception): retry later, or give up after MAX_ATTEMPTS."""
    text = _error_text(error)
    logger.warning("Delivery %s attempt %s failed: %s", delivery.pk, delivery.attempts, text)
    with transaction.atomic():
        if delivery.attempts >= MAX_ATTEMPTS:
            _give_up(delivery, text)
            return "gave_up"
        Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.HANDOVER).update(
            status=Delivery.Status.FAILED,
            last_error=text,
            next_attempt_at=timezone.now() + retry_delay(delivery.attempts),
        )
    return "failed"


def deliveries_send(*, ids: list[int] | None = None, batch: int = SEND_BATCH) -> dict[int, str]:
    """Take up to `batch` ready deliveries (these ids, or any) and deliver them.

    Returns {delivery id: "sent" | "skipped" | "failed" | "gave_up"} for those taken.
    """
    now = timezone.now()
    outcomes: dict[int, str] = {}
    emails: list[Delivery] = []
    with transaction.atomic():
        taken = Delivery.objects.select_for_update(skip_locked=True, of=("self",)).filter(
            _ready(now)
        )
        # Any order when no ids: ordered by key, the scan could walk every delivery sent.
        taken = taken.filter(pk__in=ids).order_by("pk") if ids is not None else taken.order_by()
        taken = list(
            taken.select_related(
                "reminder__deadline__matter", "reminder__task__matter", "recipient"
            )[:batch]
        )
        if not taken:
            return outcomes
        context = _Context([d.reminder for d in taken])
        needed: dict[int, bool] = {}
        in_app: list[tuple[Delivery, Notification]] = []
        uncertain_before = {d.pk: d.uncertain_handoffs for d in taken}
        for delivery in taken:
            reason = _skip_reason(delivery, context, needed)
            if reason:
                delivery.status, delivery.skip_reason = Delivery.Status.SKIPPED, reason
                outcomes[delivery.pk] = "skipped"
                continue
            if delivery.attempts >= MAX_ATTEMPTS:  # its last attempt died mid-hand-off
                _give_up(delivery, delivery.last_error or "the last attempt did not finish")
                delivery.status = Delivery.Status.GAVE_UP
                outcomes[delivery.pk] = "gave_up"
                continue
            if delivery.status == Delivery.Status.HANDOVER and _handoff_began(delivery):
                # Its process died after the message went to the mail server and before
                # the server's answer was recorded: the server may have it. Resent under
                # the same Message-ID, and counted.
                delivery.uncertain_handoffs += 1
                logger.warning("Resending delivery %s: its hand-off may have happened", delivery.pk)
            delivery.attempts += 1
            delivery.last_attempt_at = now
            if delivery.channel == Delivery.Channel.IN_APP:
                subject, _body, link = _message(delivery)
                notification = Notification(
                    recipient=delivery.recipient,
                    organization_id=delivery.reminder.target.matter.organization_id,
                    message=subject.removeprefix("Aftercare: "),
                    link=link.removeprefix(settings.AFTERCARE_BASE_URL),
                )
                in_app.append((delivery, notification))
                delivery.status, delivery.sent_at = Delivery.Status.SENT, now
                outcomes[delivery.pk] = "sent"
            else:
                delivery.status = Delivery.Status.HANDOVER
                emails.append(delivery)
        Notification.objects.bulk_create([n for _d, n in in_app])
        # Most rows change alike: a few statements, not one per row.
        Delivery.objects.filter(pk__in=[d.pk for d, _n in in_app]).update(
            status=Delivery.Status.SENT,
            attempts=F("attempts") + 1,
            last_attempt_at=now,
            sent_at=now,
        )
        _link_notifications([(d.pk, n.pk) for d, n in in_app])
        Delivery.objects.bulk_update(
            [d for d in taken if d.status == Delivery.Status.SKIPPED], ["status", "skip_reason"]
        )
        Delivery.objects.filter(pk__in=[d.pk for d in emails]).update(
            status=Delivery.Status.HANDOVER, attempts=F("attempts") + 1, last_attempt_at=now
        )
        Delivery.objects.filter(
            pk__in=[d.pk for d in emails if d.uncertain_handoffs > uncertain_before[d.pk]]
        ).update(uncertain_handoffs=F("uncertain_handoffs") + 1)
    # Committed: every email here is recorded as being handed over before it is.
    outcomes.update(_hand_over(emails))
    return outcomes


_RECORD_SQL = """
    UPDATE cases_delivery SET
        status = CASE WHEN id = %s AND status = 'handover' THEN %s ELSE status END,
        sent_at = CASE WHEN id = %s THEN %s ELSE sent_at END,
        next_attempt_at = CASE WHEN id = %s THEN NULL ELSE next_attempt_at END,
        handoff_started_at = CASE WHEN id = %s THEN %s ELSE handoff_started_at END
    WHERE id IN (%s, %s)
"""


def _link_notifications(pairs: list[tuple[int, int]]) -> None:
    """Each in-app delivery to its notification, in one statement (a bulk_update builds
    a CASE per row in Python, which costs more than the write)."""
    if not pairs:
        return
    cases = " ".join(["WHEN %s THEN %s"] * len(pairs))
    ids = ", ".join(["%s"] * len(pairs))
    with connections[Delivery.objects.db].cursor() as cursor:
        cursor.execute(
            f"UPDATE cases_delivery SET notification_id = CASE id {cases} END "  # noqa: S608
            f"WHERE id IN ({ids})",
            [x for pair in pairs for x in pair] + [delivery for delivery, _n in pairs],
        )


def _hand_over(emails: list[Delivery]) -> dict[int, str]:
    """Hand each email to the mail server over one connection. Before each hand-off, one
    transaction records the previous message as sent and this one as starting; so at
    any instant at most one message of this process is at the server unrecorded."""
    outcomes: dict[int, str] = {}
    connection = None
    failures_in_a_row = 0
    taken: Delivery | None = None  # handed over, the server said yes, not yet recorded

    def record(starting: Delivery | None) -> None:
        """One statement: `taken` is sent, `starting` is about to be handed over."""
        nonlocal taken
        if taken is None and starting is None:
            return
        done = taken.pk if taken is not None else None
        begin = starting.pk if starting is not None else None
        with connections[Delivery.objects.db].cursor() as cursor:
            moment = timezone.now()
            params = [done, Delivery.Status.SENT, done, moment, done, begin, moment, done, begin]
            cursor.execute(_RECORD_SQL, params)
        if taken is not None:
            outcomes[taken.pk] = "sent"
            taken = None

    def record_taken() -> None:
        record(None)

    for position, delivery in enumerate(emails):
        try:
            if connection is None:
                connection = get_connection(fail_silently=False)
                connection.open()
            message = _email(delivery)
            record(delivery)
            if connection.send_messages([message]) != 1:
                raise ValueError("the mail backend accepted no message (no address?)")
        except SoftTimeLimitExceeded:
            # The task's time is up and its hard limit follows: stop now, not after the
            # rest. This one may be at the server: it stays a hand-off and, once stale,
            # is resent under its Message-ID. The rest never left: they are ready again.
            record_taken()
            _drop(connection)
            _release(emails[position + 1 :])
            logger.warning(
                "Sender out of time; %d deliveries left for the next", len(emails) - position - 1
            )
            return outcomes
        except Exception as error:  # any failure is a failed attempt, never a silent loop
            record_taken()
            outcomes[delivery.pk] = _record_failure(delivery, error)
            _close_quietly(connection)
            connection = None
            failures_in_a_row += 1
            if failures_in_a_row >= 2:
                # The server is down or hangs: the rest were not handed over; they fail
                # now rather than each waiting for its own timeout.
                for rest in emails[position + 1 :]:
                    outcomes[rest.pk] = _record_failure(rest, error)
                break
            continue
        failures_in_a_row = 0
        taken = delivery
    record_taken()
    _close_quietly(connection)
    return outcomes


def _release(unsent: list[Delivery]) -> None:
    """Deliveries taken for a hand-off that never began: waiting again, this attempt not
    counted, and a sender woken for them."""
    if not unsent:
        return
    Delivery.objects.filter(pk__in=[d.pk for d in unsent], status=Delivery.Status.HANDOVER).update(
        status=Delivery.Status.PENDING, attempts=F("attempts") - 1, next_attempt_at=None
    )
    deliveries_wake(1)


def _drop(connection) -> None:
    """Close the socket without the goodbye (QUIT) that a hung server would not answer."""
    smtp = getattr(connection, "connection", None)
    if smtp is not None:
        try:
            smtp.close()
        except OSError:
            logger.debug("Dropping the mail connection failed", exc_info=True)


def _close_quietly(connection) -> None:
    if connection is not None:
        try:
            connection.close()
        except Exception:  # a broken connection has nothing left to lose
            logger.debug("Closing the mail connection failed", exc_info=True)


def delivery_send(*, delivery_id: int) -> str:
    """Deliver one delivery if it is ready: "sent", "skipped", "failed", "gave_up";
    "already" when it is done, "busy" when another sender holds it, "gone" if deleted."""
    outcome = deliveries_send(ids=[delivery_id], batch=1).get(delivery_id)
    if outcome:
        return outcome
    status = Delivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first()
    if status is None:
        return "gone"  # its deadline was deleted since
    if status in (Delivery.Status.SENT, Delivery.Status.GAVE_UP, Delivery.Status.SKIPPED):
        return "already"
    return "busy"


def reminder_policy_save(*, actor: Actor, days_by_kind: dict[str, list[int] | None]) -> None:
    organization = actor.organization
    if organization is None:
        raise PermissionDenied
    with transaction.atomic():
        for kind, days in days_by_kind.items():
            ReminderPolicy.objects.update_or_create(
                organization=organization,
                deadline_kind=kind,
                defaults={"offsets": DEFAULT_OFFSETS if days is None else days},
            )
        audit_record_by(
            actor,
            "cases.reminder_policy.changed",
            payload=dict(days_by_kind),
        )
