"""Filing packets: the paralegal's choice of documents and evidence, and each built PDF.

A packet is one PDF a court or agency receives: a cover letter with an exhibit index,
then each exhibit behind a tab page, every page after the cover stamped with a
Bates-style number. Building again makes a new version; every version keeps where each
part came from (the document version or evidence file, its SHA-256, its pages), so a
filed packet can be traced to its inputs long after they changed.

Invariants: the built PDF is encrypted in the evidence storage (it holds evidence
files, which never sit as base64 in a database column); a row holds only its random
storage name. What may be personal (the addressee, the parts' titles) is encrypted.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from encrypted_model_fields.fields import EncryptedCharField, EncryptedTextField

from cases.models.matter import Matter


class PacketQuerySet(models.QuerySet["Packet"]):
    def visible_to(self, membership) -> PacketQuerySet:
        return self.filter(matter__in=Matter.objects.visible_to(membership))


class Packet(models.Model):
    """What goes into a matter's filing packet, in order, and how its build stands."""

    PII_FIELDS = ("addressee", "subject", "error")

    class Status(models.TextChoices):
        EDITING = "editing", "editing"
        QUEUED = "queued", "queued"  # asked for; no worker has taken it yet
        BUILDING = "building", "building"  # a worker took it: preparing part N of M
        MERGING = "merging", "merging"  # all parts ready: merging, stamping, storing
        FAILED = "failed", "failed"

    # As for documents (DocumentDraft): a worker takes a task within seconds, and the
    # build task is killed at its hard limit (cases/tasks.py), below RENDER_PATIENCE.
    QUEUE_PATIENCE = timedelta(seconds=30)
    BUILD_PATIENCE = timedelta(seconds=180)

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="packets")
    # The cover letter: to whom, and its subject line ("Re: ..."); typed, so encrypted.
    addressee = EncryptedTextField(blank=True)
    subject = EncryptedCharField(max_length=300, blank=True)
    # The chosen parts in order: [{"kind": "document"|"evidence", "id": 12}, ...]. Ids
    # only, no titles: what each one is called is read when the packet is built.
    selection = models.JSONField(default=list)
    pdf_a = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.EDITING)
    step = models.PositiveIntegerField(default=0)
    steps = models.PositiveIntegerField(default=0)
    error = EncryptedTextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = PacketQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"packet {self.pk} on {self.matter_id}"

    def progress(self, now: datetime | None = None) -> str:
        """idle, queued, building, merging, stalled or failed (see DocumentDraft.progress)."""
        if self.status == self.Status.FAILED:
            return "failed"
        if self.status == self.Status.EDITING:
            return "idle"
        queued = self.status == self.Status.QUEUED
        patience = self.QUEUE_PATIENCE if queued else self.BUILD_PATIENCE
        since = self.status_changed_at or self.created_at
        if (now or timezone.now()) - since > patience:
            return "stalled"
        return self.status


class PacketVersionQuerySet(models.QuerySet["PacketVersion"]):
    def visible_to(self, membership) -> PacketVersionQuerySet:
        return self.filter(packet__matter__in=Matter.objects.visible_to(membership))


class PacketVersion(models.Model):
    """One built packet PDF, encrypted in the evidence storage under a random name."""

    packet = models.ForeignKey(Packet, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    storage_name = models.CharField(max_length=100, blank=True)
    sha256 = models.CharField(max_length=64)
    pages = models.PositiveIntegerField()
    cover_pages = models.PositiveIntegerField()
    bates_prefix = models.CharField(max_length=40)
    pdf_a = models.BooleanField(default=False)
    # Whether a part prints the client's legal name (a generated document made without
    # a pseudonym): handed out only while the organization may still know that name.
    names_client = models.BooleanField(default=True)
    # Whether a part is a file of the client's own record (not of the matter): handed
    # out only to those who may see the record's documents.
    has_record_evidence = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Set when an erasure wiped the file and the parts' titles; numbers, hashes and
    # page ranges stay, so the matter's history still shows what was filed.
    erased_at = models.DateTimeField(null=True, blank=True)

    objects = PacketVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["packet", "number"], name="one_version_number_per_packet"
            )
        ]

    def __str__(self) -> str:
        return f"packet {self.packet_id} v{self.number}"

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    def bates(self, sequence: int) -> str:
        return bates_number(self.bates_prefix, sequence)

    def file_name(self) -> str:
        """The matter number and the version: no name, no kind of matter."""
        return f"{self.bates_prefix}-packet-v{self.number}.pdf"


def bates_number(prefix: str, sequence: int) -> str:
    return f"{prefix}-{sequence:06d}"


class PacketPart(models.Model):
    """Where one part of a built packet came from: its provenance."""

    PII_FIELDS = ("title",)

    class Kind(models.TextChoices):
        COVER = "cover", "cover"
        DOCUMENT = "document", "document"
        EVIDENCE = "evidence", "evidence"

    version = models.ForeignKey(PacketVersion, on_delete=models.CASCADE, related_name="parts")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    exhibit = models.CharField(max_length=4, blank=True)  # "A", ..., "AA"; "" for the cover
    # The input's id, kept as a number: the document version or evidence file may be
    # erased or removed later, and the packet's record of it stays.
    source_id = models.PositiveIntegerField(null=True, blank=True)
    title = EncryptedCharField(max_length=300, blank=True)
    # A file of the client's own record (not of the matter): its title is shown only to
    # those who may see the record's documents.
    record_level = models.BooleanField(default=False)
    sha256 = models.CharField(max_length=64)  # of the input's decrypted bytes
    first_page = models.PositiveIntegerField()  # in the packet, its tab page included
    last_page = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="one_part_per_position")
        ]

    def __str__(self) -> str:
        return f"part {self.position} of {self.version_id}"
