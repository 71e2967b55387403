"""Correcting a finished survivor record, and its history."""

from __future__ import annotations

import dataclasses

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from aftercare.access import posted
from aftercare.history import FieldChange, history_lines
from survivors import forms
from survivors.models import Indicator, Need, Survivor, TraffickingKind
from survivors.services.record import (
    HISTORY_FIELD_CATEGORY,
    survivor_open,
    survivor_record_correct,
)

HISTORY_LIMIT = 200
MODELS = {Survivor._meta.label_lower: Survivor}
FINISHED = (Survivor.Status.ACTIVE, Survivor.Status.CLOSED)
# The lists are kept as codes; a reader is shown their names.
CHOICES = {"trafficking_kinds": TraffickingKind, "indicators": Indicator, "needs": Need}


def _named(line, field: str):
    choices = CHOICES.get(field)
    if choices is None or line.withheld:
        return line
    labels = dict(choices.choices)

    def named(value: str) -> str:
        if value == "—":
            return value
        return ", ".join(str(labels.get(code, code)) for code in value.split(", "))

    return dataclasses.replace(line, old=named(line.old), new=named(line.new))


def survivor_record_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Whoever may change the record corrects what intake collected; a reader gets 403."""
    view = survivor_open(request=request, pk=pk, for_change=True)
    survivor = view.survivor
    if survivor.status == Survivor.Status.DRAFT:
        return redirect("survivors:intake_review", pk=survivor.pk)
    if survivor.status not in FINISHED:
        raise Http404
    form = forms.SurvivorRecordForm(
        posted(request) if request.method == "POST" else None,
        initial=forms.SurvivorRecordForm.initial_of(survivor),
        survivor=survivor,
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        aliases = data.pop("aliases")
        try:
            changed = survivor_record_correct(
                actor=request.actor, survivor=survivor, data=data, aliases=aliases
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if changed:
                messages.success(request, _("The record was corrected."))
            return redirect("survivors:detail", pk=survivor.pk)
    return render(request, "survivors/record_edit.html", {"survivor": survivor, "form": form})


def survivor_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Who changed which field of the record, when, from what to what. The values of a
    field are shown only to an organization that sees its category: all of them to the
    recording organization, to another only what its current consents cover."""
    view = survivor_open(request=request, pk=pk)
    changes = FieldChange.objects.of(view.survivor).select_related("actor")[:HISTORY_LIMIT]
    lines = []
    for change in changes:
        shown = HISTORY_FIELD_CATEGORY.get(change.field) in view.categories
        (line,) = history_lines([change], models_by_type=MODELS, records={}, show_personal=shown)
        lines.append(_named(line, change.field))
    return render(
        request,
        "survivors/history.html",
        {"survivor": view.survivor, "view": view, "lines": lines, "limit": HISTORY_LIMIT},
    )
