"""The engagement: the moment a survivor becomes a legal organization's own client.

Two ways of knowing a person (../shared/DOMAIN.md). What a partner NGO shared under
consent ends with that consent. What the client tells her own lawyers, once she has
engaged the legal organization, is that organization's client file: it is recorded here,
in the legal organization's own encrypted fields, and a later revocation or erasure of
the NGO's record does not touch it. It follows the legal organization's own retention
and legal hold instead.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_model_fields.fields import (
    EncryptedCharField,
    EncryptedDateField,
    EncryptedTextField,
)

from aftercare.models import Organization
from survivors.models.record import Survivor


class EngagementQuerySet(models.QuerySet["Engagement"]):
    def visible_to(self, membership) -> EngagementQuerySet:
        """An organization's own client files, to those of its members who may see the
        client (coordinators and admins: all of them)."""
        if membership is None:
            return self.none()
        return self.filter(
            organization_id=membership.organization_id,
            survivor__in=Survivor.objects.visible_to(membership),
        )


class Engagement(models.Model):
    """A legal organization's engagement by a survivor, and its client file's identity.

    Invariants: at most one current engagement per survivor and organization; the
    identity fields hold what the client gave this organization (pre-filled from what
    a consent let it see, completed at its own intake) and are read only through
    `survivors.identity`; erasing it wipes them and keeps the row as proof of the
    engagement's dates (no personal data).
    """

    # The client file's identity: the same names as the survivor record's fields, so
    # that the identity door reads either source the same way.
    IDENTITY_FIELDS = (
        "legal_name",
        "preferred_name",
        "date_of_birth",
        "gender",
        "country_of_origin",
        "nationality",
        "languages",
        "guardian_name",
        "guardian_contact",
    )
    PII_FIELDS = (*IDENTITY_FIELDS, "scope")

    survivor = models.ForeignKey(Survivor, on_delete=models.PROTECT, related_name="engagements")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="engagements"
    )
    engaged_on = models.DateField(_("engaged on"))
    scope = EncryptedTextField(
        _("scope of the representation"),
        help_text=_("For example: T visa and related immigration matters."),
    )
    letter_signed = models.BooleanField(_("engagement letter signed"), default=False)
    letter_signed_on = models.DateField(_("letter signed on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    legal_hold = models.BooleanField(
        _("legal hold"),
        default=False,
        help_text=_("While set, the client file cannot be erased."),
    )

    legal_name = EncryptedCharField(_("legal name"), max_length=200, blank=True)
    preferred_name = EncryptedCharField(_("preferred name"), max_length=200, blank=True)
    date_of_birth = EncryptedDateField(_("date of birth"), null=True, blank=True)
    gender = EncryptedCharField(_("gender"), max_length=60, blank=True)
    country_of_origin = EncryptedCharField(_("country of origin"), max_length=60, blank=True)
    nationality = EncryptedCharField(_("nationality"), max_length=60, blank=True)
    languages = EncryptedCharField(_("languages"), max_length=200, blank=True)
    interpreter_needed = models.BooleanField(_("interpreter needed"), default=False)
    guardian_name = EncryptedCharField(_("guardian or custodian"), max_length=200, blank=True)
    guardian_contact = EncryptedCharField(_("guardian contact"), max_length=200, blank=True)

    objects = EngagementQuerySet.as_manager()

    class Meta:
        ordering = ["-engaged_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["survivor", "organization"],
                condition=models.Q(ended_at__isnull=True, erased_at__isnull=True),
                name="one_current_engagement_per_org",
            )
        ]

    def __str__(self) -> str:
        return f"engagement {self.pk} of {self.survivor_id} by {self.organization_id}"


class ClientFileToken(models.Model):
    """A keyed hash of a name or birth date in a legal organization's client file.

    Its organization's conflict checks alone read it: what the client told her lawyers
    (a fuller name, another spelling) is found by their checks, never by another
    organization's or by a search. It outlives the client file's erasure on purpose,
    unreadable, so that a former client is still found.
    """

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="tokens")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12)
    token = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["organization", "token"], name="client_file_token_lookup")]

    def __str__(self) -> str:
        return f"{self.kind} token of engagement {self.engagement_id}"
