"""Scheduling, claiming and delivering reminders, exactly once per person and channel.

1. `reminders_schedule` writes a deadline's reminder rows in the deadline's own
   transaction: a rolled-back deadline leaves no reminder.
2. `reminders_dispatch` (beat, every minute) claims due rows with SELECT ... FOR
   UPDATE SKIP LOCKED, plans one delivery per (reminder, recipient, channel) under a
   unique key, and enqueues their ids after commit. Two schedulers claim disjoint rows.
3. `delivery_send` locks its delivery row, skips it when already sent, sends, and
   marks it sent in the same transaction. Deliveries left pending (a lost message, a
   killed worker) are enqueued again by `deliveries_sweep`.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q, prefetch_related_objects
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from aftercare.actor import Actor
from aftercare.audit import audit_record_by
from aftercare.models import Membership, Notification
from cases.models import Deadline, Delivery, MatterUserGrant, Reminder, ReminderPolicy
from cases.models.reminders import DEFAULT_OFFSETS

logger = logging.getLogger(__name__)
MORNING = time(8, 0)
# Longer than the send task's whole retry chain (8 retries, at most 4 minutes apart).
RETRY_WINDOW = timedelta(minutes=40)


def _policy(deadline: Deadline) -> tuple[list[int], int]:
    """The deadline's own reminder days, else its organization's for the kind, else 30/7/1/0."""
    policy = ReminderPolicy.objects.filter(
        organization_id=deadline.matter.organization_id, deadline_kind=deadline.kind
    ).first()
    offsets = policy.offsets if policy else DEFAULT_OFFSETS
    escalate = policy.escalate_unconfirmed_days if policy else 7
    if deadline.reminder_days is not None:
        offsets = deadline.reminder_days
    return offsets, escalate


def _morning_of(day, tz_name: str) -> datetime:
    return datetime.combine(day, MORNING, tzinfo=ZoneInfo(tz_name))


def reminders_schedule(*, deadline: Deadline, now: datetime | None = None) -> int:
    """(Re)write the unclaimed reminders of a deadline from its organization's policy."""
    now = now or timezone.now()
    deadline.reminders.filter(claimed_at__isnull=True).delete()
    if deadline.status != Deadline.Status.OPEN:
        return 0
    offsets, escalate_days = _policy(deadline)
    # The deadline's own day, where it is due: 1 am in New York is still yesterday in Honolulu.
    today = timezone.localdate(now, ZoneInfo(deadline.time_zone))
    if deadline.due_date < today:
        return 0
    claimed = set(deadline.reminders.values_list("kind", "days_before"))

    def row(kind: str, days: int) -> Reminder:
        at = _morning_of(deadline.due_date - timedelta(days=days), deadline.time_zone)
        return Reminder(deadline=deadline, kind=kind, days_before=days, due_at=max(at, now))

    # Reminder days already past are dropped (a later one covers them); one that falls
    # today goes out now even if its morning has passed.
    rows = [
        row(Reminder.Kind.REMINDER, days)
        for days in sorted(set(offsets), reverse=True)
        if deadline.due_date - timedelta(days=days) >= today
        and (Reminder.Kind.REMINDER, days) not in claimed
    ]
    # Escalations check at send time whether they are still needed; a late one goes now.
    rows += [
        row(Reminder.Kind.ESCALATION, days)
        for days in sorted({escalate_days, 0})
        if (Reminder.Kind.ESCALATION, days) not in claimed
    ]
    Reminder.objects.bulk_create(rows)
    return len(rows)


def _has_access(user, membership, granted: set[int]) -> bool:
    if membership is None:
        return False
    return membership.role_enum.sees_whole_organization or user.pk in granted


