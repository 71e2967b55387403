"""Webhook endpoints an organization registers, the events recorded for it, and each
event's delivery to each endpoint with its attempts (the delivery log).

Nothing here holds personal data: an event is a type, a time and ids (its payload is
exactly what is sent). The signing secret is encrypted at rest.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_model_fields.fields import EncryptedCharField

from aftercare.models import Organization


class EventType(models.TextChoices):
    REFERRAL_SENT = "referral.sent", _("Referral sent (by your organization)")
    REFERRAL_RECEIVED = "referral.received", _("Referral received (by your organization)")
    REFERRAL_ACCEPTED = "referral.accepted", _("Referral accepted")
    REFERRAL_DECLINED = "referral.declined", _("Referral declined")
    REFERRAL_IN_PROGRESS = "referral.in_progress", _("Referral in progress")
    REFERRAL_COMPLETED = "referral.completed", _("Referral completed")
    REFERRAL_WITHDRAWN = "referral.withdrawn", _("Referral withdrawn")
    CONSENT_RECORDED = "consent.recorded", _("Consent recorded")
    CONSENT_REVOKED = "consent.revoked", _("Consent revoked")


class EndpointQuerySet(models.QuerySet["Endpoint"]):
    def visible_to(self, membership) -> EndpointQuerySet:
        """Endpoints are organization settings: its admins manage them."""
        if membership is None or not membership.role_enum.manages_members:
            return self.none()
        return self.filter(organization_id=membership.organization_id)


class Endpoint(models.Model):
    """An HTTPS address of a partner's system that receives the organization's events."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(_("address (URL)"), max_length=500)
    event_types = models.JSONField(_("events"), default=list)
    secret = EncryptedCharField(max_length=100)
    # When the current secret was shown to an admin: it is shown once, then never again.
    secret_shown_at = models.DateTimeField(null=True, blank=True)
    secret_created_at = models.DateTimeField(default=timezone.now)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = EndpointQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"webhook endpoint {self.pk}"

    def event_type_labels(self) -> list[str]:
        labels = dict(EventType.choices)
        return [str(labels.get(code, code)) for code in self.event_types]


class Event(models.Model):
    """Something an organization is told about: its type, when, and ids only.

    One row per organization concerned (each end of a referral is told from its own
    side: "sent" and "received"); `payload` is the body sent, built once.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="webhook_events"
    )
    type = models.CharField(max_length=40, choices=EventType.choices)
    occurred_at = models.DateTimeField(default=timezone.now)
    # Which record it is about, for the shredder's report: ids, as in the payload.
    referral_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    consent_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    payload = models.JSONField()

    class Meta:
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"webhook event {self.public_id}"


class Delivery(models.Model):
    """One event to one endpoint, exactly once: claimed, handed over, answered.

    PENDING -> SENDING (an attempt recorded and committed before the request goes out)
    -> DELIVERED on a 2xx, or FAILED with `next_attempt_at`, or GAVE_UP after
    MAX_ATTEMPTS. A SENDING row older than the send task's hard time limit belongs to
    a dead worker: it is sent again once, with the same event id, and counted.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed, will retry")
        GAVE_UP = "gave_up", _("Failed for good")
        SKIPPED = "skipped", _("Not sent: endpoint disabled")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Attempts resent because the worker died while one was under way: the receiver may
    # have had it, and dedupes on the event id.
    uncertain_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="webhook_once_per_endpoint")
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_ready"),
        ]

    def __str__(self) -> str:
        return f"webhook delivery {self.pk}"


class Attempt(models.Model):
    """One try of a delivery, for the log: when, the answer's status and how long it took.

    Written when the try begins; `status_code` and `duration_ms` when it ends. A try
    whose worker died keeps neither. `error` is the kind of failure, never a body.
    """

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=120, blank=True)
    next_retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"webhook attempt {self.delivery_id}/{self.number}"
