"""Reminders of deadlines and tasks. The database is the source of truth: a reminder row is due at
a time, claimed once, and fans out into deliveries with a unique (reminder, recipient,
channel) key, so no retry, second scheduler or restarted worker can send one twice."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.models import Organization
from cases.models.deadlines import Deadline
from cases.models.tasks import Task

DEFAULT_OFFSETS = [30, 7, 1, 0]  # days before; 0 is the morning of
DEFAULT_ESCALATION_GRACE_HOURS = 4


class ReminderPolicy(models.Model):
    """An organization's reminder days for one kind of deadline."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="reminder_policies"
    )
    deadline_kind = models.CharField(max_length=12, choices=Deadline.Kind.choices)
    offsets = models.JSONField(_("days before"), default=list)
    escalate_unconfirmed_days = models.PositiveSmallIntegerField(
        _("escalate an unconfirmed deadline this many days before"), default=7
    )
    # A computed date is first the attorney's to check: coordinators hear of it only if it
    # is still unconfirmed this long after it was computed (never past its due morning).
    escalation_grace_hours = models.PositiveSmallIntegerField(
        _("hours an attorney has to confirm a computed deadline before coordinators are told"),
        default=DEFAULT_ESCALATION_GRACE_HOURS,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "deadline_kind"], name="one_policy_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"reminders for {self.deadline_kind} at {self.organization_id}"


class Reminder(models.Model):
    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Reminder")
        ESCALATION = "escalation", _("Escalation to a coordinator")

    # What it reminds of: a deadline or a task, exactly one.
    deadline = models.ForeignKey(
        Deadline, on_delete=models.CASCADE, related_name="reminders", null=True, blank=True
    )
    task = models.ForeignKey(
        Task, on_delete=models.CASCADE, related_name="reminders", null=True, blank=True
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REMINDER)
    days_before = models.SmallIntegerField()
    # The due date this reminder was computed for. A deadline moved since (even by a plain
    # save) makes it stale: it is dropped, never sent, and the new date gets its own rows.
    # Null only on rows written before the field existed, and by bulk generators.
    due_for = models.DateField(null=True, blank=True)
    due_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["deadline", "kind", "days_before", "due_for"],
                name="one_reminder_per_offset_and_date",
            ),
            models.UniqueConstraint(
                fields=["task", "kind", "days_before", "due_for"],
                name="one_task_reminder_per_offset_and_date",
            ),
            models.CheckConstraint(
                condition=Q(deadline__isnull=False, task__isnull=True)
                | Q(deadline__isnull=True, task__isnull=False),
                name="reminder_of_a_deadline_or_a_task",
            ),
        ]
        # The claim scan reads only unclaimed rows: its cost follows what is due.
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=Q(claimed_at__isnull=True),
                name="reminder_due_unclaimed",
            )
        ]

    def __str__(self) -> str:
        if self.task_id is not None:
            return f"{self.kind} {self.days_before}d before task {self.task_id}"
        return f"{self.kind} {self.days_before}d before deadline {self.deadline_id}"

    @property
    def target(self) -> Deadline | Task:
        """What it reminds of: both have a matter, a due date and an "open" status."""
        return self.task if self.task_id is not None else self.deadline

    @property
    def is_stale(self) -> bool:
        return self.due_for is not None and self.due_for != self.target.due_date


class Delivery(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        IN_APP = "in_app", _("In the application")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        # Recorded (and committed) before the message goes to the mail server: found in
        # this state later, the hand-off may have happened, so it is resent with the same
        # Message-ID and counted.
        HANDOVER = "handover", _("Being handed to the mail server")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will retry")
        GAVE_UP = "gave_up", _("Failed for good")
        SKIPPED = "skipped", _("Not sent: no longer needed")

    class SkipReason(models.TextChoices):
        DEADLINE_CLOSED = "deadline_closed", _("the deadline was marked done or missed")
        DEADLINE_MOVED = "deadline_moved", _("the deadline moved to another date")
        MATTER_CLOSED = "matter_closed", _("the matter was closed")
        NO_ACCESS = "no_access", _("the recipient no longer has the matter")
        NOT_NEEDED = "not_needed", _("the deadline was confirmed or acknowledged")
        TASK_CLOSED = "task_closed", _("the task was marked done or cancelled")
        TASK_MOVED = "task_moved", _("the task moved to another date")
        REASSIGNED = "reassigned", _("the task was given to someone else")

    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    escalated = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # Written (and committed) just before this message goes to the mail server: an
    # attempt that died after this instant may have delivered it.
    handoff_started_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # The exception's class and first words: never a message body.
    last_error = models.CharField(max_length=200, blank=True)
    skip_reason = models.CharField(max_length=16, choices=SkipReason.choices, blank=True)
    # Times it was resent after an attempt that died mid-hand-off (the only case in
    # which the mail server may have received it twice, under the same Message-ID).
    uncertain_handoffs = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    notification = models.OneToOneField(
        "aftercare.Notification",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="delivery",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reminder", "recipient", "channel"], name="one_delivery_per_channel"
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="delivery_status")]

    def __str__(self) -> str:
        return f"delivery {self.pk} ({self.channel})"


class CalendarFeed(models.Model):
    """A person's secret calendar address for one organization they belong to. Only a
    hash of the token is stored, so a database leak does not leak working feed addresses.

    One per membership, not per person: a feed synced to a phone while acting for one
    organization never carries another organization's dates (two organizations may
    both have an "M-2026-0001").
    """

    membership = models.OneToOneField(
        "aftercare.Membership", on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"calendar feed of membership {self.membership_id}"


@receiver(post_save, sender=Deadline, dispatch_uid="reminders_follow_their_deadline")
def _reminders_follow_their_deadline(sender, instance: Deadline, created, raw, **kwargs) -> None:
    """A deadline saved with another date or status, by any path (a service, the admin, a
    shell), gets its reminders rewritten in the same transaction. Creation is left to the
    services, which schedule once the deadline has its responsible people."""
    if created or raw:
        return
    from cases.services.reminders import reminders_follow

    reminders_follow(deadline=instance)


@receiver(post_save, sender=Task, dispatch_uid="reminders_follow_their_task")
def _reminders_follow_their_task(sender, instance: Task, created, raw, **kwargs) -> None:
    """A task saved with another date or status, by any path, gets its reminders
    rewritten in the same transaction; creation is scheduled by `task_create`."""
    if created or raw:
        return
    from cases.services.reminders import reminders_follow_task

    reminders_follow_task(task=instance)
