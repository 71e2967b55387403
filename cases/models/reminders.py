"""Reminders of deadlines. The database is the source of truth: a reminder row is due at
a time, claimed once, and fans out into deliveries with a unique (reminder, recipient,
channel) key, so no retry, second scheduler or restarted worker can send one twice."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.models import Organization
from cases.models.deadlines import Deadline

DEFAULT_OFFSETS = [30, 7, 1, 0]  # days before; 0 is the morning of


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

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REMINDER)
    days_before = models.SmallIntegerField()
    due_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["deadline", "kind", "days_before"], name="one_reminder_per_offset"
            )
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
        return f"{self.kind} {self.days_before}d before deadline {self.deadline_id}"


class Delivery(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        IN_APP = "in_app", _("In the application")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will retry")
        GAVE_UP = "gave_up", _("Failed for good")

    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    escalated = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
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
