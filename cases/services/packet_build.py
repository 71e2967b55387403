"""Building a filing packet, in the worker (`cases.tasks.packet_build`).

Claimed once per click (a redelivered task finds nothing, unless the build it repeats
has stalled); each chosen part is read, hashed and turned into pages, reporting "part N
of M"; the cover, tabs and stamps are drawn in the renderer's limited child; then the
parts are merged and stamped ("merging"), made PDF/A-2b as a whole when that is chosen
(cases/packets/pdfa.py, still "merging"), and the PDF is stored encrypted as a new
version with the provenance of every part. A failure keeps the choices and says why.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from aftercare.actor import Actor, Channel
from aftercare.audit import audit_record_by
from cases.documents.renderer import MissingGlyphError, RenderError, RenderTimeoutError
from cases.models import DocumentVersion, Packet, PacketPart, PacketVersion
from cases.models.packets import bates_number
from cases.packets.assembly import Exhibit, assemble, pdf_pages, photo_page
from cases.packets.pages import cover_render, exhibit_letter, index_entries, marks_render
from cases.packets.pdfa import Expected, PdfAError, to_pdfa
from cases.services.packets import (
    DOCUMENT,
    NOTHING_CHOSEN,
    document_part_title,
    evidence_part_title,
)

PART_GONE = _(
    "A part chosen for the packet was removed or erased since it was chosen. Choose the "
    "parts again and build once more."
)
BUILD_TOO_LONG = _("Building took too long: try again with fewer or smaller exhibits.")
BUILD_FAILED = _("An exhibit could not be read or a page could not be drawn: %(detail)s")
UNPRINTABLE_TITLE = _(
    "A part's title or the cover letter contains characters that no font installed here "
    "can print (%(characters)s). Change the evidence file's description or the cover "
    "letter, and build again."
)
PDFA_UNAVAILABLE = _(
    "PDF/A cannot be made on this server (Ghostscript is not installed). Untick PDF/A to "
    "build the packet as a plain PDF, or ask your administrator."
)
PDFA_TOO_LONG = _(
    "Making the packet PDF/A took too long: try again with fewer or smaller exhibits, or "
    "without PDF/A."
)
PDFA_FAILED = _(
    "The packet could not be made PDF/A-2b: an exhibit holds something PDF/A does not "
    "allow, or the conversion changed the packet (%(detail)s). Build it without PDF/A, or "
    "replace that exhibit with a scan or a printout saved as PDF."
)
BUILD_CRASHED = _("The document service stopped while building. Your choices are kept; try again.")


def _worker_actor(packet: Packet, user_id: int) -> Actor:
    from aftercare.models import User

    return Actor.in_organization(
        user=User.objects.filter(pk=user_id).first(),
        organization_id=packet.matter.organization_id,
        channel=Channel.WORKER,
    )


def _build_failed(actor: Actor, packet: Packet, error: str, code: str) -> None:
    with transaction.atomic():
        Packet.objects.filter(pk=packet.pk).update(
            status=Packet.Status.FAILED, error=error, status_changed_at=timezone.now()
        )
        audit_record_by(
            actor,
            "cases.packet.build_failed",
            organization=packet.matter.organization,
            target=packet.matter,
            payload={"packet": packet.pk, "reason": code},
        )


def _report(packet: Packet, status: str, step: int, steps: int) -> None:
    """Progress the page can show at once (the worker runs in autocommit)."""
    Packet.objects.filter(pk=packet.pk).update(
        status=status, step=step, steps=steps, status_changed_at=timezone.now()
    )


def packet_build_run(*, packet_id: int, user_id: int) -> PacketVersion | None:
    """Build and keep a new version; on failure the choices stay, with a message."""
    packet = Packet.objects.select_related("matter__organization", "matter__lead_attorney").get(
        pk=packet_id
    )
    now = timezone.now()
    claimed = (
        Packet.objects.filter(pk=packet.pk)
        .filter(
            Q(status=Packet.Status.QUEUED)
            | Q(
                status__in=(Packet.Status.BUILDING, Packet.Status.MERGING),
                status_changed_at__lt=now - Packet.BUILD_PATIENCE,
            )
        )
        .update(status=Packet.Status.BUILDING, status_changed_at=now)
    )
    if not claimed:
        return None
    actor = _worker_actor(packet, user_id)
    try:
        return _build_claimed(actor, packet, user_id)
    except Exception:
        _build_failed(actor, packet, str(BUILD_CRASHED), "crashed")
        raise


@dataclass
class _Input:
    kind: str
    id: int
    title: str
    sha256: str
    exhibit: Exhibit
    names_client: bool = False
    record_level: bool = False


def _read_inputs(packet: Packet) -> list[_Input] | None:
    """Each chosen part, read, hashed and turned into pages (part N of M); None when
    one of them is gone."""
    from evidence.models import Evidence
    from evidence.storage import decrypted_read

    matter, steps = packet.matter, len(packet.selection) + 1
    inputs = []
    for step, chosen in enumerate(packet.selection, start=1):
        _report(packet, Packet.Status.BUILDING, step, steps)
        if chosen["kind"] == DOCUMENT:
            version = (
                DocumentVersion.objects.filter(
                    pk=chosen["id"], matter=matter, erased_at__isnull=True
                )
                .select_related("draft")
                .first()
            )
            if version is None:
                return None
            data, title = version.pdf, document_part_title(version)
            pages, names, record = pdf_pages(data), version.names_client, False
        else:
            evidence = (
                Evidence.objects.filter(pk=chosen["id"], survivor=matter.client_id)
                .filter(Q(matter=matter) | Q(matter__isnull=True))
                .first()
            )
            if evidence is None:
                return None
            data, title = decrypted_read(evidence.storage_name), evidence_part_title(evidence)
            if evidence.content_type == "application/pdf":
                pages = pdf_pages(data)
            else:
                pages = [photo_page(data)]
            names, record = False, evidence.matter_id is None
        inputs.append(
            _Input(
                kind=chosen["kind"],
                id=chosen["id"],
                title=title,
                sha256=hashlib.sha256(data).hexdigest(),
                exhibit=Exhibit(title=title, pages=pages),
                names_client=names,
                record_level=record,
            )
        )
    return inputs


def _expected(
    titles: list[str], counts: list[int], cover_pages: int, pages: int, prefix: str
) -> Expected:
    """What the PDF/A conversion must keep: pages, the outline, every page's number."""
    cover_title = gettext("Cover letter and index")
    outline = [(cover_title, 0)]
    entries = index_entries(titles, counts, cover_pages=cover_pages, prefix=prefix)
    outline += [(f"{e.letter}. {e.title}", e.first_page - 1) for e in entries]
    stamps = {n: bates_number(prefix, n + 1 - cover_pages) for n in range(cover_pages, pages)}
    return Expected(pages=pages, outline=outline, stamps=stamps)


