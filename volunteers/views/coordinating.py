"""The coordinator's pages: volunteers and their load, invitations, trainings, staffing a
matter from a ranked list, and hours."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.access import fetch_for_user, posted, require_sudo_mode, role_required
from aftercare.idempotency import idempotent_create
from cases.models import Matter
from volunteers import forms
from volunteers.matching import client_for_staffing, volunteers_for
from volunteers.models import (
    Assignment,
    Credential,
    Interest,
    Invitation,
    Opportunity,
    Training,
    VolunteerProfile,
)
from volunteers.services import hours, onboarding, staffing

coordinates = role_required(lambda m: m.role_enum.sees_whole_organization)


@coordinates
def volunteer_list(request: HttpRequest) -> HttpResponse:
    """Every volunteer with their load against capacity: queries do not grow with the list."""
    today = timezone.localdate()
    profiles = (
        VolunteerProfile.objects.visible_to(request.membership)
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "credentials",
                queryset=Credential.objects.visible_to(request.membership).without_certificate(),
            )
        )
        .with_load()
        .order_by("user__full_name", "user__email")
    )
    rows = [
        {
            "profile": p,
            "paused": p.is_paused(today),
            "full": p.load >= p.capacity,
            "unverified": sum(1 for c in p.credentials.all() if not c.is_verified),
            "expired": sum(1 for c in p.credentials.all() if c.expires_on and c.expires_on < today),
        }
        for p in profiles
    ]
    return render(request, "volunteers/list.html", {"rows": rows})


def detail_page(request: HttpRequest, profile: VolunteerProfile, **extra) -> HttpResponse:
    from volunteers.views.mine import profile_page

    year_start = date(timezone.localdate().year, 1, 1)
    report = hours.hours_report(
        organization_id=request.membership.organization_id,
        start=year_start,
        end=timezone.localdate(),
    )
    mine = next((row for row in report if row.profile.pk == profile.pk), None)
    return profile_page(request, profile, hours_this_year=mine, coordinator_view=True, **extra)


@coordinates
def volunteer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    profile = fetch_for_user(request, VolunteerProfile.objects.select_related("user"), pk=pk)
    return detail_page(request, profile)


@require_POST
@coordinates
def credential_verify(request: HttpRequest, pk: int) -> HttpResponse:
    credential = fetch_for_user(request, Credential.objects.select_related("profile"), pk=pk)
    onboarding.credential_verify(actor=request.actor, credential=credential)
    messages.success(request, _("Verified."))
    return redirect("volunteers:detail", credential.profile_id)


@coordinates
@idempotent_create
def invitations(request: HttpRequest) -> HttpResponse:
    form = forms.InvitationForm(posted(request))
    if form.is_valid():
        try:
            onboarding.invitation_send(actor=request.actor, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The invitation is on its way."))
            return redirect("volunteers:invitations")
    sent = Invitation.objects.visible_to(request.membership).select_related("invited_by")[:50]
    return render(request, "volunteers/invitations.html", {"form": form, "invitations": sent})


@require_POST
@coordinates
def invitation_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = fetch_for_user(request, Invitation.objects, pk=pk)
    onboarding.invitation_withdraw(actor=request.actor, invitation=invitation)
    messages.success(request, _("The invitation was withdrawn; its link no longer works."))
    return redirect("volunteers:invitations")


@coordinates
@idempotent_create
def trainings(request: HttpRequest) -> HttpResponse:
    form = forms.TrainingForm(posted(request))
    if form.is_valid():
        try:
            onboarding.training_add(actor=request.actor, data=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Training added."))
            return redirect("volunteers:trainings")
    listed = Training.objects.filter(organization=request.membership.organization)
    return render(request, "volunteers/trainings.html", {"form": form, "trainings": listed})


def _staffable_matter(request: HttpRequest, pk: int) -> Matter:
    return fetch_for_user(
        request, Matter.objects.select_related("client", "jurisdiction", "organization"), pk=pk
    )


def staff_page(request: HttpRequest, matter: Matter, **extra) -> HttpResponse:
    active = list(Assignment.objects.active().filter(matter=matter).select_related("user"))
    team_ids = set(
        matter.user_grants.filter(permission__codename="view_matter").values_list(
            "user_id", flat=True
        )
    )
    interests = Interest.objects.filter(opportunity__matter=matter, withdrawn_at__isnull=True)
    client = client_for_staffing(actor=request.actor, matter=matter)
    ranked = volunteers_for(matter, client=client, exclude=team_ids)
    context = {
        "matter": matter,
        "client_unknown": client.unknown,
        "assignments": active,
        "ranked": [m for m in ranked if m.eligible],
        "ineligible": [m for m in ranked if not m.eligible],
        "interested": {i.user_id for i in interests},
        "confirmed": {i.user_id for i in interests if i.no_conflict_confirmed_at},
        "opportunities": Opportunity.objects.open().filter(matter=matter),
        "opportunity_form": extra.pop("opportunity_form", None) or forms.OpportunityForm(),
        **extra,
    }
    return render(request, "volunteers/staff.html", context)


@coordinates
def staff(request: HttpRequest, pk: int) -> HttpResponse:
    return staff_page(request, _staffable_matter(request, pk))


@require_POST
@coordinates
@idempotent_create
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    matter = _staffable_matter(request, pk)
    chosen = request.POST.get("user", "")
    user = (
        get_user_model().objects.filter(pk=int(chosen), volunteer_profile__isnull=False).first()
        if chosen.isdigit()
        else None
    )
    try:
        if user is None:
            raise ValidationError(_("Choose a volunteer from the list."))
        staffing.volunteer_assign(actor=request.actor, matter=matter, user=user)
    except ValidationError as error:
        return staff_page(request, matter, assign_errors=error.messages)
    messages.success(
        request, _("%(name)s is on the team now.") % {"name": user.full_name or user.email}
    )
    return redirect("volunteers:staff", matter.pk)


@require_POST
@coordinates
def assignment_end(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = fetch_for_user(request, Assignment.objects, pk=pk)
    staffing.volunteer_unassign(actor=request.actor, assignment=assignment)
    messages.success(request, _("Unassigned. Their access ended."))
    return redirect("volunteers:staff", assignment.matter_id)


@require_POST
@coordinates
@idempotent_create
def opportunity_post(request: HttpRequest, pk: int) -> HttpResponse:
    matter = _staffable_matter(request, pk)
    form = forms.OpportunityForm(request.POST)
    if form.is_valid():
        try:
            staffing.opportunity_post(actor=request.actor, matter=matter, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Volunteers can see this opportunity now."))
            return redirect("volunteers:staff", matter.pk)
    return staff_page(request, matter, opportunity_form=form)


@require_POST
@coordinates
def opportunity_close(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = fetch_for_user(request, Opportunity.objects, pk=pk)
    staffing.opportunity_close(actor=request.actor, opportunity=opportunity)
    messages.success(request, _("The opportunity is closed."))
    return redirect("volunteers:staff", opportunity.matter_id)


def _period(request: HttpRequest) -> forms.PeriodForm:
    today = timezone.localdate()
    data = request.GET if "start" in request.GET else None
    return forms.PeriodForm(
        data, initial={"start": date(today.year, 1, 1).isoformat(), "end": today.isoformat()}
    )


@coordinates
def hours_page(request: HttpRequest) -> HttpResponse:
    form = _period(request)
    today = timezone.localdate()
    start, end = date(today.year, 1, 1), today
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    report = hours.hours_report(
        organization_id=request.membership.organization_id, start=start, end=end
    )
    context = {
        "form": form,
        "report": report,
        "start": start,
        "end": end,
        "total": round(sum(r.minutes for r in report) / 60, 2),
    }
    return render(request, "volunteers/hours.html", context)


@coordinates
@require_sudo_mode
def hours_export(request: HttpRequest) -> HttpResponse:
    form = _period(request)
    if not (form.is_bound and form.is_valid()):
        messages.error(request, _("Choose a period first."))
        return redirect("volunteers:hours")
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    text = hours.hours_csv(actor=request.actor, start=start, end=end)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="pro-bono-hours-{start.isoformat()}-{end.isoformat()}.csv"'
    )
    return response
