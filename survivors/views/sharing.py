"""Consent, referrals and the needs-and-services view of one survivor."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.access import fetch_for_user, posted
from aftercare.idempotency import idempotent_create
from survivors import forms
from survivors.models import Consent, DataCategory, Referral, ServiceGoal
from survivors.services.record import survivor_category_require, survivor_open
from survivors.services.sharing import (
    consent_record,
    consent_revoke,
    goal_add,
    goal_set_status,
    referral_move,
    referral_open,
    referral_send,
)
from survivors.signals import referral_follow_ups


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@idempotent_create
def consent_list(request: HttpRequest, pk: int) -> HttpResponse:
    survivor = survivor_open(request=request, pk=pk, for_change=True).survivor
    form = forms.ConsentForm(
        posted(request),
        survivor=survivor,
        may_override=request.membership.role_enum.overrides_consent,
    )
    if form.is_valid():
        try:
            consent_record(actor=request.actor, survivor=survivor, data=form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Consent recorded."))
            return redirect("survivors:consents", pk=survivor.pk)
    consents = survivor.consents.select_related("recipient", "recorded_by", "revoked_by")
    return render(
        request,
        "survivors/consents.html",
        {
            "survivor": survivor,
            "form": form,
            "consents": consents,
            "revoke_form": forms.RevokeForm(),
        },
    )


@require_POST
def consent_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    consent = fetch_for_user(request, Consent.objects.select_related("survivor"), pk=pk)
    survivor_open(request=request, pk=consent.survivor_id, for_change=True)
    form = forms.RevokeForm(request.POST)
    if form.is_valid() and consent.revoked_at is None:
        consent_revoke(actor=request.actor, consent=consent, reason=form.cleaned_data["reason"])
        messages.success(request, _("Consent revoked. Sharing under it stopped now."))
    return redirect("survivors:consents", pk=consent.survivor_id)


def share_record(request: HttpRequest, pk: int) -> HttpResponse:
    """A plain-language, printable record of every share, for the survivor."""
    survivor = survivor_open(request=request, pk=pk, for_change=True).survivor
    consents = survivor.consents.select_related("recipient").order_by("recorded_at")
    referrals = survivor.referrals.select_related("to_organization").order_by("sent_at")
    return render(
        request,
        "survivors/share_record.html",
        {"survivor": survivor, "consents": consents, "referrals": referrals},
    )


@idempotent_create
def referral_new(request: HttpRequest, pk: int) -> HttpResponse:
    survivor = survivor_open(request=request, pk=pk, for_change=True).survivor
    form = forms.ReferralForm(posted(request), survivor=survivor)
    if form.is_valid():
        try:
            referral = referral_send(actor=request.actor, survivor=survivor, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Referral sent."))
            return redirect("survivors:referral", pk=referral.pk)
    return render(request, "survivors/referral_new.html", {"survivor": survivor, "form": form})


def referral_list(request: HttpRequest) -> HttpResponse:
    referrals = Referral.objects.visible_to(request.membership).select_related(
        "survivor", "from_organization", "to_organization"
    )[:100]
    org = request.membership.organization_id
    incoming = [r for r in referrals if r.to_organization_id == org]
    outgoing = [r for r in referrals if r.from_organization_id == org]
    return render(
        request, "survivors/referral_list.html", {"incoming": incoming, "outgoing": outgoing}
    )


def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = referral_open(request=request, pk=pk)
    org = request.membership.organization_id
    choices = [(s, Referral.Status(s).label) for s in referral.next_statuses(org)]
    form = forms.ReferralMoveForm(posted(request), statuses=choices)
    if request.method == "POST" and form.is_valid():
        try:
            referral_move(actor=request.actor, referral=referral, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Referral updated."))
            return redirect("survivors:referral", pk=referral.pk)
    follow_ups = [
        link
        for _receiver, links in referral_follow_ups.send(
            sender=Referral, referral=referral, membership=request.membership
        )
        for link in links or ()
    ]
    return render(
        request,
        "survivors/referral_detail.html",
        {
            "referral": referral,
            "form": form if choices else None,
            "side": referral.side_of(org),
            "follow_ups": follow_ups,
        },
    )


@idempotent_create
def services_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Every need, its referrals and their status, and the service plan's goals."""
    view = survivor_open(request=request, pk=pk)
    survivor_category_require(actor=request.actor, view=view, category=DataCategory.NEEDS)
    survivor = view.survivor
    form = forms.GoalForm(posted(request))
    if request.method == "POST":
        survivor_open(request=request, pk=pk, for_change=True)
        if form.is_valid():
            goal_add(actor=request.actor, survivor=survivor, **form.cleaned_data)
            messages.success(request, _("Goal added to the service plan."))
            return redirect("survivors:services", pk=pk)
    referrals = survivor.referrals.select_related("to_organization")
    if view.shared:  # another organization sees only its own referral, not the others
        referrals = referrals.filter(to_organization=request.membership.organization)
    goals = survivor.goals.all()
    rows = [
        (
            need,
            label,
            [r for r in referrals if r.need == need],
            [g for g in goals if g.need == need],
        )
        for need, label in zip(survivor.needs, survivor.labels("needs"), strict=True)
    ]
    return render(
        request,
        "survivors/services.html",
        {
            "view": view,
            "survivor": survivor,
            "rows": rows,
            "form": form,
            "other_referrals": [r for r in referrals if r.need not in survivor.needs],
            "goal_statuses": ServiceGoal.Status.choices,
        },
    )


@require_POST
def goal_status(request: HttpRequest, pk: int) -> HttpResponse:
    goal = fetch_for_user(request, ServiceGoal.objects.select_related("survivor"), pk=pk)
    survivor_open(request=request, pk=goal.survivor_id, for_change=True)
    if request.POST.get("status") in ServiceGoal.Status.values:
        goal_set_status(actor=request.actor, goal=goal, status=request.POST["status"])
        messages.success(
            request,
            _("Goal marked “%(status)s”.") % {"status": goal.get_status_display()},
        )
    return redirect("survivors:services", pk=goal.survivor_id)
