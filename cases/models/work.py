"""Privileged notes and hours: the legal team's own work on a matter."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_model_fields.fields import EncryptedTextField

from cases.models.matter import Matter


class MatterNote(models.Model):
    """A privileged note: append-only; a correction is a new note pointing at the old one."""

    PII_FIELDS = ("body",)

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = EncryptedTextField(_("note"))
    corrects = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="correction"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"note {self.pk} on {self.matter_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Notes are append-only: add a correction instead")
        super().save(*args, **kwargs)


class TimeEntry(models.Model):
    class Activity(models.TextChoices):
        CLIENT_MEETING = "meeting", _("Meeting with the client")
        RESEARCH = "research", _("Research")
        DRAFTING = "drafting", _("Drafting")
        COURT = "court", _("Court or agency appearance")
        TRAVEL = "travel", _("Travel")
        OTHER = "other", _("Other")

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="time_entries")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_entries"
    )
    date = models.DateField(_("date"), default=timezone.localdate)
    minutes = models.PositiveIntegerField(_("minutes"))
    activity = models.CharField(_("activity"), max_length=10, choices=Activity.choices)
    grant = models.ForeignKey(
        "cases.Grant",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="time_entries",
        verbose_name=_("grant"),
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Set when the entry goes out in a report (funder, court fee petition); from then on
    # the report and the entry must agree, so the entry is no longer corrected. Nothing
    # exports yet: the lock is honoured before its first writer exists.
    exported_at = models.DateTimeField(_("exported"), null=True, blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name_plural = "time entries"

    def __str__(self) -> str:
        return f"{self.minutes} min on {self.matter_id}"

    @property
    def is_exported(self) -> bool:
        return self.exported_at is not None
