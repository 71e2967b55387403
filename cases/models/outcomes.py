"""What a matter achieved: any number of dated outcomes (`cases.outcomes` lists them)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.matter import Matter
from cases.outcomes import CURRENCIES, OutcomeKind, StatusObtained


class MatterOutcome(models.Model):
    """One outcome of one matter: what, when, and an amount or a status where it has one.

    No free text: the outcome is the organization's record of its work, counted in
    reports, and says nothing that identifies the client.
    """

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="outcomes")
    kind = models.CharField(_("outcome"), max_length=20, choices=OutcomeKind.choices)
    date = models.DateField(_("date"))
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCIES, blank=True)
    status = models.CharField(
        _("status obtained"), max_length=20, choices=StatusObtained.choices, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["matter", "date"], name="outcome_matter_date")]

    def __str__(self) -> str:
        return f"{self.kind} on {self.matter_id}"
