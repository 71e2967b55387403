"""Opportunities as volunteers see them: anonymized until they confirm no conflict."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.access import fetch_for_user
from aftercare.idempotency import idempotent_create
from volunteers.models import Interest, Opportunity
from volunteers.services import staffing


def opportunity_list(request: HttpRequest) -> HttpResponse:
    """Open opportunities: kind, jurisdiction, language and role; nothing about the client."""
    opportunities = list(
        Opportunity.objects.visible_to(request.membership)
        .open()
        .select_related("matter__jurisdiction")
        .only(
            "id",
            "role",
            "language",
            "posted_at",
            "organization_id",
            "matter__kind",
            "matter__sub_kind",
            "matter__jurisdiction__name",
        )
    )
    interests = {
        i.opportunity_id: i
        for i in Interest.objects.filter(
            user=request.user, opportunity__in=[o.pk for o in opportunities]
        )
    }
    rows = [(o, interests.get(o.pk)) for o in opportunities]
    return render(request, "volunteers/opportunities.html", {"rows": rows})


@require_POST
@idempotent_create
def interest_express(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = fetch_for_user(request, Opportunity.objects, pk=pk)
    try:
        staffing.interest_express(actor=request.actor, opportunity=opportunity)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("volunteers:opportunities")
    return redirect("volunteers:opportunity", opportunity.pk)


def _interest(request: HttpRequest, pk: int) -> Interest:
    """The acting volunteer's interest in an opportunity, or 404 (audited)."""
    opportunity = fetch_for_user(
        request,
        Opportunity.objects.with_interest_of(request.user).select_related("matter__jurisdiction"),
        pk=pk,
    )
    interest = Interest.objects.get(opportunity=opportunity, user=request.user)
    interest.opportunity = opportunity
    return interest


def opportunity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    interest = _interest(request, pk)
    details = None
    if interest.confirmed:
        details = staffing.opportunity_details_read(actor=request.actor, interest=interest)
    context = {"interest": interest, "opportunity": interest.opportunity, "details": details}
    return render(request, "volunteers/opportunity.html", context)


@require_POST
def interest_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    interest = _interest(request, pk)
    if request.POST.get("no_conflict") != "yes":
        messages.error(request, _("Tick the box to confirm you have no conflict."))
    else:
        staffing.interest_confirm_no_conflict(actor=request.actor, interest=interest)
    return redirect("volunteers:opportunity", pk)


@require_POST
def interest_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    interest = _interest(request, pk)
    conflict = request.POST.get("reason") == "conflict"
    staffing.interest_withdraw(actor=request.actor, interest=interest, conflict=conflict)
    messages.success(request, _("Withdrawn. Thank you for checking."))
    return redirect("volunteers:opportunities")