def _build_claimed(actor: Actor, packet: Packet, user_id: int) -> PacketVersion | None:
    from evidence.storage import encrypted_save, stored_delete

    matter = packet.matter
    inputs = _read_inputs(packet)
    if inputs is None:
        _build_failed(actor, packet, str(PART_GONE), "part_gone")
        return None
    if not inputs:
        _build_failed(actor, packet, str(NOTHING_CHOSEN), "nothing_chosen")
        return None
    steps = len(inputs) + 1
    _report(packet, Packet.Status.BUILDING, steps, steps)  # drawing the cover and tabs
    prefix = matter.number
    title = f"{gettext('Filing packet')} · {matter.number}"
    titles = [i.title for i in inputs]
    counts = [len(i.exhibit.pages) for i in inputs]
    # PDF/A is made of the whole packet once merged (cases/packets/pdfa.py), so the
    # drawn pages need no variant of their own.
    variant = None
    lead = matter.lead_attorney
    context = {
        "title": title,
        "language": get_language() or "en",
        "date": timezone.localdate(),
        "addressee": packet.addressee,
        "subject": packet.subject,
        "case_number": matter.case_number,
        "matter_number": matter.number,
        "signer": lead.display_name if lead else "",
        "organization": matter.organization.name,
        "titles": titles,
        "page_counts": counts,
        "prefix": prefix,
    }
    try:
        cover_pdf, cover_pages = cover_render(context, title=title, variant=variant)
        marks_pdf = marks_render(
            titles,
            stamps=sum(counts) + len(counts),
            prefix=prefix,
            title=title,
            variant=variant,
        )
        _report(packet, Packet.Status.MERGING, steps, steps)
        letters = [exhibit_letter(i) for i in range(len(inputs))]
        pdf, pages = assemble(
            cover_pdf=cover_pdf,
            marks_pdf=marks_pdf,
            exhibits=[i.exhibit for i in inputs],
            letters=letters,
            cover_title=gettext("Cover letter and index"),
            document_title=title,
        )
        if packet.pdf_a:
            pdf = to_pdfa(pdf, _expected(titles, counts, cover_pages, pages, prefix))
    except PdfAError as refused:
        message = {
            "unavailable": PDFA_UNAVAILABLE,
            "too_long": PDFA_TOO_LONG,
        }.get(refused.code)
        message = str(message or PDFA_FAILED % {"detail": refused.detail})
        _build_failed(actor, packet, message, f"pdfa_{refused.code}")
        return None
    except MissingGlyphError as missing:
        named = ", ".join(
            f"U+{c:04X} {unicodedata.name(chr(c), '')}".strip() for c in missing.codepoints[:5]
        )
        message = str(UNPRINTABLE_TITLE % {"characters": named})
        _build_failed(actor, packet, message, "unprintable_characters")
        return None
    except RenderTimeoutError:
        _build_failed(actor, packet, str(BUILD_TOO_LONG), "build_too_long")
        return None
    except (RenderError, ValueError) as error:
        detail = gettext("the renderer stopped") if isinstance(error, RenderError) else str(error)
        _build_failed(actor, packet, str(BUILD_FAILED % {"detail": detail}), "build_failed")
        return None
    entries = index_entries(titles, counts, cover_pages=cover_pages, prefix=prefix)
    name = encrypted_save(pdf)
    try:
        with transaction.atomic():
            Packet.objects.select_for_update().get(pk=packet.pk)
            number = (packet.versions.aggregate(n=Max("number"))["n"] or 0) + 1
            version = PacketVersion.objects.create(
                packet=packet,
                number=number,
                storage_name=name,
                sha256=hashlib.sha256(pdf).hexdigest(),
                pages=pages,
                cover_pages=cover_pages,
                bates_prefix=prefix,
                pdf_a=packet.pdf_a,
                names_client=any(i.names_client for i in inputs),
                has_record_evidence=any(i.record_level for i in inputs),
                created_by_id=user_id,
            )
            PacketPart.objects.create(
                version=version,
                position=0,
                kind=PacketPart.Kind.COVER,
                title=str(gettext("Cover letter and index")),
                sha256=hashlib.sha256(cover_pdf).hexdigest(),
                first_page=1,
                last_page=cover_pages,
            )
            PacketPart.objects.bulk_create(
                PacketPart(
                    version=version,
                    position=position,
                    kind=item.kind,
                    exhibit=entry.letter,
                    source_id=item.id,
                    title=item.title,
                    record_level=item.record_level,
                    sha256=item.sha256,
                    first_page=entry.first_page,
                    last_page=entry.last_page,
                )
                for position, (item, entry) in enumerate(zip(inputs, entries, strict=True), 1)
            )
            Packet.objects.filter(pk=packet.pk).update(
                status=Packet.Status.EDITING, status_changed_at=timezone.now()
            )
            audit_record_by(
                actor,
                "cases.packet.built",
                organization=matter.organization,
                target=matter,
                payload={"packet": packet.pk, "version": version.pk, "sha256": version.sha256},
            )
    except BaseException:
        stored_delete(name)
        raise
    return version
