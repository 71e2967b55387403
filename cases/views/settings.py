"""The organization's deadline rules and its courts and agencies (org admins)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aftercare.access import fetch_for_user, posted, role_required
from aftercare.idempotency import idempotent_create
from cases import forms
from cases.models import Deadline, DeadlineRule, Jurisdiction, ReminderPolicy
from cases.models.reminders import DEFAULT_OFFSETS
from cases.services.organization_setup import (
    deadline_rule_change,
    deadline_rules_adopt,
    deadline_rules_missing,
    jurisdiction_add,
)
from cases.services.reminders import reminder_policy_save

org_admins = role_required(lambda m: m.role_enum.manages_members)


@org_admins
@idempotent_create
def rule_list(request: HttpRequest) -> HttpResponse:
    """The rules; the shipped ones the organization lacks are added on a POST, never a GET."""
    organization = request.membership.organization
    if request.method == "POST":
        added = deadline_rules_adopt(actor=request.actor)
        messages.success(
            request,
            ngettext("%(n)s rule added.", "%(n)s rules added.", added) % {"n": added},
        )
        return redirect("cases:rules")
    rules = DeadlineRule.objects.filter(organization=organization)
    missing = deadline_rules_missing(organization=organization)
    return render(request, "cases/rule_list.html", {"rules": rules, "missing": missing})


@org_admins
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = fetch_for_user(request, DeadlineRule.objects, pk=pk)
    form = forms.RuleForm(posted(request), instance=rule)
    if form.is_valid():
        deadline_rule_change(actor=request.actor, rule=rule, data=form.cleaned_data)
        messages.success(request, _("Rule saved. Deadlines computed before keep their dates."))
        return redirect("cases:rules")
    return render(request, "cases/rule_edit.html", {"form": form, "rule": rule})


@org_admins
@idempotent_create
def jurisdiction_list(request: HttpRequest) -> HttpResponse:
    org = request.membership.organization
    form = forms.JurisdictionForm(posted(request), instance=Jurisdiction(organization=org))
    if form.is_valid():
        jurisdiction_add(actor=request.actor, data=form.cleaned_data)
        return redirect("cases:jurisdictions")
    return render(
        request,
        "cases/jurisdiction_list.html",
        {"form": form, "jurisdictions": Jurisdiction.objects.filter(organization=org)},
    )


@org_admins
def reminder_policy(request: HttpRequest) -> HttpResponse:
    org = request.membership.organization
    existing = {p.deadline_kind: p for p in ReminderPolicy.objects.filter(organization=org)}
    current = {
        kind: existing[kind].offsets if kind in existing else DEFAULT_OFFSETS
        for kind in Deadline.Kind.values
    }
    form = forms.ReminderPolicyForm(posted(request), policies=current)
    if form.is_valid():
        reminder_policy_save(actor=request.actor, days_by_kind=form.cleaned_data)
        messages.success(
            request, _("Reminder days saved. They apply to deadlines added or changed from now on.")
        )
        return redirect("cases:reminder_policy")
    return render(request, "cases/reminder_policy.html", {"form": form})
