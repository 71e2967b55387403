"""A volunteer's own pages: profile, admissions, credentials, pause, wellbeing."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.access import fetch_for_user, posted
from aftercare.idempotency import idempotent_create
from volunteers import forms
from volunteers.models import Assignment, BarAdmission, CheckIn, Credential, VolunteerProfile
from volunteers.services import onboarding, staffing, wellbeing


def _own_profile(request: HttpRequest) -> VolunteerProfile:
    profile = onboarding.profile_for_member(request.membership)
    if profile is None:  # intake workers and coordinators do not volunteer here
        raise Http404
    return profile


def profile_page(
    request: HttpRequest, profile: VolunteerProfile, *, form=None, credential_form=None, **extra
) -> HttpResponse:
    """The profile with its admissions and credentials; shared with the coordinator's view."""
    context = {
        "profile": profile,
        "own": profile.user_id == request.user.pk,
        "form": form or forms.ProfileForm(instance=profile),
        "admission_form": extra.pop("admission_form", None) or forms.AdmissionForm(),
        "credential_form": credential_form
        or forms.CredentialForm(organization_id=request.membership.organization_id),
        "pause_form": forms.PauseForm(),
        "admissions": profile.admissions.all(),
        "credentials": Credential.objects.visible_to(request.membership)
        .filter(profile=profile)
        .without_certificate()
        .select_related("training", "verified_by", "organization"),
        "assignments": Assignment.objects.active()
        .filter(user_id=profile.user_id, organization_id=request.membership.organization_id)
        .select_related("matter"),
        "today": timezone.localdate(),
        **extra,
    }
    return render(request, "volunteers/profile.html", context)


def me(request: HttpRequest) -> HttpResponse:
    profile = _own_profile(request)
    form = forms.ProfileForm(posted(request), instance=VolunteerProfile.objects.get(pk=profile.pk))
    if form.is_valid():
        onboarding.profile_update(actor=request.actor, profile=profile, data=form.cleaned_data)
        messages.success(request, _("Your profile is saved."))
        return redirect("volunteers:me")
    return profile_page(request, profile, form=form)


@require_POST
@idempotent_create
def admission_add(request: HttpRequest) -> HttpResponse:
    profile = _own_profile(request)
    form = forms.AdmissionForm(request.POST)
    if form.is_valid():
        try:
            onboarding.admission_add(actor=request.actor, profile=profile, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Bar admission added."))
            return redirect("volunteers:me")
    return profile_page(request, profile, admission_form=form)


@require_POST
def admission_remove(request: HttpRequest, pk: int) -> HttpResponse:
    # A coordinator sees a volunteer's admissions; only the volunteer removes them (403).
    admission = fetch_for_user(
        request,
        BarAdmission.objects.select_related("profile"),
        pk=pk,
        can_change=lambda membership, admission: admission.profile.user_id == membership.user_id,
    )
    onboarding.admission_remove(actor=request.actor, admission=admission)
    messages.success(request, _("Bar admission removed."))
    return redirect("volunteers:me")


@require_POST
@idempotent_create
def credential_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a training or check to a profile: one's own, or as a coordinator, a volunteer's."""
    profile = fetch_for_user(request, VolunteerProfile.objects.select_related("user"), pk=pk)
    form = forms.CredentialForm(
        request.POST, request.FILES, organization_id=request.membership.organization_id
    )
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "certificate"}
        try:
            onboarding.credential_add(
                actor=request.actor,
                profile=profile,
                data=data,
                certificate=form.cleaned_data.get("certificate"),
            )
        except ValidationError as error:
            form.add_error(None if hasattr(error, "error_dict") else "certificate", error)
        else:
            messages.success(request, _("Saved."))
            return redirect(_back_to(request, profile))
    if profile.user_id == request.user.pk:
        return profile_page(request, profile, credential_form=form)
    from volunteers.views.coordinating import detail_page

    return detail_page(request, profile, credential_form=form)


def _back_to(request: HttpRequest, profile: VolunteerProfile) -> str:
    if profile.user_id == request.user.pk:
        return "volunteers:me"
    return reverse("volunteers:detail", args=[profile.pk])


@require_POST
def credential_remove(request: HttpRequest, pk: int) -> HttpResponse:
    credential = fetch_for_user(request, Credential.objects.select_related("profile"), pk=pk)
    onboarding.credential_remove(actor=request.actor, credential=credential)
    messages.success(request, _("Removed."))
    return redirect(_back_to(request, credential.profile))


def certificate(request: HttpRequest, pk: int) -> HttpResponse:
    credential = fetch_for_user(request, Credential.objects.select_related("profile"), pk=pk)
    if not credential.has_certificate:
        raise Http404
    content = onboarding.certificate_read(actor=request.actor, credential=credential)
    extension = credential.certificate_type.rsplit("/", 1)[-1].replace("jpeg", "jpg")
    response = HttpResponse(content, content_type=credential.certificate_type)
    response["Content-Disposition"] = (
        f'attachment; filename="certificate-{credential.pk}.{extension}"'
    )
    return response


@require_POST
@idempotent_create
def pause(request: HttpRequest) -> HttpResponse:
    profile = _own_profile(request)
    form = forms.PauseForm(request.POST)
    if form.is_valid():
        try:
            handed_back = staffing.volunteer_pause(
                actor=request.actor, profile=profile, until=form.cleaned_data["until"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("You are paused. %(n)s matters went back to the coordinators.")
                % {"n": handed_back},
            )
            return redirect("volunteers:me")
    return profile_page(request, profile, pause_form=form)


@require_POST
def resume(request: HttpRequest) -> HttpResponse:
    staffing.volunteer_resume(actor=request.actor, profile=_own_profile(request))
    messages.success(request, _("Welcome back. You can be matched with matters again."))
    return redirect("volunteers:me")


@idempotent_create
def wellbeing_page(request: HttpRequest) -> HttpResponse:
    """Private check-ins: only the volunteer ever sees them."""
    form = forms.CheckInForm(posted(request))
    if form.is_valid():
        wellbeing.checkin_record(actor=request.actor, **form.cleaned_data)
        messages.success(request, _("Thank you for checking in."))
        return redirect("volunteers:wellbeing")
    # Kept where they were written: acting for one organization shows nothing of another.
    checkins = CheckIn.objects.filter(
        user=request.user, organization_id=request.membership.organization_id
    )[:20]
    return render(request, "volunteers/wellbeing.html", {"form": form, "checkins": checkins})
