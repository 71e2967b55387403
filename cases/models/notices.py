"""Notices an immigration agency sends about a matter: the log the team works from."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_model_fields.fields import EncryptedCharField

from cases.models.deadlines import Deadline
from cases.models.matter import Matter


class AgencyNotice(models.Model):
    """One notice received on an immigration matter (USCIS, EOIR, a consulate).

    An RFE or a NOID brings its response deadline (`deadline`), computed from the rule
    pack and unconfirmed until an attorney checks it; see `cases.services.notices`.
    """

    PII_FIELDS = ("receipt_number",)

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt notice")
        BIOMETRICS = "biometrics", _("Biometrics appointment")
        INTERVIEW = "interview", _("Interview notice")
        RFE = "rfe", _("Request for evidence (RFE)")
        NOID = "noid", _("Notice of intent to deny (NOID)")
        APPROVAL = "approval", _("Approval notice")
        DENIAL = "denial", _("Denial notice")
        TRANSFER = "transfer", _("Transfer notice")

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("notice"), max_length=12, choices=Kind.choices)
    notice_date = models.DateField(_("notice date"), help_text=_("The date printed on the notice."))
    came_by_mail = models.BooleanField(
        _("it came by mail"),
        default=False,
        help_text=_("Mailed notices give extra days to respond (the mailbox rule)."),
    )
    receipt_number = EncryptedCharField(
        _("receipt number"),
        max_length=60,
        blank=True,
        help_text=_("As printed on the notice, for example EAC2190012345."),
    )
    deadline = models.ForeignKey(
        Deadline,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name=_("response deadline"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-notice_date", "-id"]
        indexes = [models.Index(fields=["matter", "-notice_date"], name="notice_matter_date")]

    def __str__(self) -> str:
        # Never the receipt number: str() ends up in logs and error reports.
        return f"{self.kind} notice {self.pk} of matter {self.matter_id}"

    @property
    def asks_for_response(self) -> bool:
        return self.kind in (self.Kind.RFE, self.Kind.NOID)
