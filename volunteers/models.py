"""Volunteer attorneys and paralegals: profile, bar admissions, trainings and checks."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class VolunteerProfile(models.Model):
    class Kind(models.TextChoices):
        ATTORNEY = "attorney", _("Attorney")
        PARALEGAL = "paralegal", _("Paralegal")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer_profile"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    firm = models.CharField(_("firm"), max_length=200, blank=True)
    malpractice_coverage = models.BooleanField(_("malpractice coverage"), default=False)
    practice_areas = models.JSONField(_("practice areas"), default=list, blank=True)
    languages = models.JSONField(
        _("languages"),
        default=list,
        blank=True,
        help_text=_("Language names, e.g. Spanish, Tigrinya"),
    )
    capacity = models.PositiveSmallIntegerField(_("active matters they can carry"), default=3)
    paused_until = models.DateField(_("paused until"), null=True, blank=True)

    def __str__(self) -> str:
        return f"volunteer {self.user_id}"

    def is_paused(self, on: date) -> bool:
        return self.paused_until is not None and self.paused_until >= on


class BarAdmission(models.Model):
    profile = models.ForeignKey(
        VolunteerProfile, on_delete=models.CASCADE, related_name="admissions"
    )
    jurisdiction = models.CharField(_("jurisdiction (state code)"), max_length=10)
    number = models.CharField(_("bar number"), max_length=40)
    active = models.BooleanField(_("in good standing"), default=True)

    def __str__(self) -> str:
        return f"admission {self.jurisdiction} of {self.profile_id}"


class Credential(models.Model):
    """A training or a background check, with the dates that make it current."""

    class Kind(models.TextChoices):
        TRAUMA_INFORMED = "trauma", _("Trauma-informed care training")
        TRAFFICKING_LAW = "trafficking_law", _("Trafficking law training")
        CONFIDENTIALITY = "confidentiality", _("Confidentiality training")
        BACKGROUND_CHECK = "background_check", _("Background check")

    profile = models.ForeignKey(
        VolunteerProfile, on_delete=models.CASCADE, related_name="credentials"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    completed_on = models.DateField(_("completed on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} of {self.profile_id}"

    def is_current(self, on: date) -> bool:
        return self.completed_on <= on and (self.expires_on is None or self.expires_on >= on)
