"""Consent, what it lets other organizations see, referrals, and the service plan."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_model_fields.fields import EncryptedCharField, EncryptedTextField

from aftercare.models import Organization
from survivors.models.record import DataCategory, Need, Survivor


class Purpose(models.TextChoices):
    LEGAL_REPRESENTATION = "legal_representation", _("Legal representation")
    SERVICE_REFERRAL = "service_referral", _("Referral for services")
    REPORTING = "reporting", _("Reporting (de-identified counts)")


class ConsentQuerySet(models.QuerySet["Consent"]):
    def current(self, on: date | None = None) -> ConsentQuerySet:
        on = on or timezone.localdate()
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=on)
        )

    def visible_to(self, membership) -> ConsentQuerySet:
        return self.filter(survivor__in=Survivor.objects.visible_to(membership))

    def covering(self, *, organization_id: int, purpose: str) -> ConsentQuerySet:
        return self.filter(recipient_id=organization_id, purpose=purpose)


class Consent(models.Model):
    """The survivor's consent to share some categories with one organization, for one purpose.

    Invariants (checked by `survivors.services.consent_record`): a minor's consent
    needs the minor's assent and a guardian's or agency's consent; verbal consent
    names a witness; an override is a coordinator's decision with a reason.
    """

    PII_FIELDS = ("witness", "guardian_consent_by", "override_reason", "revoked_reason")

    class Method(models.TextChoices):
        WRITTEN = "written", _("Written, signed")
        VERBAL_WITNESSED = "verbal", _("Verbal, with a witness")
        OVERRIDE = "override", _("Coordinator override (no consent)")

    survivor = models.ForeignKey(Survivor, on_delete=models.CASCADE, related_name="consents")
    recipient = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("shared with")
    )
    purpose = models.CharField(_("purpose"), max_length=30, choices=Purpose.choices)
    categories = models.JSONField(_("what may be shared"), default=list)
    method = models.CharField(_("how consent was given"), max_length=10, choices=Method.choices)
    given_on = models.DateField(_("given on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    witness = EncryptedCharField(_("witness"), max_length=200, blank=True)
    minor_assent = models.BooleanField(_("the minor agrees"), default=False)
    guardian_consent_by = EncryptedCharField(
        _("guardian or agency consenting"), max_length=200, blank=True
    )
    override_reason = EncryptedTextField(_("reason for the override"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_reason = EncryptedTextField(_("reason for revoking"), blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["survivor", "recipient", "purpose"], name="consent_lookup")]

    def __str__(self) -> str:
        return f"consent {self.pk} of {self.survivor_id} for {self.recipient_id}"

    def is_current(self, on: date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.revoked_at is None and (self.expires_on is None or self.expires_on >= on)

    def category_labels(self) -> list[str]:
        labels = dict(DataCategory.choices)
        return [str(labels.get(code, code)) for code in self.categories]


class SurvivorShareQuerySet(models.QuerySet["SurvivorShare"]):
    def current(self, on: date | None = None) -> SurvivorShareQuerySet:
        """Shares still open whose consent is still current: checked on every read."""
        on = on or timezone.localdate()
        return self.filter(ended_at__isnull=True, consent__revoked_at__isnull=True).filter(
            Q(consent__expires_on__isnull=True) | Q(consent__expires_on__gte=on)
        )


class SurvivorShare(models.Model):
    """An organization's view of a survivor it did not record, bounded by one consent."""

    survivor = models.ForeignKey(Survivor, on_delete=models.CASCADE, related_name="shares")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="shares")
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = SurvivorShareQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["organization", "survivor"], name="share_lookup")]

    def __str__(self) -> str:
        return f"share of {self.survivor_id} with {self.organization_id}"


class SurvivorAccess(models.Model):
    """Which organizations see a survivor: the one that recorded them, and each one it
    was shared with while a consent is current. One row per survivor and organization.

    Invariant: kept in step with ownership and shares by `survivor_access_refresh` in
    the same transaction; `expires_on` is the latest expiry of the current consents
    behind the shares (None: the owner, or a consent without end), checked on every
    read. Lists join it like permission rows, in the order of its own index, so an
    organization's list costs the same whether it has shares or not.
    """

    survivor = models.ForeignKey(
        Survivor, on_delete=models.CASCADE, related_name="organization_access"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    # The list's order, copied here so that the organization's index serves it.
    survivor_created_at = models.DateTimeField()
    expires_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survivor", "organization"], name="one_access_per_organization"
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "-survivor_created_at", "-survivor"],
                name="survivor_access_list",
            )
        ]

    def __str__(self) -> str:
        return f"access to {self.survivor_id} for {self.organization_id}"


