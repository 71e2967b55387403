"""Conflict checks: run, decide, and open the matter."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from aftercare.access import fetch_for_user, posted, role_required
from aftercare.audit import audit_record_by
from aftercare.idempotency import idempotent_create
from cases import forms
from cases.models import ConflictCheck, Matter
from cases.services.conflicts import (
    checked_parties,
    conflict_check_decide,
    conflict_check_run,
    hits_for,
)
from cases.services.matters import matter_open
from survivors.models import Purpose, Referral, Survivor
from survivors.services.record import survivor_open

# Conflict checks are a legal organization's duty; a partner NGO has none to run (and
# must not be able to test names against records it erased).
coordinators = role_required(
    lambda m: (
        m.role_enum.sees_whole_organization and m.organization.kind == m.organization.Kind.LEGAL_AID
    )
)


@coordinators
def conflict_queue(request: HttpRequest) -> HttpResponse:
    """Referrals for representation that have no matter yet, and recent checks."""
    org = request.membership.organization
    referrals = (
        Referral.objects.filter(
            to_organization=org, purpose=Purpose.LEGAL_REPRESENTATION, status__in=Referral.OPEN
        )
        .exclude(survivor__in=Matter.objects.filter(organization=org).values("client_id"))
        .select_related("survivor", "from_organization")[:50]
    )
    walk_ins = (
        Survivor.objects.filter(organization=org, status=Survivor.Status.ACTIVE)
        .exclude(pk__in=Matter.objects.filter(organization=org).values("client_id"))
        .with_list_columns()[:50]
    )
    checks = ConflictCheck.objects.visible_to(request.membership).select_related(
        "client", "requested_by"
    )[:25]
    return render(
        request,
        "cases/conflict_queue.html",
        {"referrals": referrals, "checks": checks, "walk_ins": walk_ins},
    )


@coordinators
@idempotent_create
def conflict_new(request: HttpRequest, survivor_pk: int) -> HttpResponse:
    client = survivor_open(request=request, pk=survivor_pk).survivor
    referral = _answered_referral(request, client)
    if "add_party" in request.POST:
        # Not a submission: the same form again, everything typed kept, one party more.
        formset = forms.party_formset_with_one_more(request.POST)
        # Keyboard and screen-reader users land on the party they just added.
        formset.forms[-1].fields["role"].widget.attrs["autofocus"] = True
        return render(
            request,
            "cases/conflict_new.html",
            {"client": client, "formset": formset, "referral": referral},
        )
    formset = forms.PartyFormSet(posted(request), prefix="party")
    if formset.is_valid():
        parties = [f.cleaned_data for f in formset if f.cleaned_data.get("name")]
        check = conflict_check_run(
            actor=request.actor, client=client, parties=parties, referral=referral
        )
        return redirect("cases:conflict", pk=check.pk)
    return render(
        request,
        "cases/conflict_new.html",
        {"client": client, "formset": formset, "referral": referral},
    )


def _answered_referral(request: HttpRequest, client: Survivor) -> Referral | None:
    """The referral the check answers, when the queue's link names one: this client's,
    received by us. Any other id is a 404, like every record the member may not see."""
    wanted = request.GET.get("referral", "")
    if not wanted:
        return None
    received = Referral.objects.filter(
        survivor=client, to_organization=request.membership.organization
    )
    return fetch_for_user(
        request, received, pk=wanted if wanted.isascii() and wanted.isdigit() else 0
    )


@idempotent_create
def conflict_detail(request: HttpRequest, pk: int) -> HttpResponse:
    check = fetch_for_user(
        request,
        ConflictCheck.objects.select_related(
            "client", "requested_by", "decided_by", "organization"
        ),
        pk=pk,
    )
    may_decide = request.membership.role_enum.sees_whole_organization
    if request.method == "POST" and not may_decide:
        # The member who ran the check sees it; deciding and opening are a coordinator's.
        audit_record_by(
            request.actor,
            "aftercare.access.denied",
            target=check,
            payload={"method": request.method},
        )
        raise PermissionDenied
    decision_form = forms.DecisionForm(posted(request) if "decision" in request.POST else None)
    open_form = forms.MatterOpenForm(
        posted(request) if "sub_kind" in request.POST else None, organization=check.organization
    )
    if decision_form.is_valid():
        try:
            conflict_check_decide(actor=request.actor, check=check, **decision_form.cleaned_data)
        except ValidationError as error:
            decision_form.add_error(None, error)
        else:
            return redirect("cases:conflict", pk=check.pk)
    if open_form.is_valid():
        try:
            matter = matter_open(actor=request.actor, check=check, **open_form.cleaned_data)
        except ValidationError as error:
            open_form.add_error(None, error)
        else:
            messages.success(request, _("Matter %(number)s opened.") % {"number": matter.number})
            return redirect("cases:detail", pk=matter.pk)
    return render(
        request,
        "cases/conflict_detail.html",
        {
            "check": check,
            "hits": hits_for(check, request.membership),
            "parties": checked_parties(check),
            "decision_form": decision_form,
            "open_form": open_form,
            "matters": check.matters.all(),
            "may_open": may_decide,
        },
    )
