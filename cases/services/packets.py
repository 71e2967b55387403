"""Filing packets: choosing the parts, asking for a build, downloading a version.

The paralegal picks, in order, generated document versions of the matter and evidence
files (the matter's, and those of the client's own record when they may see them).
Asking for a build queues it in the worker; the build itself is
`cases.services.packet_build`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from aftercare.actor import Actor
from aftercare.audit import audit_record_by
from cases.models import DocumentVersion, Matter, Packet, PacketVersion
from survivors.identity import IdentityUse, IdentityWithheld, survivor_identity_for

NOTHING_CHOSEN = _("Choose at least one document or evidence file for the packet.")
VERSION_ERASED = _(
    "This packet was erased with the client's data. Its record (who built it, when, the "
    "fingerprint of each part) stays on the packet page."
)
VERSION_WITHHELD = _(
    "This packet prints the client's name, and your organization may no longer know it: %(reason)s"
)

DOCUMENT, EVIDENCE = "document", "evidence"


@dataclass(frozen=True)
class Candidate:
    """One part the paralegal may choose."""

    kind: str
    id: int
    title: str
    detail: str
    pages: int
    record_level: bool = False  # a file of the client's own record, not of the matter

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


def document_part_title(version: DocumentVersion) -> str:
    if version.draft.language != "en":
        return f"{version.template_name} ({version.draft.language_name})"
    return version.template_name


def evidence_part_title(evidence) -> str:
    return (
        evidence.description.strip().splitlines()[0][:200]
        if evidence.description.strip()
        else str(evidence.get_kind_display())
    )


def packet_candidates(matter: Matter, *, record_evidence: bool) -> list[Candidate]:
    """What may go into the matter's packet: its generated document versions (not
    erased), its evidence, and the client record's evidence when the member sees it."""
    from evidence.models import Evidence

    found = [
        Candidate(
            DOCUMENT,
            v.pk,
            document_part_title(v),
            gettext("version %(n)s") % {"n": v.number},
            v.pages,
        )
        for v in matter.documents.filter(erased_at__isnull=True)
        .select_related("draft")
        .order_by("draft_id", "-number")
    ]
    files = Evidence.objects.of_matter(matter)
    if record_evidence:
        files = files | Evidence.objects.of_survivor_record(matter.client)
    for evidence in files.order_by("-uploaded_at", "-id"):
        found.append(
            Candidate(
                EVIDENCE,
                evidence.pk,
                evidence_part_title(evidence),
                str(evidence.get_kind_display())
                + ("" if evidence.matter_id else " · " + gettext("client's record")),
                evidence.pages,
                record_level=evidence.matter_id is None,
            )
        )
    return found


def packet_create(*, actor: Actor, matter: Matter) -> Packet:
    with transaction.atomic():
        packet = Packet.objects.create(matter=matter, created_by=actor.user)
        audit_record_by(actor, "cases.packet.created", target=matter, payload={"packet": packet.pk})
    return packet


def packet_save(
    *,
    actor: Actor,
    packet: Packet,
    chosen: list[str],
    allowed: set[str],
    addressee: str,
    subject: str,
    pdf_a: bool,
) -> None:
    """Keep the parts chosen, in order. `allowed`: the keys this member was offered (a
    key that was not offered is dropped, never trusted). Parts already chosen that this
    member was not offered (a file of the client's record they may not see) stay, after
    theirs: saving what one sees never loses what another chose."""
    selection, seen = [], set()
    for key in chosen:
        if key in allowed and key not in seen:
            kind, _sep, pk = key.partition(":")
            selection.append({"kind": kind, "id": int(pk)})
            seen.add(key)
    selection += [
        part for part in packet.selection if f"{part['kind']}:{part['id']}" not in allowed
    ]
    if (selection, addressee, subject, pdf_a) == (
        packet.selection,
        packet.addressee,
        packet.subject,
        packet.pdf_a,
    ):
        return  # nothing changed (a form sent again): nothing to write
    with transaction.atomic():
        packet.selection = selection
        packet.addressee, packet.subject, packet.pdf_a = addressee, subject, pdf_a
        packet.save(update_fields=["selection", "addressee", "subject", "pdf_a"])
        audit_record_by(
            actor,
            "cases.packet.saved",
            target=packet.matter,
            payload={"packet": packet.pk, "parts": len(selection)},
        )


def packet_build(*, actor: Actor, packet: Packet) -> None:
    """Queue the build in the worker. A second click while it is under way does nothing."""
    from cases.tasks import packet_build as build_task

    if not packet.selection:
        raise ValidationError(NOTHING_CHOSEN)
    user_id, language = actor.user_id, get_language()
    with transaction.atomic():
        locked = Packet.objects.select_for_update().get(pk=packet.pk)
        if locked.progress() in ("queued", "building", "merging"):
            return  # one click, one version (a stalled build may be asked again)
        Packet.objects.filter(pk=packet.pk).update(
            status=Packet.Status.QUEUED,
            error="",
            step=0,
            steps=0,
            status_changed_at=timezone.now(),
        )
        audit_record_by(
            actor,
            "cases.packet.build_requested",
            target=packet.matter,
            payload={"packet": packet.pk},
        )
        transaction.on_commit(lambda: build_task.delay(packet.pk, user_id, language))


def packet_download(*, actor: Actor, version: PacketVersion) -> bytes:
    """The PDF, if the organization may still know everything it prints, now (as for a
    generated document: cases.services.documents.document_download)."""
    from evidence.storage import decrypted_read

    if version.is_erased:
        raise PermissionDenied(VERSION_ERASED)
    if version.names_client:
        try:
            identity = survivor_identity_for(
                actor=actor,
                survivor=version.packet.matter.client,
                use=IdentityUse.DOCUMENT,
                fields={"legal_name"},
            )
            reason = identity.why_not("legal_name")
        except IdentityWithheld as withheld:
            reason = withheld.reason
        if reason:
            raise PermissionDenied(VERSION_WITHHELD % {"reason": reason})
    with transaction.atomic():
        audit_record_by(
            actor,
            "cases.packet.downloaded",
            target=version.packet.matter,
            payload={"packet": version.packet_id, "version": version.pk},
        )
    return decrypted_read(version.storage_name)
