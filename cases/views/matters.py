"""The matter list and the matter page, where the legal team works."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.access import posted
from aftercare.audit import audit_record_by
from aftercare.idempotency import idempotent_create
from aftercare.pagination import CappedPage
from cases import forms
from cases.kinds import Stage, allowed_stages
from cases.models import Deadline, Matter
from cases.services.matters import (
    matter_close,
    matter_open_for_user,
    matter_stage_move,
    party_add_checked,
    team_member_join,
    team_member_remove,
)
from cases.services.work import note_add, time_log
from cases.views.outcomes import OutcomeForm, outcome_form_errors
from survivors.identity import basis_summary

PAGE_SIZE = 25


def _due_filter(matters, window: str):
    today = timezone.localdate()
    due = Deadline.objects.filter(matter=OuterRef("pk"), status=Deadline.Status.OPEN)
    if window == "overdue":
        due = due.filter(due_date__lt=today)
    else:
        due = due.filter(due_date__gte=today, due_date__lte=today + timedelta(days=int(window)))
    return matters.filter(Exists(due))


def matter_list(request: HttpRequest) -> HttpResponse:
    org = request.membership.organization
    form = forms.MatterFilterForm(request.GET or None, organization=org)
    matters = (
        Matter.objects.visible_to(request.membership)
        .select_related("client", "jurisdiction", "lead_attorney")
        .only(
            "id",
            "number",
            "kind",
            "sub_kind",
            "stage",
            "opened_at",
            "closed_at",
            "organization_id",
            "client__code",
            "jurisdiction__name",
            "lead_attorney__email",
            "lead_attorney__full_name",
        )
    )
    data = form.cleaned_data if form.is_valid() else {}
    if not data.get("closed"):
        matters = matters.open()
    for field in ("kind", "stage", "jurisdiction"):
        if data.get(field):
            matters = matters.filter(**{field: data[field]})
    if data.get("attorney"):
        typed = data["attorney"].strip()
        matters = matters.filter(
            Q(lead_attorney__full_name__icontains=typed) | Q(lead_attorney__email__icontains=typed)
        )
    if data.get("due"):
        matters = _due_filter(matters, data["due"])
    page = CappedPage(matters, request.GET.get("page"), per_page=PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "cases/matter_list.html", {"form": form, "page": page, "query": query.urlencode()}
    )


def matter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    matter = matter_open_for_user(request=request, pk=pk)
    return render(request, "cases/matter_detail.html", _detail_context(request, matter))


def _detail_context(request, matter, **forms_with_errors) -> dict:
    notes = list(matter.notes.select_related("author", "correction"))
    hours = matter.time_entries.select_related("person", "grant")
    deadlines = matter.deadlines.prefetch_related("responsible").select_related("rule")
    close_form = forms_with_errors.pop("close_form", None) or forms.CloseForm()
    close_form.fields["outcome"].choices = Matter._meta.get_field("outcome").choices
    close_result_form = forms_with_errors.pop("close_result_form", None) or OutcomeForm(
        matter=matter, prefix="result", at_closing=True
    )
    stage_form = forms.StageForm()
    stage_form.fields["stage"].choices = [
        (s, Stage(s).label) for s in allowed_stages(matter.kind, matter.stage)
    ]
    team = matter_team(matter)
    by_person = (
        hours.values("person__email", "person__full_name")
        .annotate(total=Sum("minutes"))
        .order_by("-total")
    )
    return {
        "matter": matter,
        "deadlines": deadlines,
        "parties": matter.parties.all(),
        "notes": notes,
        "hours": hours[:50],
        "total_minutes": hours.aggregate(total=Sum("minutes"))["total"] or 0,
        "team": team,
        "hours_by_person": by_person,
        "note_form": forms.NoteForm(),
        "time_form": forms.TimeForm(matter=matter),
        "party_form": forms.PartyForm(),
        "stage_form": stage_form,
        "close_form": close_form,
        "close_result_form": close_result_form,
        "deadline_form": forms.DeadlineForm(team=team),
        "computed_form": forms.ComputedDeadlineForm(matter=matter),
        "team_form": forms.TeamForm(organization=matter.organization),
        "today": timezone.localdate(),
        "coordinates": request.membership.role_enum.sees_whole_organization,
        "client_basis": basis_summary(organization=matter.organization, survivor=matter.client),
        **forms_with_errors,
    }


def _rerender(request, matter, **forms_with_errors) -> HttpResponse:
    return render(
        request,
        "cases/matter_detail.html",
        _detail_context(request, matter, **forms_with_errors),
        status=200,
    )


@require_POST
@idempotent_create
def note_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    matter = matter_open_for_user(request=request, pk=pk, for_change=True)
    form = forms.NoteForm(posted(request))
    if not form.is_valid():
        return _rerender(request, matter, note_form=form)
    corrects = None
    if form.cleaned_data["corrects"]:
        # Only a note of this matter: another id must not turn into a plain new note.
        corrects = matter.notes.filter(pk=form.cleaned_data["corrects"]).first()
        if corrects is None:
            form.add_error(None, _("That note cannot be corrected here."))
            return _rerender(request, matter, note_form=form)
    try:
        note_add(
            actor=request.actor, matter=matter, body=form.cleaned_data["body"], corrects=corrects
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _rerender(request, matter, note_form=form)
    messages.success(request, _("Correction saved.") if corrects else _("Note saved."))
    return redirect(f"{matter_url(matter)}#notes")


@require_POST
@idempotent_create
def time_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    matter = matter_open_for_user(request=request, pk=pk, for_change=True)
    form = forms.TimeForm(posted(request), matter=matter)
    if not form.is_valid():
        return _rerender(request, matter, time_form=form)
    try:
        time_log(actor=request.actor, matter=matter, **form.cleaned_data)
    except ValidationError as error:
        form.add_error(None, error)
        return _rerender(request, matter, time_form=form)
    messages.success(request, _("Time recorded."))
    return redirect(f"{matter_url(matter)}#hours")


@require_POST
@idempotent_create
def party_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    matter = matter_open_for_user(request=request, pk=pk, for_change=True)
    form = forms.PartyForm(posted(request))
    if not form.is_valid():
        return _rerender(request, matter, party_form=form)
    _party, check = party_add_checked(
        actor=request.actor, matter=matter, party=dict(form.cleaned_data)
    )
    if check.hits.exists():
        messages.warning(request, _("Possible conflict: a coordinator must review it."))
        return redirect("cases:conflict", pk=check.pk)
    messages.success(request, _("Party added. The conflict check found no match."))
    return redirect(f"{matter_url(matter)}#parties")


@require_POST
def stage_move_view(request: HttpRequest, pk: int) -> HttpResponse:
    matter = matter_open_for_user(request=request, pk=pk, for_change=True)
    matter_stage_move(actor=request.actor, matter=matter, stage=request.POST.get("stage", ""))
    messages.success(
        request, _("Stage changed to %(stage)s.") % {"stage": matter.get_stage_display()}
    )
    return redirect(matter_url(matter))


@require_POST
def close_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Close with a disposition and, asked for on the same form, what the matter achieved."""
    matter = matter_open_for_user(request=request, pk=pk, for_change=True)
    close_form = forms.CloseForm(request.POST)
    close_form.fields["outcome"].choices = Matter._meta.get_field("outcome").choices
    gave_result = bool(request.POST.get("result-kind"))
    result_form = OutcomeForm(
        request.POST if gave_result else None, matter=matter, prefix="result", at_closing=True
    )
    valid = close_form.is_valid() & (not gave_result or result_form.is_valid())
    if valid:
        try:
            matter_close(
                actor=request.actor,
                matter=matter,
                result=result_form.cleaned_data if gave_result else None,
                **close_form.cleaned_data,
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                messages.error(request, error.messages[0])
                return redirect(matter_url(matter))
            outcome_form_errors(result_form, error)
        else:
            return redirect(matter_url(matter))
    return _rerender(request, matter, close_form=close_form, close_result_form=result_form)


@require_POST
@idempotent_create
def team_view(request: HttpRequest, pk: int) -> HttpResponse:
    matter = matter_open_for_user(request=request, pk=pk, for_change=True)
    if not request.membership.role_enum.sees_whole_organization:
        # The team sees and works the matter; who is on it is a coordinator's decision.
        audit_record_by(
            request.actor,
            "aftercare.access.denied",
            target=matter,
            payload={"method": request.method},
        )
        raise PermissionDenied
    if "remove" in request.POST:
        leaving = next(
            (u for u in matter_team(matter) if str(u.pk) == request.POST["remove"]), None
        )
        if leaving is not None:
            team_member_remove(actor=request.actor, matter=matter, user=leaving)
            messages.success(
                request,
                _("%(name)s was removed from the team.") % {"name": leaving.display_name},
            )
        return redirect(f"{matter_url(matter)}#team")
    form = forms.TeamForm(posted(request), organization=matter.organization)
    if form.is_valid():
        joining = form.cleaned_data["email"]
        try:
            team_member_join(actor=request.actor, matter=matter, user=joining)
        except ValidationError as error:
            form.add_error("email", error)
        else:
            messages.success(
                request, _("%(name)s joined the team.") % {"name": joining.display_name}
            )
    if form.errors:
        context = _detail_context(request, matter, team_form=form)
        return render(request, "cases/matter_detail.html", context)
    return redirect(f"{matter_url(matter)}#team")


def matter_team(matter: Matter) -> list:
    grants = matter.user_grants.filter(permission__codename="view_matter").select_related("user")
    return [grant.user for grant in grants]


def matter_url(matter: Matter) -> str:
    return reverse("cases:detail", args=[matter.pk])
