"""Document drafts and every generated version, kept with who, when and from what data."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from encrypted_model_fields.fields import EncryptedTextField

from cases.models.matter import Matter


def template_name(code: str) -> str:
    """The template's name in the reader's language; the code itself once it is retired."""
    from cases.documents.registry import TEMPLATES

    template = TEMPLATES.get(code)
    return str(template.name) if template else code


class DocumentDraftQuerySet(models.QuerySet["DocumentDraft"]):
    def visible_to(self, membership) -> DocumentDraftQuerySet:
        return self.filter(matter__in=Matter.objects.visible_to(membership))


class DocumentDraft(models.Model):
    """What the paralegal typed for one document; kept as it was when a render fails."""

    PII_FIELDS = ("fields_json", "error")

    class Status(models.TextChoices):
        EDITING = "editing", "editing"
        GENERATING = "generating", "queued"  # asked for; no worker has taken it yet
        RENDERING = "rendering", "rendering"  # a worker took it
        FAILED = "failed", "failed"

    # How long a generation may show no progress before the page says the document
    # service did not answer and offers to try again: a worker takes a task within a
    # second or two; a render is killed at the task's time limit (cases/tasks.py).
    QUEUE_PATIENCE = timedelta(seconds=30)
    RENDER_PATIENCE = timedelta(seconds=180)

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="document_drafts")
    template_code = models.CharField(max_length=40)
    fields_json = EncryptedTextField(default="{}")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.EDITING)
    error = EncryptedTextField(blank=True)
    # When the status last changed: a generation that makes no progress is noticed.
    status_changed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    # The language the document prints in, and, for a translation set (the declaration
    # in the client's language and its certificate of translation), the English
    # declaration they go with: shown together on the documents page.
    language = models.CharField(max_length=8, default="en")
    pair_of = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="companions"
    )

    objects = DocumentDraftQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return f"draft {self.pk} on {self.matter_id}"

    @property
    def fields(self) -> dict:
        return json.loads(self.fields_json or "{}")

    @property
    def template_name(self) -> str:
        return template_name(self.template_code)

    @property
    def language_name(self) -> str:
        """The language the document prints in, in the reader's language."""
        from cases.documents.languages import language_of

        return language_of(self.language).label

    def progress(self, now: datetime | None = None) -> str:
        """Where a generation stands: idle, queued, rendering, stalled or failed.

        "stalled": queued or rendering for longer than its patience, so the worker is
        down or died; asking again is safe (the render task claims a draft once).
        """
        if self.status == self.Status.FAILED:
            return "failed"
        if self.status not in (self.Status.GENERATING, self.Status.RENDERING):
            return "idle"
        queued = self.status == self.Status.GENERATING
        patience = self.QUEUE_PATIENCE if queued else self.RENDER_PATIENCE
        since = self.status_changed_at or self.updated_at
        if since and (now or timezone.now()) - since > patience:
            return "stalled"
        return "queued" if queued else "rendering"


class DocumentVersionQuerySet(models.QuerySet["DocumentVersion"]):
    def visible_to(self, membership) -> DocumentVersionQuerySet:
        return self.filter(matter__in=Matter.objects.visible_to(membership))


class DocumentVersion(models.Model):
    """One generated PDF. The PDF and the data it came from are encrypted at rest."""

    PII_FIELDS = ("pdf_base64", "snapshot_json")

    draft = models.ForeignKey(DocumentDraft, on_delete=models.PROTECT, related_name="versions")
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="documents")
    number = models.PositiveIntegerField()
    template_code = models.CharField(max_length=40)
    template_version = models.PositiveIntegerField()
    pdf_base64 = EncryptedTextField()
    sha256 = models.CharField(max_length=64)
    pages = models.PositiveIntegerField()
    snapshot_json = EncryptedTextField()
    # Whether the PDF prints the client's legal name (not a pseudonym): such a version
    # is handed out only while the organization may still know that name.
    names_client = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Set when an erasure wiped the PDF and its data: number, hash, pages and who/when
    # stay, so the matter's history still shows that this version existed.
    erased_at = models.DateTimeField(null=True, blank=True)

    objects = DocumentVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "number"], name="one_version_number_per_draft")
        ]

    def __str__(self) -> str:
        return f"document {self.pk} v{self.number} on {self.matter_id}"

    @property
    def template_name(self) -> str:
        return template_name(self.template_code)

    @property
    def language_name(self) -> str:
        """The language the document prints in, in the reader's language."""
        from cases.documents.languages import language_of

        return language_of(self.language).label

    @property
    def is_erased(self) -> bool:
        """The PDF and its data were wiped by an erasure: there is nothing to hand out."""
        return self.erased_at is not None

    @property
    def pdf(self) -> bytes:
        return base64.b64decode(self.pdf_base64)

    def file_name(self) -> str:
        """The matter number, a neutral label and the version: no name, no kind of matter."""
        from cases.documents.registry import TEMPLATES

        template = TEMPLATES.get(self.template_code)
        label = template.label if template else "document"
        # The declarant's-language version of a declaration downloads beside the English
        # one: its language code keeps the two files apart.
        language = "" if self.draft.language == "en" else f"-{self.draft.language}"
        return f"{self.matter.number}-{label}{language}-v{self.number}.pdf"
