"""The Evidence section on the survivor and matter pages.

A tag rather than view code, so the survivor and matter pages (which know nothing of
this app) only include it. It is given what the page's own door already opened: the
survivor's view (its categories say whether files may be shown) or the matter.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.urls import reverse

from evidence import services
from evidence.forms import EvidenceForm
from evidence.models import Evidence
from survivors.models import DataCategory

register = template.Library()


def _form() -> EvidenceForm:
    return EvidenceForm(max_mb=settings.UPLOAD_MAX_BYTES // (1024 * 1024))


@register.inclusion_tag("evidence/_section.html", takes_context=True)
def evidence_for_survivor(context, view) -> dict:
    request = context["request"]
    if not view.shows(DataCategory.DOCUMENTS) or view.survivor.status == "erased":
        return {"hidden": True}
    may_add = services.may_add_to_survivor(view, request.membership)
    return {
        "request": request,
        "files": Evidence.objects.of_survivor_record(view.survivor).for_list(),
        "form": _form() if may_add else None,
        "upload_url": reverse("evidence:survivor_upload", args=[view.survivor.pk]),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("evidence/_section.html", takes_context=True)
def evidence_for_matter(context, matter) -> dict:
    request = context["request"]
    may_add = services.may_add_to_matter(matter, request.membership)
    return {
        "request": request,
        "files": Evidence.objects.of_matter(matter).for_list(),
        "form": _form() if may_add else None,
        "upload_url": reverse("evidence:matter_upload", args=[matter.pk]),
        "csrf_token": context.get("csrf_token"),
    }