class _Context:
    """Who belongs to each organization and who holds each matter, loaded once per batch."""

    def __init__(self, reminders: list[Reminder]):
        matters = {r.deadline.matter_id for r in reminders}
        orgs = {r.deadline.matter.organization_id for r in reminders}
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
    deadline = reminder.deadline
    matter = deadline.matter
    members = context.members.get(matter.organization_id, {})
    granted = context.grants.get(matter.pk, set())
    recipients, escalated = [], False
    if matter.closed_at is not None:
        return []
    if reminder.kind == Reminder.Kind.REMINDER and deadline.status == Deadline.Status.OPEN:
        responsible = list(deadline.responsible.all())
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


def reminders_dispatch(*, now: datetime | None = None, batch: int = 500) -> int:
    """Claim due reminders and plan their deliveries; returns how many were claimed."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(claimed_at__isnull=True, due_at__lte=now)
            .select_related("deadline__matter")
            .order_by("due_at")[:batch]
        )
        if not due:
            return 0
        prefetch_related_objects(due, "deadline__responsible")
        context = _Context(due)
        deliveries = [d for reminder in due for d in _plan(reminder, context)]
        Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
        Reminder.objects.filter(pk__in=[r.pk for r in due], claimed_at__isnull=True).update(
            claimed_at=now
        )
        ids = list(
            Delivery.objects.filter(reminder__in=due, status=Delivery.Status.PENDING).values_list(
                "pk", flat=True
            )
        )
        transaction.on_commit(lambda: deliveries_enqueue(ids))
    return len(due)


def deliveries_enqueue(ids: list[int]) -> None:
    """Hand delivery ids to the broker; one that cannot be reached is swept up later."""
    from cases.tasks import delivery_send

    for delivery_id in ids:
        try:
            delivery_send.delay(delivery_id)
        except Exception:  # the broker is down: the sweep re-enqueues pending deliveries
            logger.warning("Could not enqueue delivery %s; the sweep will retry", delivery_id)
            return


def deliveries_sweep(*, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Enqueue again what a lost message or a killed worker left pending, and failures whose
    own retries are long over; never one whose retry chain is still running."""
    now = timezone.now()
    ids = list(
        Delivery.objects.filter(
            Q(status=Delivery.Status.PENDING, created_at__lte=now - older_than)
            | Q(status=Delivery.Status.FAILED, created_at__lte=now - max(older_than, RETRY_WINDOW))
        ).values_list("pk", flat=True)[:5000]
    )
    deliveries_enqueue(ids)
    return len(ids)


def _message(delivery: Delivery) -> tuple[str, str, str]:
    """Subject, body and link. A pseudonymous code, the date and a link: never a name,
    never the kind of matter (an email subject can be read over a shoulder)."""
    deadline = delivery.reminder.deadline
    matter = deadline.matter
    when = date_format(deadline.due_date, "l j F Y")
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


def delivery_send(*, delivery_id: int) -> str:
    """Send one delivery at most once: lock it, skip it if sent, send, mark, commit."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("reminder__deadline__matter", "recipient")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return "gone"  # its deadline was deleted since
        if delivery.status in (Delivery.Status.SENT, Delivery.Status.GAVE_UP):
            return "already"
        delivery.attempts += 1
        subject, body, link = _message(delivery)
        if delivery.channel == Delivery.Channel.IN_APP:
            delivery.notification = Notification.objects.create(
                recipient=delivery.recipient,
                organization_id=delivery.reminder.deadline.matter.organization_id,
                message=subject.removeprefix("Aftercare: "),
                link=link.removeprefix(settings.AFTERCARE_BASE_URL),
            )
        else:
            EmailMessage(
                subject=subject,
                body=f"{body}\n\n{link}\n",
                to=[delivery.recipient.email],
                headers={"Message-ID": f"<delivery-{delivery.pk}@aftercare>"},
            ).send()
        delivery.status, delivery.sent_at = Delivery.Status.SENT, timezone.now()
        delivery.save(update_fields=["status", "sent_at", "attempts", "notification"])
    return "sent"


def delivery_failed(*, delivery_id: int, final: bool) -> None:
    Delivery.objects.filter(pk=delivery_id).exclude(status=Delivery.Status.SENT).update(
        status=Delivery.Status.GAVE_UP if final else Delivery.Status.FAILED
    )


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
