"""The organization's deadline rules and its courts and agencies (org admins)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from aftercare.access import fetch_for_user, posted, role_required
from aftercare.audit import audit_record_for_request
from cases import forms
from cases.models import Deadline, DeadlineRule, Jurisdiction, ReminderPolicy
from cases.models.reminders import DEFAULT_OFFSETS
from cases.services.deadlines import deadline_rules_install
from cases.services.reminders import reminder_policy_save

org_admins = role_required(lambda m: m.role_enum.manages_members)


@org_admins
def rule_list(request: HttpRequest) -> HttpResponse:
    deadline_rules_install(organization=request.membership.organization)
    rules = DeadlineRule.objects.filter(organization=request.membership.organization)
    return render(request, "cases/rule_list.html", {"rules": rules})


@org_admins
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = fetch_for_user(request, DeadlineRule.objects, pk=pk)
    form = forms.RuleForm(posted(request), instance=rule)
    if form.is_valid():
        form.save()
        audit_record_for_request(
            request,
            "cases.deadline_rule.changed",
            target=rule,
            payload={"fields": sorted(form.changed_data)},
        )
        messages.success(request, _("Rule saved. Deadlines computed before keep their dates."))
        return redirect("cases:rules")
    return render(request, "cases/rule_edit.html", {"form": form, "rule": rule})


@org_admins
def jurisdiction_list(request: HttpRequest) -> HttpResponse:
    org = request.membership.organization
    form = forms.JurisdictionForm(posted(request), instance=Jurisdiction(organization=org))
    if form.is_valid():
        jurisdiction = form.save()
        audit_record_for_request(request, "cases.jurisdiction.added", target=jurisdiction)
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
        reminder_policy_save(request=request, days_by_kind=form.cleaned_data)
        messages.success(
            request, _("Reminder days saved. They apply to deadlines added or changed from now on.")
        )
        return redirect("cases:reminder_policy")
    return render(request, "cases/reminder_policy.html", {"form": form})
