"""Evidence: the door to a survivor's or a matter's files, and adding, reading, removing.

Who sees a file is who sees what it belongs to, through that object's own door:

- A file on a survivor's record: those who may see the record (`survivor_open`), and
  another organization only while a current consent covers "documents".
- A file on a matter: those on the matter (`matter_open_for_user`).

Adding and removing are changes to the survivor or the matter (their `for_change`
doors). Every add, read and removal is in the audit trail, with ids and codes only.
"""

from __future__ import annotations

import hashlib

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404, HttpRequest

from aftercare.actor import Actor
from aftercare.audit import audit_record_by, audit_record_for_request
from aftercare.cleaning import EVIDENCE, clean_limited, size_check
from cases.models import Matter
from cases.services.matters import matter_open_for_user
from evidence.models import Evidence
from evidence.storage import decrypted_read, encrypted_save, stored_delete
from survivors.models import DataCategory, Survivor
from survivors.services.record import SurvivorView, survivor_category_require, survivor_open

# --- The door -------------------------------------------------------------------------


def survivor_evidence_open(
    *, request: HttpRequest, pk: int, for_change: bool = False
) -> SurvivorView:
    """The survivor, when the acting member may see (or add to) their files; else 404
    (403 to one who may see the record but not change it)."""
    view = survivor_open(request=request, pk=pk, for_change=for_change)
    survivor_category_require(actor=request.actor, view=view, category=DataCategory.DOCUMENTS)
    if view.survivor.status in (Survivor.Status.ERASED, Survivor.Status.MERGED):
        raise Http404
    return view


def matter_evidence_open(*, request: HttpRequest, pk: int, for_change: bool = False) -> Matter:
    return matter_open_for_user(request=request, pk=pk, for_change=for_change)


def evidence_open_for_user(*, request: HttpRequest, pk: int, for_change: bool = False) -> Evidence:
    """One file, through the door of what it belongs to; 404 when that stays shut."""
    evidence = Evidence.objects.filter(pk=pk).select_related("uploaded_by").first()
    if evidence is None:
        audit_record_for_request(
            request,
            "aftercare.access.denied",
            object_type=Evidence._meta.label_lower,
            object_id=str(pk),
            payload={"method": request.method},
        )
        raise Http404
    if evidence.matter_id is not None:
        evidence.matter = matter_evidence_open(
            request=request, pk=evidence.matter_id, for_change=for_change
        )
    else:
        evidence.survivor = survivor_evidence_open(
            request=request, pk=evidence.survivor_id, for_change=for_change
        ).survivor
    return evidence


def may_add_to_survivor(view: SurvivorView, membership) -> bool:
    """Shown the upload form: the record's own organization, with a change grant."""
    from aftercare.access import can_change

    return not view.shared and can_change(membership, view.survivor)


def may_add_to_matter(matter: Matter, membership) -> bool:
    from aftercare.access import can_change

    return can_change(membership, matter)


# --- Adding, reading, removing -----------------------------------------------------------


def evidence_add(
    *,
    actor: Actor,
    survivor: Survivor,
    kind: str,
    upload: UploadedFile,
    description: str = "",
    matter: Matter | None = None,
) -> Evidence:
    """Check and clean the file (in a limited child), store it encrypted, record it.

    A file refused raises ValidationError and leaves nothing behind; the stored object
    is removed again if the row cannot be written.
    """
    size_check(upload.size or 0, limits=EVIDENCE)
    cleaned = clean_limited(upload.read(EVIDENCE.max_bytes + 1), limits=EVIDENCE)
    name = encrypted_save(cleaned.content)
    try:
        with transaction.atomic():
            evidence = Evidence.objects.create(
                organization=matter.organization if matter else survivor.organization,
                survivor=survivor,
                matter=matter,
                kind=kind,
                description=description,
                original_name=(upload.name or "")[:255],
                storage_name=name,
                content_type=cleaned.content_type,
                size=len(cleaned.content),
                pages=cleaned.pages,
                sha256=hashlib.sha256(cleaned.content).hexdigest(),
                uploaded_by=actor.user,
            )
            audit_record_by(
                actor,
                "evidence.file.uploaded",
                target=evidence,
                payload={
                    "survivor": survivor.pk,
                    "matter": matter.pk if matter else None,
                    "kind": kind,
                    "type": cleaned.content_type,
                    "size": evidence.size,
                    "pages": evidence.pages,
                },
            )
    except BaseException:
        stored_delete(name)
        raise
    return evidence


def evidence_read(*, actor: Actor, evidence: Evidence) -> bytes:
    """The decrypted file; the download is in the audit trail."""
    content = decrypted_read(evidence.storage_name)
    audit_record_by(
        actor,
        "evidence.file.downloaded",
        target=evidence,
        payload={"survivor": evidence.survivor_id, "matter": evidence.matter_id},
    )
    return content


def evidence_remove(*, actor: Actor, evidence: Evidence) -> None:
    """The row and its audit event together; the stored object once they are committed."""
    name = evidence.storage_name
    with transaction.atomic():
        audit_record_by(
            actor,
            "evidence.file.removed",
            target=evidence,
            payload={
                "survivor": evidence.survivor_id,
                "matter": evidence.matter_id,
                "kind": evidence.kind,
            },
        )
        evidence.delete()
        transaction.on_commit(lambda: stored_delete(name))
