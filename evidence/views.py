"""Evidence pages: thin views over `evidence.services` (the door, adding, reading)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.idempotency import idempotent_create
from evidence import services
from evidence.forms import EvidenceForm
from evidence.models import Evidence


def _form(data=None, files=None) -> EvidenceForm:
    return EvidenceForm(data, files, max_mb=settings.UPLOAD_MAX_BYTES // (1024 * 1024))


def _add(request: HttpRequest, *, survivor, matter=None):
    """The file added, or the form with what to do about it."""
    form = _form(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.evidence_add(
                actor=request.actor,
                survivor=survivor,
                matter=matter,
                kind=form.cleaned_data["kind"],
                description=form.cleaned_data["description"],
                upload=form.cleaned_data["file"],
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            messages.success(request, _("The file was checked, cleaned and saved."))
            return None
    return form


def survivor_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    view = services.survivor_evidence_open(request=request, pk=pk)
    return _survivor_page(request, view, _form())


@require_POST
@idempotent_create
def survivor_evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    view = services.survivor_evidence_open(request=request, pk=pk, for_change=True)
    form = _add(request, survivor=view.survivor)
    if form is None:
        return redirect("evidence:survivor", pk=pk)
    return _survivor_page(request, view, form)


def _survivor_page(request, view, form) -> HttpResponse:
    files = Evidence.objects.of_survivor_record(view.survivor).for_list()
    may_add = services.may_add_to_survivor(view, request.membership)
    context = {"survivor": view.survivor, "files": files, "form": form if may_add else None}
    return render(request, "evidence/survivor.html", context)


def matter_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    matter = services.matter_evidence_open(request=request, pk=pk)
    return _matter_page(request, matter, _form())


@require_POST
@idempotent_create
def matter_evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    matter = services.matter_evidence_open(request=request, pk=pk, for_change=True)
    form = _add(request, survivor=matter.client, matter=matter)
    if form is None:
        return redirect("evidence:matter", pk=pk)
    return _matter_page(request, matter, form)


def _matter_page(request, matter, form) -> HttpResponse:
    files = Evidence.objects.of_matter(matter).for_list()
    may_add = services.may_add_to_matter(matter, request.membership)
    context = {"matter": matter, "files": files, "form": form if may_add else None}
    return render(request, "evidence/matter.html", context)


def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = services.evidence_open_for_user(request=request, pk=pk)
    content = services.evidence_read(actor=request.actor, evidence=evidence)
    response = HttpResponse(content, content_type=evidence.content_type)
    response["Content-Disposition"] = _attachment(evidence.download_name)
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def evidence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = services.evidence_open_for_user(request=request, pk=pk, for_change=True)
    services.evidence_remove(actor=request.actor, evidence=evidence)
    messages.success(request, _("The file was removed."))
    if evidence.matter_id is not None:
        return redirect("evidence:matter", pk=evidence.matter_id)
    return redirect("evidence:survivor", pk=evidence.survivor_id)


def _attachment(name: str) -> str:
    from django.utils.http import content_disposition_header

    return content_disposition_header(as_attachment=True, filename=name)
