"""The engagement: when a survivor becomes the legal organization's client, when the
representation ends, and the client file's own legal hold and erasure."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.access import fetch_for_user, posted, require_sudo_mode
from aftercare.audit import audit_record_by
from aftercare.idempotency import idempotent_create
from survivors.forms import EngagementForm
from survivors.identity import Basis, IdentityWithheld, knowledge_basis
from survivors.models import Engagement
from survivors.services.engagement import (
    engagement_end,
    engagement_initial,
    engagement_legal_hold_set,
    engagement_may_record,
    engagement_record,
)
from survivors.services.record import survivor_open
from survivors.services.retention import client_file_erase


@idempotent_create
def engagement_new(request: HttpRequest, pk: int) -> HttpResponse:
    view = survivor_open(request=request, pk=pk)
    if not engagement_may_record(request.actor):
        # They may see the person, not engage on the organization's behalf.
        audit_record_by(
            request.actor,
            "aftercare.access.denied",
            target=view.survivor,
            payload={"method": request.method, "action": "engagement"},
        )
        raise PermissionDenied
    survivor = view.survivor
    basis, _categories = knowledge_basis(
        organization_id=request.membership.organization_id, survivor=survivor
    )
    own = basis == Basis.OWN_RECORD
    try:
        initial = {} if own else engagement_initial(actor=request.actor, survivor=survivor)
    except IdentityWithheld as withheld:
        messages.error(request, withheld.reason)
        return redirect("survivors:detail", pk=pk)
    form = EngagementForm(posted(request), initial=initial, own_record=own)
    if form.is_valid():
        try:
            engagement_record(actor=request.actor, survivor=survivor, data=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("The engagement is recorded: this is now your client file.")
            )
            return redirect("survivors:detail", pk=pk)
    return render(
        request,
        "survivors/engagement_new.html",
        {"survivor": survivor, "form": form, "own_record": own, "prefilled": sorted(initial)},
    )


def _client_file(request: HttpRequest, pk: int) -> Engagement:
    return fetch_for_user(
        request, Engagement.objects.select_related("survivor", "organization"), pk=pk
    )


def _refused(request: HttpRequest, engagement: Engagement, action: str) -> PermissionDenied:
    """They see the client file, but this is not theirs to do."""
    audit_record_by(
        request.actor,
        "aftercare.access.denied",
        target=engagement.survivor,
        payload={"method": request.method, "action": action},
    )
    return PermissionDenied()


@require_POST
def engagement_end_view(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = _client_file(request, pk)
    if not engagement_may_record(request.actor):
        raise _refused(request, engagement, "engagement_end")
    engagement_end(actor=request.actor, engagement=engagement)
    messages.success(request, _("The representation has ended. The client file is kept."))
    return redirect("survivors:detail", pk=engagement.survivor_id)


@require_POST
def engagement_hold_view(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = _client_file(request, pk)
    if not request.membership.role_enum.sees_whole_organization:
        raise _refused(request, engagement, "engagement_legal_hold")
    on = request.POST.get("on") == "1"
    engagement_legal_hold_set(actor=request.actor, engagement=engagement, on=on)
    messages.success(
        request,
        _("Legal hold placed on the client file.") if on else _("Legal hold lifted."),
    )
    return redirect("survivors:detail", pk=engagement.survivor_id)


@require_sudo_mode
def engagement_erase_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Erase the organization's own client file, after typing the client's code."""
    engagement = _client_file(request, pk)
    if not request.membership.role_enum.sees_whole_organization:
        raise _refused(request, engagement, "engagement_erase")
    survivor = engagement.survivor
    if request.method == "POST" and request.POST.get("confirm") == survivor.code:
        try:
            report = client_file_erase(actor=request.actor, engagement=engagement)
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect("survivors:detail", pk=survivor.pk)
        messages.success(request, _("Your organization's client file was erased."))
        return render(
            request,
            "survivors/erase.html",
            {"survivor": survivor, "report": report, "client_file": engagement},
        )
    return render(
        request,
        "survivors/client_file_erase.html",
        {
            "survivor": survivor,
            "engagement": engagement,
            "wrong_code": request.method == "POST",
        },
    )
