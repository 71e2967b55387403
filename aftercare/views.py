"""The dashboard and the organization's own pages: profile, members, audit trail."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.template import loader
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare import services, staff
from aftercare.access import (
    fetch_for_user,
    posted,
    require_sudo_mode,
    role_required,
    second_factor_not_required,
)
from aftercare.attention import attention_for
from aftercare.dashboard import panels_for
from aftercare.forms import MembershipForm, OrganizationProfileForm, StaffInvitationForm
from aftercare.health import beat_problem
from aftercare.idempotency import idempotent_create
from aftercare.models import AuditEvent, Membership, Notification, Organization, StaffInvitation

AUDIT_PAGE_SIZE = 50

health_logger = logging.getLogger("aftercare.health")


def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "aftercare/dashboard.html", {"panels": panels_for(request)})


@role_required(lambda m: m.role_enum.sees_whole_organization)
def attention(request: HttpRequest) -> HttpResponse:
    """What needs a coordinator: each feature app lists its own (aftercare/attention.py)."""
    groups = attention_for(request.membership, timezone.localdate())
    return render(request, "aftercare/attention.html", {"groups": groups})


def organization_profile(request: HttpRequest) -> HttpResponse:
    organization = request.membership.organization
    can_edit = request.membership.role_enum.manages_members
    form = OrganizationProfileForm(instance=organization) if can_edit else None
    return render(
        request, "aftercare/organization.html", {"organization": organization, "form": form}
    )


@role_required(lambda m: m.role_enum.manages_members)
@require_sudo_mode
def organization_edit(request: HttpRequest) -> HttpResponse:
    organization = request.membership.organization
    # The form gets its own copy: a bound model form writes what was typed onto its
    # instance, and the acting organization's (shown in the page header) must not change
    # unless the service saves it.
    copy = Organization.objects.get(pk=organization.pk)
    form = OrganizationProfileForm(posted(request), instance=copy)
    if request.method == "POST" and form.is_valid():
        changed = services.organization_update(
            actor=request.actor, organization=organization, data=form.cleaned_data
        )
        if changed:
            messages.success(request, _("The organization profile was saved."))
        else:
            messages.info(request, _("Nothing changed: the profile already said that."))
        return redirect("organization")
    return render(request, "aftercare/organization_edit.html", {"form": form})


@role_required(lambda m: m.role_enum.manages_members)
def member_list(request: HttpRequest) -> HttpResponse:
    # API clients' service members are managed on the API clients page, not here.
    members = (
        Membership.objects.visible_to(request.membership)
        .filter(is_service=False)
        .select_related("user")
    )
    return render(request, "aftercare/member_list.html", {"members": members})


def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = fetch_for_user(
        request, Membership.objects.select_related("user", "organization"), pk=pk
    )
    return render(request, "aftercare/member_detail.html", {"member": membership})


@require_sudo_mode
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership = fetch_for_user(
        request, Membership.objects.select_related("user", "organization"), pk=pk
    )
    form = MembershipForm(
        posted(request),
        initial={
            "role": membership.role,
            "is_active": membership.is_active,
            "bar_number": membership.bar_number,
            "phone": membership.phone,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_update(
                actor=request.actor,
                membership=membership,
                role=form.cleaned_data["role"],
                is_active=form.cleaned_data["is_active"],
                bar_number=form.cleaned_data["bar_number"],
                phone=form.cleaned_data["phone"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The membership was updated."))
            return redirect("member_detail", pk=membership.pk)
    return render(request, "aftercare/member_edit.html", {"member": membership, "form": form})


@role_required(lambda m: m.role_enum.manages_members)
@require_sudo_mode
@idempotent_create
def staff_invitations(request: HttpRequest) -> HttpResponse:
    """Invite staff with a role; the invitations sent, to resend or withdraw."""
    form = StaffInvitationForm(posted(request))
    if form.is_valid():
        try:
            staff.staff_invitation_send(
                actor=request.actor,
                organization=request.membership.organization,
                **form.cleaned_data,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The invitation is on its way."))
            return redirect("staff_invitations")
    sent = StaffInvitation.objects.visible_to(request.membership).select_related("invited_by")
    return render(
        request, "aftercare/staff_invitations.html", {"form": form, "invitations": sent[:100]}
    )


@require_POST
@require_sudo_mode
def staff_invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = fetch_for_user(
        request, StaffInvitation.objects.select_related("organization"), pk=pk
    )
    try:
        staff.staff_invitation_resend(actor=request.actor, invitation=invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The invitation was sent again with a new link."))
    return redirect("staff_invitations")


@require_POST
def staff_invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = fetch_for_user(
        request, StaffInvitation.objects.select_related("organization"), pk=pk
    )
    staff.staff_invitation_revoke(actor=request.actor, invitation=invitation)
    messages.success(request, _("The invitation was withdrawn; its link no longer works."))
    return redirect("staff_invitations")


@role_required(lambda m: m.role_enum.reads_audit_trail)
def audit_trail(request: HttpRequest) -> HttpResponse:
    events = AuditEvent.objects.filter(organization=request.membership.organization)
    before = request.GET.get("before", "")
    if before.isascii() and before.isdigit():
        events = events.filter(id__lt=int(before))
    page = list(events.select_related("actor").order_by("-id")[: AUDIT_PAGE_SIZE + 1])
    has_older = len(page) > AUDIT_PAGE_SIZE
    page = page[:AUDIT_PAGE_SIZE]
    return render(
        request,
        "aftercare/audit_trail.html",
        {"events": page, "older_than": page[-1].pk if has_older else None},
    )


@login_not_required
@second_factor_not_required
def healthz(request: HttpRequest) -> HttpResponse:
    """200 "ok" when the database answers and beat ticks; 503 with one short reason
    (never personal data) otherwise, for monitoring and the containers' health checks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    if problem := beat_problem():
        response = HttpResponse(problem, status=503, content_type="text/plain")
        # A known state, polled every few seconds while it lasts: a warning each time,
        # not Django's ERROR for a 5xx (which mails the admins, for every poll).
        response._has_been_logged = True
        health_logger.warning("Health check: %s", problem)
        return response
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
@second_factor_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    template = loader.get_template("403_csrf.html")
    return HttpResponseForbidden(template.render({}, request))


def notification_list(request: HttpRequest) -> HttpResponse:
    """The acting member's notifications, for the organization they act for now."""
    notifications = Notification.objects.visible_to(request.membership)[:100]
    return render(request, "aftercare/notifications.html", {"notifications": notifications})


@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read (this is also the acknowledgement of a reminder)."""
    notification = fetch_for_user(request, Notification.objects, pk=pk)
    services.notification_acknowledge(actor=request.actor, notification=notification)
    # Links are written by our services; only a local path is followed.
    if notification.link.startswith("/") and not notification.link.startswith("//"):
        return redirect(notification.link)
    return redirect("notifications")


@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    services.notifications_acknowledge_all(actor=request.actor)
    return redirect("notifications")