class ReferralQuerySet(models.QuerySet["Referral"]):
    def visible_to(self, membership) -> ReferralQuerySet:
        """Both ends of a referral see it: the sender's intake staff and coordinators,
        and the receiving organization's coordinators and admins."""
        if membership is None:
            return self.none()
        org = membership.organization_id
        role = membership.role_enum
        sent = Q(from_organization_id=org)
        if not role.sees_whole_organization:
            sent &= Q(sent_by_id=membership.user_id)
        received = Q(to_organization_id=org) if role.sees_whole_organization else Q(pk__in=[])
        return self.filter(sent | received)


class Referral(models.Model):
    """A request from one organization to another to take on part of a survivor's care."""

    PII_FIELDS = ("note", "decline_reason")

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # Every allowed move, and which side makes it. Nothing else changes a status.
    TRANSITIONS = {
        (Status.SENT, Status.ACCEPTED): "receiver",
        (Status.SENT, Status.DECLINED): "receiver",
        (Status.ACCEPTED, Status.IN_PROGRESS): "receiver",
        (Status.ACCEPTED, Status.COMPLETED): "receiver",
        (Status.IN_PROGRESS, Status.COMPLETED): "receiver",
        (Status.SENT, Status.WITHDRAWN): "sender",
        (Status.ACCEPTED, Status.WITHDRAWN): "sender",
        (Status.IN_PROGRESS, Status.WITHDRAWN): "sender",
    }
    OPEN = (Status.SENT, Status.ACCEPTED, Status.IN_PROGRESS)

    survivor = models.ForeignKey(Survivor, on_delete=models.CASCADE, related_name="referrals")
    from_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="referrals_sent"
    )
    to_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="referrals_received",
        verbose_name=_("refer to"),
    )
    purpose = models.CharField(_("for"), max_length=30, choices=Purpose.choices)
    need = models.CharField(_("need"), max_length=20, choices=Need.choices, blank=True)
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="referrals")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SENT)
    note = EncryptedTextField(_("note for the receiving organization"), blank=True)
    decline_reason = EncryptedTextField(_("reason"), blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["to_organization", "status", "-sent_at"], name="referral_inbox")
        ]

    def __str__(self) -> str:
        return f"referral {self.pk} of {self.survivor_id}"

    def side_of(self, organization_id: int) -> str | None:
        if organization_id == self.to_organization_id:
            return "receiver"
        if organization_id == self.from_organization_id:
            return "sender"
        return None

    def next_statuses(self, organization_id: int) -> list[str]:
        side = self.side_of(organization_id)
        return [
            new
            for (old, new), who in self.TRANSITIONS.items()
            if old == self.status and who == side
        ]


class ServiceGoalQuerySet(models.QuerySet["ServiceGoal"]):
    def visible_to(self, membership) -> ServiceGoalQuerySet:
        return self.filter(survivor__in=Survivor.objects.visible_to(membership))


class ServiceGoal(models.Model):
    """One goal of the survivor's service plan, tied to a need."""

    PII_FIELDS = ("description",)

    class Status(models.TextChoices):
        OPEN = "open", _("Working on it")
        ACHIEVED = "achieved", _("Achieved")
        DROPPED = "dropped", _("No longer pursued")

    survivor = models.ForeignKey(Survivor, on_delete=models.CASCADE, related_name="goals")
    need = models.CharField(_("need"), max_length=20, choices=Need.choices)
    description = EncryptedTextField(_("goal"))
    target_date = models.DateField(_("target date"), null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ServiceGoalQuerySet.as_manager()

    class Meta:
        ordering = ["need", "created_at"]

    def __str__(self) -> str:
        return f"goal {self.pk} of {self.survivor_id}"


class RetentionPolicy(models.Model):
    """How long an organization keeps a closed survivor record before erasing it."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="retention_policy"
    )
    years_after_closure = models.PositiveSmallIntegerField(_("years after closure"), default=7)
    enabled = models.BooleanField(
        _("erase automatically"),
        default=False,
        help_text=_("Off until an admin has read the dry-run report and switched it on."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"retention of {self.organization_id}"
