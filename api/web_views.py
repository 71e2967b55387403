"""An organization admin's page for API clients: create (the key is shown once), revoke.

Both in sudo mode, like every other admin action on who may act for the organization.
"""

from __future__ import annotations

from datetime import datetime, time

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.access import fetch_for_user, posted, require_sudo_mode, role_required
from aftercare.idempotency import idempotent_create
from api.forms import ApiClientForm
from api.models import ApiClient
from api.services import api_client_create, api_client_revoke

# The new key waits here for one page view, then is gone: the list pops it.
KEY_ONCE = "api_client_key_once"


def _end_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


@role_required(lambda m: m.role_enum.manages_members)
@require_sudo_mode
@idempotent_create
def client_list(request: HttpRequest) -> HttpResponse:
    form = ApiClientForm(posted(request))
    if form.is_valid():
        data = form.cleaned_data
        try:
            client, key = api_client_create(
                actor=request.actor,
                name=data["name"],
                role=data["role"],
                scopes=data["scopes"],
                expires_at=_end_of(data["expires_on"]),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            request.session[KEY_ONCE] = {"client": client.pk, "key": key}
            return redirect("api_clients:list")
    new_key = request.session.pop(KEY_ONCE, None) if request.method == "GET" else None
    clients = ApiClient.objects.visible_to(request.membership).select_related(
        "membership", "created_by"
    )
    return render(
        request,
        "api/clients.html",
        {"form": form, "clients": clients[:100], "new_key": new_key},
    )


@require_POST
@role_required(lambda m: m.role_enum.manages_members)
@require_sudo_mode
def client_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    client = fetch_for_user(request, ApiClient.objects.all(), pk=pk)
    api_client_revoke(actor=request.actor, client=client)
    messages.success(request, _("The key was revoked: it no longer works."))
    return redirect("api_clients:list")
