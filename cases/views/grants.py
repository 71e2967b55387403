"""The organization's grants: list, add, change (its admins, in sudo mode)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from aftercare.access import fetch_for_user, posted, require_sudo_mode, role_required
from aftercare.idempotency import idempotent_create
from cases.forms import GrantForm
from cases.models import Grant
from cases.services.grants import grant_create, grant_update

org_admins = role_required(lambda m: m.role_enum.manages_members)


@org_admins
@require_sudo_mode
def grant_list(request: HttpRequest) -> HttpResponse:
    grants = Grant.objects.visible_to(request.membership)
    return render(request, "cases/grant_list.html", {"grants": grants})


@org_admins
@require_sudo_mode
@idempotent_create
def grant_add(request: HttpRequest) -> HttpResponse:
    form = GrantForm(posted(request))
    if form.is_valid():
        try:
            grant = grant_create(actor=request.actor, data=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Grant %(code)s added.") % {"code": grant.code})
            return redirect("cases:grants")
    return render(request, "cases/grant_form.html", {"form": form, "grant": None})


@org_admins
@require_sudo_mode
def grant_edit(request: HttpRequest, pk: int) -> HttpResponse:
    grant = fetch_for_user(request, Grant.objects, pk=pk)
    form = GrantForm(posted(request), grant=grant)
    if form.is_valid():
        try:
            changed = grant_update(actor=request.actor, grant=grant, data=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if changed:
                messages.success(request, _("Grant %(code)s saved.") % {"code": grant.code})
            return redirect("cases:grants")
    return render(request, "cases/grant_form.html", {"form": form, "grant": grant})
