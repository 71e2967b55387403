"""Evidence files: one row per file, the file itself encrypted in the evidence storage.

Invariant: the row holds no file content (never base64 in a column): the encrypted bytes
live in the evidence storage under `storage_name`, a random name that says nothing of
the file. What may be personal (the original file name, the description) is encrypted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_model_fields.fields import EncryptedCharField, EncryptedTextField

from aftercare.models import Organization


class EvidenceQuerySet(models.QuerySet):
    def of_survivor_record(self, survivor) -> EvidenceQuerySet:
        """The files kept on the survivor's record itself (not on one of their matters)."""
        return self.filter(survivor=survivor, matter__isnull=True)

    def of_matter(self, matter) -> EvidenceQuerySet:
        return self.filter(matter=matter)

    def for_list(self) -> EvidenceQuerySet:
        return self.select_related("uploaded_by").order_by("-uploaded_at", "-id")


class Evidence(models.Model):
    """One file a survivor's organization or a matter's team keeps as evidence."""

    PII_FIELDS = ("original_name", "description")

    class Kind(models.TextChoices):
        IDENTITY_DOCUMENT = "identity_document", _("Identity document")
        AGENCY_NOTICE = "agency_notice", _("Agency notice")
        POLICE_REPORT = "police_report", _("Police report")
        MEDICAL = "medical", _("Medical record")
        TRAFFICKING = "trafficking", _("Evidence of trafficking")
        OTHER = "other", _("Other")

    # The organization that keeps it: the survivor's, or the matter's.
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="evidence"
    )
    # Always set, also for a matter's file (its client): erasure finds every file of a
    # person by this column.
    survivor = models.ForeignKey(
        "survivors.Survivor", on_delete=models.PROTECT, related_name="evidence"
    )
    matter = models.ForeignKey(
        "cases.Matter", null=True, blank=True, on_delete=models.PROTECT, related_name="evidence"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = EncryptedTextField(_("description"), blank=True)
    original_name = EncryptedCharField(max_length=255, blank=True)
    storage_name = models.CharField(max_length=100, unique=True)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()  # of the cleaned file
    pages = models.PositiveIntegerField(default=1)
    sha256 = models.CharField(max_length=64)  # of the cleaned file: its provenance
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["survivor", "-uploaded_at"], name="evidence_by_survivor"),
            models.Index(fields=["matter", "-uploaded_at"], name="evidence_by_matter"),
        ]

    def __str__(self) -> str:
        return f"evidence {self.pk}"

    @property
    def extension(self) -> str:
        return {"application/pdf": "pdf", "image/png": "png"}.get(self.content_type, "jpg")

    @property
    def download_name(self) -> str:
        """A name that says what the file is, not whose: its number, kind and day of
        upload, ending as what it now is (a HEIC photo is a JPEG once cleaned). The name
        it was uploaded with ("maria_gomez_passport.pdf") would land in the downloads
        folder and the recent-files list of every computer it is opened on."""
        kind = self.kind.replace("_", "-")
        day = timezone.localdate(self.uploaded_at).isoformat()
        return f"evidence-{self.pk}-{kind}-{day}.{self.extension}"
