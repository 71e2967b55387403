"""Document drafts, generation in the worker, versions and downloads."""

from __future__ import annotations

import base64
import hashlib
import json

from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.template.loader import render_to_string

from aftercare.audit import audit_record, audit_record_for_request
from cases.documents.context import document_context
from cases.documents.registry import TEMPLATES
from cases.documents.renderer import RenderError, render_pdf_limited
from cases.models import DocumentDraft, DocumentVersion, Matter, Party


def document_draft_start(
    *, request: HttpRequest, matter: Matter, template_code: str
) -> DocumentDraft:
    template = TEMPLATES[template_code]
    draft = DocumentDraft.objects.create(
        matter=matter,
        template_code=template.code,
        created_by=request.user,
        fields_json=json.dumps(_known_fields(matter)),
    )
    audit_record_for_request(
        request,
        "cases.document.draft_started",
        target=matter,
        payload={"draft": draft.pk, "template": template.code},
    )
    return draft


def _known_fields(matter: Matter) -> dict:
    """What the record already knows, so the paralegal is never asked for it again."""
    known = {}
    if matter.jurisdiction:
        known["court"] = matter.jurisdiction.name
    adverse = matter.parties.filter(role__in=Party.ADVERSE).first()
    if adverse:
        known["respondent"] = adverse.name
    return known


def document_draft_save(*, request: HttpRequest, draft: DocumentDraft, fields: dict) -> None:
    draft.fields_json = json.dumps(fields)
    draft.save(update_fields=["fields_json", "updated_at"])
    audit_record_for_request(
        request, "cases.document.draft_saved", target=draft.matter, payload={"draft": draft.pk}
    )


def document_html(draft: DocumentDraft, *, preview: bool = False) -> str:
    template = TEMPLATES[draft.template_code]
    title = f"{template.name} · {draft.matter.number}"
    context = document_context(draft.matter, draft.fields, title=str(title))
    return render_to_string(template.template, {**context, "preview": preview})


def document_generate(*, request: HttpRequest, draft: DocumentDraft) -> None:
    """Queue the render in the worker, never in the request."""
    from cases.tasks import document_render

    if draft.status == DocumentDraft.Status.GENERATING:
        return  # already queued: one click, one PDF
    with transaction.atomic():
        draft.status, draft.error = DocumentDraft.Status.GENERATING, ""
        draft.save(update_fields=["status", "error", "updated_at"])
        audit_record_for_request(
            request,
            "cases.document.generation_requested",
            target=draft.matter,
            payload={"draft": draft.pk},
        )
        transaction.on_commit(lambda: document_render.delay(draft.pk, request.user.pk))


def document_render_run(*, draft_id: int, user_id: int) -> DocumentVersion | None:
    """Render and keep a new version; on failure the draft is kept as it was, with a message."""
    draft = DocumentDraft.objects.select_related(
        "matter__client", "matter__lead_attorney", "matter__organization", "matter__jurisdiction"
    ).get(pk=draft_id)
    # Claim the draft: a second task for the same click (or a redelivery) finds nothing.
    claimed = DocumentDraft.objects.filter(
        pk=draft.pk, status=DocumentDraft.Status.GENERATING
    ).update(status=DocumentDraft.Status.EDITING)
    if not claimed:
        return None
    template = TEMPLATES[draft.template_code]
    html = document_html(draft)
    title = f"{template.name} · {draft.matter.number}"
    try:
        variant = "pdf/a-2b" if draft.fields.get("pdf_a") == "on" else None
        rendered = render_pdf_limited(html, title=str(title), variant=variant)
    except RenderError as error:
        DocumentDraft.objects.filter(pk=draft.pk).update(
            status=DocumentDraft.Status.FAILED, error=str(error)
        )
        audit_record(
            action="cases.document.generation_failed",
            actor=draft.created_by,
            organization=draft.matter.organization,
            target=draft.matter,
            payload={"draft": draft.pk},
        )
        return None
    with transaction.atomic():
        number = (draft.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = DocumentVersion.objects.create(
            draft=draft,
            matter=draft.matter,
            number=number,
            template_code=template.code,
            template_version=template.version,
            pdf_base64=base64.b64encode(rendered.pdf).decode(),
            sha256=hashlib.sha256(rendered.pdf).hexdigest(),
            pages=rendered.pages,
            snapshot_json=json.dumps(draft.fields),
            created_by_id=user_id,
        )
        audit_record(
            action="cases.document.generated",
            actor=version.created_by,
            organization=draft.matter.organization,
            target=draft.matter,
            payload={"version": version.pk, "sha256": version.sha256},
        )
    return version


def document_download(*, request: HttpRequest, version: DocumentVersion) -> bytes:
    audit_record_for_request(
        request, "cases.document.downloaded", target=version.matter, payload={"version": version.pk}
    )
    return version.pdf
