"""Correcting a matter's details, a deadline, a party and a time entry, and their history."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from aftercare.access import fetch_for_user, posted
from aftercare.audit import audit_record_for_request
from aftercare.history import FieldChange, history_lines
from cases import forms
from cases.models import Deadline, Matter, Party, TimeEntry
from cases.services.deadlines import deadline_edit
from cases.services.matters import matter_edit, matter_open_for_user, party_edit
from cases.services.work import time_entry_edit, time_entry_refusal
from cases.views.matters import matter_team, matter_url

HISTORY_LIMIT = 200
MODELS = {model._meta.label_lower: model for model in (Matter, Deadline, Party, TimeEntry)}


def matter_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Whoever may change the matter corrects its details; a reader gets 403."""
    matter = matter_open_for_user(request=request, pk=pk, for_change=True)
    form = forms.MatterEditForm(
        posted(request) if request.method == "POST" else None, matter=matter
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = matter_edit(actor=request.actor, matter=matter, **form.cleaned_data)
        except ValidationError as error:
            _add(form, error)
        else:
            if changed:
                messages.success(request, _("Matter details saved."))
            return redirect(matter_url(matter))
    return render(request, "cases/matter_edit.html", {"matter": matter, "form": form})


def _add(form, error: ValidationError) -> None:
    """A service's refusal shown on the form, beside its field when it names one."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _deadline_fetch(request, pk, *, for_change: bool) -> Deadline:
    deadline = fetch_for_user(request, Deadline.objects.select_related("matter", "rule"), pk=pk)
    deadline.matter = matter_open_for_user(
        request=request, pk=deadline.matter_id, for_change=for_change
    )
    return deadline


def deadline_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    deadline = _deadline_fetch(request, pk, for_change=True)
    matter = deadline.matter
    form = forms.DeadlineEditForm(
        posted(request) if request.method == "POST" else None,
        instance=deadline,
        team=matter_team(matter),
    )
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in form.Meta.fields}
        try:
            deadline_edit(
                actor=request.actor,
                deadline=deadline,
                data=data,
                responsible=form.cleaned_data["responsible"],
                trigger_date=form.cleaned_data.get("trigger_date"),
                mailed=form.cleaned_data.get("mailed") if "mailed" in form.fields else None,
            )
        except ValidationError as error:
            _add(form, error)
        else:
            deadline.refresh_from_db()
            if deadline.needs_confirmation:
                messages.warning(request, _("Deadline computed again. Check how, then confirm it."))
            else:
                messages.success(request, _("Deadline saved."))
            return redirect(f"{matter_url(matter)}#deadlines")
    return render(
        request, "cases/deadline_edit.html", {"deadline": deadline, "matter": matter, "form": form}
    )


def matter_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The changes of the matter and of its deadlines, newest first, to whoever sees it."""
    matter = matter_open_for_user(request=request, pk=pk)
    deadlines = {
        str(d.pk): d.title or d.get_kind_display()
        for d in Deadline.objects.filter(matter=matter).only("id", "title", "kind")
    }
    # Parties by role and entries by date: the reader sees the parties' names on the
    # matter page anyway, but a label is no place to repeat them.
    parties = {
        str(p.pk): p.get_role_display() for p in Party.objects.filter(matter=matter).only("role")
    }
    entries = {
        str(e.pk): e.date for e in TimeEntry.objects.filter(matter=matter).only("id", "date")
    }
    changes = (
        FieldChange.objects.of(matter)
        | FieldChange.objects.of_model(Deadline, deadlines)
        | FieldChange.objects.of_model(Party, parties)
        | FieldChange.objects.of_model(TimeEntry, entries)
    ).select_related("actor")[:HISTORY_LIMIT]
    records = {(Matter._meta.label_lower, str(matter.pk)): _("Matter")}
    records.update(
        {
            (Deadline._meta.label_lower, pk): _("Deadline: %(title)s") % {"title": title}
            for pk, title in deadlines.items()
        }
    )
    records.update(
        {
            (Party._meta.label_lower, pk): _("Party: %(role)s") % {"role": role}
            for pk, role in parties.items()
        }
    )
    records.update(
        {
            (TimeEntry._meta.label_lower, pk): _("Hours of %(date)s")
            % {"date": date_format(day, "SHORT_DATE_FORMAT")}
            for pk, day in entries.items()
        }
    )
    lines = history_lines(changes, models_by_type=MODELS, records=records)
    return render(
        request,
        "cases/history.html",
        {"matter": matter, "lines": lines, "subject": matter.number, "limit": HISTORY_LIMIT},
    )


def deadline_history(request: HttpRequest, pk: int) -> HttpResponse:
    deadline = _deadline_fetch(request, pk, for_change=False)
    changes = FieldChange.objects.of(deadline).select_related("actor")[:HISTORY_LIMIT]
    lines = history_lines(changes, models_by_type=MODELS, records={})
    return render(
        request,
        "cases/history.html",
        {
            "matter": deadline.matter,
            "deadline": deadline,
            "lines": lines,
            "subject": deadline.title or deadline.get_kind_display(),
            "limit": HISTORY_LIMIT,
        },
    )


def _of_matter(request, model, pk, *, for_change: bool):
    """A party or time entry, through its matter's door: 404 (audited) for whoever may
    not see the matter, 403 for whoever may see but not change it."""
    record = model.objects.filter(pk=pk).first()
    if record is None:
        audit_record_for_request(
            request,
            "aftercare.access.denied",
            object_type=model._meta.label_lower,
            object_id=str(pk),
            payload={"method": request.method},
        )
        raise Http404
    record.matter = matter_open_for_user(
        request=request, pk=record.matter_id, for_change=for_change
    )
    return record


def party_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a party; a renamed adverse party is checked for conflicts again."""
    party = _of_matter(request, Party, pk, for_change=True)
    matter = party.matter
    form = forms.PartyEditForm(posted(request) if request.method == "POST" else None, party=party)
    if request.method == "POST" and form.is_valid():
        try:
            changed, check = party_edit(actor=request.actor, party=party, **form.cleaned_data)
        except ValidationError as error:
            _add(form, error)
        else:
            if check is not None and check.hits.exists():
                # The check's page shows each hit as far as this member may see it.
                messages.warning(
                    request,
                    _("Party saved. Possible conflict: a coordinator must review it."),
                )
                return redirect("cases:conflict", pk=check.pk)
            if check is not None:
                messages.success(request, _("Party saved. The conflict check found no match."))
            elif changed:
                messages.success(request, _("Party saved."))
            return redirect(f"{matter_url(matter)}#parties")
    return render(
        request, "cases/party_edit.html", {"party": party, "matter": matter, "form": form}
    )


def time_entry_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct hours, activity or date; an entry exported in a report is locked."""
    entry = _of_matter(request, TimeEntry, pk, for_change=True)
    matter = entry.matter
    refusal = time_entry_refusal(entry)
    form = forms.TimeEditForm(
        posted(request) if request.method == "POST" else None,
        entry=entry,
        organization_id=matter.organization_id,
    )
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            changed = time_entry_edit(actor=request.actor, entry=entry, **form.changes())
        except ValidationError as error:
            _add(form, error)
        else:
            if changed:
                messages.success(request, _("Time entry saved."))
            return redirect(f"{matter_url(matter)}#hours")
    return render(
        request,
        "cases/time_entry_edit.html",
        {"entry": entry, "matter": matter, "form": form, "refusal": refusal},
        status=409 if refusal and request.method == "POST" else 200,
    )
