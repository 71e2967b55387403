"""The survivor list and record: what the acting member may see of it."""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.access import require_sudo_mode
from aftercare.blind_index import birth_date_token, name_tokens
from aftercare.models import AuditEvent
from aftercare.pagination import CappedPage
from survivors.forms import SurvivorSearchForm
from survivors.models import Referral, Survivor
from survivors.services.engagement import engagement_may_record
from survivors.services.record import (
    safe_location_reveal,
    survivor_close,
    survivor_legal_hold_set,
    survivor_open,
    survivor_search_record,
)
from survivors.services.retention import survivor_erase
from survivors.views.merge import merged_tombstone_redirect

PAGE_SIZE = 25


_TOKEN = re.compile(r"^[0-9a-f]{64}$")


def _tokens_from(request: HttpRequest) -> tuple[list[str], str | None]:
    """Names and birth dates travel as keyed hashes: never in a URL, a log or the history."""
    names = [t for t in request.GET.get("t", "").split(",") if _TOKEN.match(t)][:9]
    birth = request.GET.get("b", "")
    return names, birth if _TOKEN.match(birth) else None


def _filtered(survivors, data: dict, name_tokens: list[str], birth_token: str | None):
    survivors = survivors.matching_tokens(name_tokens=name_tokens, birth_token=birth_token)
    if data.get("status"):
        survivors = survivors.filter(status=data["status"])
    if data.get("need"):
        survivors = survivors.with_need(data["need"])
    if data.get("referral") == "none":
        survivors = survivors.exclude(Exists(Referral.objects.filter(survivor=OuterRef("pk"))))
    elif data.get("referral"):
        survivors = survivors.filter(
            Exists(Referral.objects.filter(survivor=OuterRef("pk"), status=data["referral"]))
        )
    if data.get("minor"):
        survivors = survivors.filter(is_minor=data["minor"] == "yes")
    return survivors


def survivor_list(request: HttpRequest) -> HttpResponse:
    search_form = None
    if request.method == "POST":
        search_form = SurvivorSearchForm(request.POST)
        if search_form.is_valid():
            return _search_redirect(request, search_form.cleaned_data)
        # An invalid search (a date that is not one) shows what is wrong beside what
        # was typed, over the unfiltered list, instead of dropping the search.
    filters = SurvivorSearchForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    name_tokens, birth_token = _tokens_from(request)
    survivors = (
        Survivor.objects.visible_to(request.membership)
        .with_list_columns()
        .exclude(status__in=[Survivor.Status.DRAFT, Survivor.Status.ERASED])
        .newest_first()
    )
    filtering = any(v for k, v in data.items() if k not in ("name", "born"))
    searching = bool(name_tokens or birth_token or filtering)
    if searching:
        # Filters answer questions about needs, age and status: asked of the
        # organization's own records only, never of survivors shared under a consent.
        # A name or birth date alone also finds those whose consent shares identity.
        organization_id = request.membership.organization_id
        scope = (
            survivors.filter(organization_id=organization_id)
            if filtering
            else survivors.findable_by_identity(organization_id)
        )
        survivors = _filtered(scope, data, name_tokens, birth_token)
    page = CappedPage(survivors, request.GET.get("page"), per_page=PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    form = search_form or SurvivorSearchForm(
        initial={k: v for k, v in data.items() if k not in ("name", "born")}
    )
    return render(
        request,
        "survivors/list.html",
        {
            "form": form,
            "page": page,
            "searching": searching,
            "query": query.urlencode(),
            "by_name": bool(name_tokens),
            "by_birth_date": bool(birth_token),
        },
    )


def _search_redirect(request: HttpRequest, data: dict) -> HttpResponse:
    """Turn a posted search into an address that holds hashes and filters, not names."""
    params = {k: data[k] for k in ("status", "need", "minor", "referral") if data[k]}
    if data["name"]:
        params["t"] = ",".join(name_tokens(data["name"]).values())
    if data["born"]:
        params["b"] = birth_date_token(data["born"])
    # The search itself is recorded, never its terms: they are personal data.
    survivor_search_record(
        actor=request.actor, by_name=bool(data["name"]), by_birth_date=bool(data["born"])
    )
    return redirect(f"{reverse('survivors:list')}?{urlencode(params)}")


def survivor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if tombstone := merged_tombstone_redirect(request, pk):
        return tombstone
    view = survivor_open(request=request, pk=pk)
    return render(request, "survivors/detail.html", _detail_context(request, view))


def _detail_context(request, view, **extra) -> dict:
    survivor = view.survivor
    seen_by = None
    if request.membership.role_enum.reads_audit_trail and not view.shared:
        seen_by = (
            AuditEvent.objects.filter(
                object_type="survivors.survivor",
                object_id=str(survivor.pk),
                action="survivors.survivor.viewed",
            )
            .select_related("actor")
            .order_by("-id")[:20]
        )
    return {
        "view": view,
        "survivor": survivor,
        "seen_by": seen_by,
        "aliases": [a.name for a in survivor.aliases.all()] if view.shows("identity") else [],
        "contacts": list(survivor.contacts.all()) if view.shows("contact") else [],
        "may_reveal": request.membership.role_enum.may_reveal_safe_location,
        "manages": not view.shared and request.membership.role_enum.sees_whole_organization,
        "client_file": view.client_file,
        "client_file_own": not view.shared,
        "may_engage": view.client_file is None and engagement_may_record(request.actor),
        "may_work_on_client_file": engagement_may_record(request.actor),
        **extra,
    }


@require_POST
@require_sudo_mode
def survivor_reveal_location(request: HttpRequest, pk: int) -> HttpResponse:
    view = survivor_open(request=request, pk=pk)
    location = safe_location_reveal(actor=request.actor, survivor=view.survivor)
    return render(
        request, "survivors/detail.html", _detail_context(request, view, revealed_location=location)
    )


@require_POST
def survivor_legal_hold(request: HttpRequest, pk: int) -> HttpResponse:
    view = survivor_open(request=request, pk=pk, for_change=True, manage=True)
    on = request.POST.get("on") == "1"
    survivor_legal_hold_set(actor=request.actor, survivor=view.survivor, on=on)
    messages.success(
        request,
        _("Legal hold placed: this record will not be erased.") if on else _("Legal hold lifted."),
    )
    return redirect("survivors:detail", pk=pk)


@require_POST
def survivor_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    view = survivor_open(request=request, pk=pk, for_change=True, manage=True)
    survivor_close(actor=request.actor, survivor=view.survivor)
    messages.success(request, _("The record is closed."))
    return redirect("survivors:detail", pk=pk)


@require_sudo_mode
def survivor_erase_view(request: HttpRequest, pk: int) -> HttpResponse:
    view = survivor_open(request=request, pk=pk, for_change=True, manage=True)
    if request.method == "POST" and request.POST.get("confirm") == view.survivor.code:
        try:
            report = survivor_erase(actor=request.actor, survivor=view.survivor)
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect("survivors:detail", pk=pk)
        messages.success(request, _("The survivor's personal data was erased."))
        # What each app wiped and kept, shown once to the person who erased.
        return render(
            request, "survivors/erase.html", {"survivor": view.survivor, "report": report}
        )
    wrong_code = request.method == "POST"
    return render(
        request, "survivors/erase.html", {"survivor": view.survivor, "wrong_code": wrong_code}
    )
