"""The platform administrators' pages: organizations, their kind, country and status,
and the invitation of each one's first admin. Nothing here shows an organization's records."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare import platform_admin, staff
from aftercare.access import organization_not_required, posted, require_sudo_mode
from aftercare.audit import audit_record_for_request
from aftercare.forms import AdminInvitationForm, OrganizationCreateForm, OrganizationSettingsForm
from aftercare.idempotency import idempotent_create
from aftercare.models import Organization, Role, StaffInvitation


def platform_admin_required(view: Callable) -> Callable:
    """404 (and a denied event) for everyone but platform administrators."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not platform_admin.is_platform_admin(request.user):
            audit_record_for_request(
                request,
                "aftercare.access.denied",
                object_type="view",
                object_id=request.resolver_match.view_name if request.resolver_match else "",
                payload={"method": request.method},
            )
            raise Http404
        return view(request, *args, **kwargs)

    return organization_not_required(wrapper)


def _organization(pk: int) -> Organization:
    return get_object_or_404(Organization, pk=pk)


@platform_admin_required
def organization_list(request: HttpRequest) -> HttpResponse:
    organizations = Organization.objects.annotate(
        admins=Count(
            "memberships",
            filter=Q(memberships__is_active=True, memberships__role=Role.ORG_ADMIN),
        )
    )
    return render(request, "platform/organization_list.html", {"organizations": organizations})


@platform_admin_required
@require_sudo_mode
@idempotent_create
def organization_new(request: HttpRequest) -> HttpResponse:
    form = OrganizationCreateForm(posted(request))
    if form.is_valid():
        try:
            organization = platform_admin.organization_create(
                actor=request.actor, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The organization was created. Invite its first admin."))
            return redirect("platform:organization", pk=organization.pk)
    return render(request, "platform/organization_new.html", {"form": form})


@platform_admin_required
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organization = _organization(pk)
    context = {
        "organization": organization,
        "settings_form": OrganizationSettingsForm(
            initial={"kind": organization.kind, "country": organization.country}
        ),
        "invite_form": AdminInvitationForm(),
        "invitations": StaffInvitation.objects.filter(
            organization=organization, role=Role.ORG_ADMIN
        ).select_related("invited_by")[:20],
        "admin_count": organization.memberships.active()
        .filter(role=Role.ORG_ADMIN, user__is_active=True)
        .count(),
    }
    return render(request, "platform/organization_detail.html", context)


@platform_admin_required
@require_sudo_mode
def organization_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organization = _organization(pk)
    form = OrganizationSettingsForm(
        posted(request), initial={"kind": organization.kind, "country": organization.country}
    )
    if form.is_valid():
        changed = platform_admin.organization_settings_change(
            actor=request.actor, organization=organization, **form.cleaned_data
        )
        if changed:
            messages.success(request, _("The organization's kind and country were saved."))
        else:
            messages.info(request, _("Nothing changed."))
        return redirect("platform:organization", pk=organization.pk)
    return render(
        request, "platform/organization_edit.html", {"organization": organization, "form": form}
    )


@platform_admin_required
@require_POST
@require_sudo_mode
def organization_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    organization = _organization(pk)
    platform_admin.organization_active_set(
        actor=request.actor, organization=organization, active=False
    )
    messages.success(
        request, _("The organization was deactivated: its members can no longer sign in to it.")
    )
    return redirect("platform:organization", pk=organization.pk)


@platform_admin_required
@require_POST
@require_sudo_mode
def organization_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    organization = _organization(pk)
    platform_admin.organization_active_set(
        actor=request.actor, organization=organization, active=True
    )
    messages.success(request, _("The organization was reactivated."))
    return redirect("platform:organization", pk=organization.pk)


@platform_admin_required
@require_sudo_mode
@idempotent_create
def admin_invite(request: HttpRequest, pk: int) -> HttpResponse:
    organization = _organization(pk)
    form = AdminInvitationForm(posted(request))
    if form.is_valid():
        try:
            staff.staff_invitation_send(
                actor=request.actor,
                organization=organization,
                email=form.cleaned_data["email"],
                role=Role.ORG_ADMIN,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The invitation is on its way."))
            return redirect("platform:organization", pk=organization.pk)
    return render(
        request, "platform/admin_invite.html", {"organization": organization, "form": form}
    )


def _admin_invitation(pk: int) -> StaffInvitation:
    return get_object_or_404(
        StaffInvitation.objects.select_related("organization"), pk=pk, role=Role.ORG_ADMIN
    )


@platform_admin_required
@require_POST
@require_sudo_mode
def invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _admin_invitation(pk)
    try:
        staff.staff_invitation_resend(actor=request.actor, invitation=invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The invitation was sent again with a new link."))
    return redirect("platform:organization", pk=invitation.organization_id)


@platform_admin_required
@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _admin_invitation(pk)
    staff.staff_invitation_revoke(actor=request.actor, invitation=invitation)
    messages.success(request, _("The invitation was withdrawn; its link no longer works."))
    return redirect("platform:organization", pk=invitation.organization_id)
