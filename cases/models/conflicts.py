"""Conflict checks: the prospective client and adverse parties against everyone the
organization has ever served or opposed, through blind-index tokens only."""

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

from aftercare.access import GuardedQuerySet
from aftercare.models import Organization
from survivors.models import Referral, Survivor


class ConflictCheckQuerySet(GuardedQuerySet):
    def visible_to(self, membership, action: str = "view"):
        """Coordinators see their organization's checks; others, the checks they ran."""
        if membership is None:
            return self.none()
        mine = self.filter(organization_id=membership.organization_id)
        if membership.role_enum.sees_whole_organization:
            return mine
        return mine.filter(requested_by_id=membership.user_id)


class ConflictCheck(models.Model):
    """One run of the conflict check and the coordinator's decision on it."""

    PII_FIELDS = ("decision_reason",)

    class Decision(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        CLEARED = "cleared", _("Cleared: no conflict")
        WAIVED = "waived", _("Conflict waived")
        DECLINED = "declined", _("Declined: conflict")

    ALLOWS_OPENING = (Decision.CLEARED, Decision.WAIVED)

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Survivor, on_delete=models.PROTECT, related_name="+")
    referral = models.ForeignKey(
        Referral, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decision_reason = EncryptedTextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = ConflictCheckQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"conflict check {self.pk}"

    @property
    def allows_opening(self) -> bool:
        return self.decision in self.ALLOWS_OPENING


class ProspectiveParty(models.Model):
    """An adverse party named for a conflict check; becomes a Party when the matter opens."""

    PII_FIELDS = ("name", "aliases", "date_of_birth")

    conflict_check = models.ForeignKey(
        ConflictCheck, on_delete=models.CASCADE, related_name="parties"
    )
    role = models.CharField(max_length=12)
    name = EncryptedCharField(max_length=200)
    aliases = EncryptedTextField(blank=True)  # one per line
    date_of_birth = EncryptedDateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"prospective party of check {self.conflict_check_id}"

    def alias_list(self) -> list[str]:
        return [a.strip() for a in self.aliases.splitlines() if a.strip()]


class ConflictHit(models.Model):
    """One match: who was being checked, and where the match was found. No names."""

    class Found(models.TextChoices):
        CLIENT = "client", _("client")
        ADVERSE = "adverse", _("adverse party")
        RELATED = "related", _("related person")

    conflict_check = models.ForeignKey(ConflictCheck, on_delete=models.CASCADE, related_name="hits")
    checked = models.CharField(max_length=20)  # "client" or "party:<n>"
    found_as = models.CharField(max_length=10, choices=Found.choices)
    matter = models.ForeignKey(
        "cases.Matter", on_delete=models.CASCADE, null=True, related_name="+"
    )
    survivor = models.ForeignKey(Survivor, on_delete=models.CASCADE, null=True, related_name="+")
    strength = models.CharField(max_length=12)

    def __str__(self) -> str:
        return f"hit of check {self.conflict_check_id}"
