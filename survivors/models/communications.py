"""The communications log: every contact an organization had with a survivor.

Each organization keeps its own log: an entry belongs to the organization that logged
it, and no other organization reads it, whatever it may otherwise see of the survivor.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_model_fields.fields import EncryptedCharField, EncryptedTextField

from aftercare.models import Organization
from survivors.models.record import SafeContact, Survivor

SUMMARY_MAX_LENGTH = 1000


class CommunicationQuerySet(models.QuerySet["Communication"]):
    def visible_to(self, membership) -> CommunicationQuerySet:
        """The acting organization's own entries, about survivors the member may see."""
        if membership is None:
            return self.none()
        return self.filter(
            organization_id=membership.organization_id,
            survivor__in=Survivor.objects.visible_to(membership).values("pk"),
        )


class Communication(models.Model):
    """One call, meeting, letter or message with a survivor, inbound or outbound.

    Invariant: an outbound entry on a channel the survivor's safe-contact rules do not
    allow at `occurred_at` exists only with a coordinator's override and its reason
    (`survivors.services.communications.communication_log`).
    """

    PII_FIELDS = ("summary", "interpreter_language", "override_reason")

    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        MEETING = "meeting", _("Meeting")
        LETTER = "letter", _("Letter")
        MESSAGE = "message", _("Message")
        IN_PERSON = "in_person", _("In person")

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", _("Outbound (we contacted them)")
        INBOUND = "inbound", _("Inbound (they contacted us)")

    class Channel(models.TextChoices):
        # The first four are the safe-contact channels: their rules decide outbound use.
        PHONE = SafeContact.Channel.PHONE, SafeContact.Channel.PHONE.label
        SMS = SafeContact.Channel.SMS, SafeContact.Channel.SMS.label
        EMAIL = SafeContact.Channel.EMAIL, SafeContact.Channel.EMAIL.label
        POST = SafeContact.Channel.POST, SafeContact.Channel.POST.label
        VIDEO = "video", _("Video call")
        IN_PERSON = "in_person", _("In person")

    survivor = models.ForeignKey(Survivor, on_delete=models.CASCADE, related_name="communications")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("staff member"),
    )
    interpreter_language = EncryptedCharField(
        _("interpreter used (language)"),
        max_length=60,
        blank=True,
        help_text=_("Leave empty when no interpreter was used."),
    )
    summary = EncryptedTextField(_("summary"), blank=True)
    # Set only when a coordinator logged an outbound contact the safe-contact rules refused.
    override_reason = EncryptedTextField(_("reason for the override"), blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = CommunicationQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(
                fields=["survivor", "organization", "-occurred_at", "-id"],
                name="communication_log_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} with {self.survivor_id}"  # never the summary

    @property
    def overridden(self) -> bool:
        return self.overridden_by_id is not None
