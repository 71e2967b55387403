"""The organization's webhook endpoints: register, see the secret once, rotate it, turn
off and on, delete, and read the delivery log (its admins, in sudo mode)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.access import fetch_for_user, posted, require_sudo_mode, role_required
from aftercare.idempotency import idempotent_create
from webhooks import services
from webhooks.forms import EndpointForm
from webhooks.models import Attempt, Delivery, Endpoint

org_admins = role_required(lambda m: m.role_enum.manages_members)
LOG_SIZE = 100


@org_admins
@require_sudo_mode
def endpoint_list(request: HttpRequest) -> HttpResponse:
    endpoints = Endpoint.objects.visible_to(request.membership)
    return render(request, "webhooks/endpoint_list.html", {"endpoints": endpoints})


@org_admins
@require_sudo_mode
@idempotent_create
def endpoint_add(request: HttpRequest) -> HttpResponse:
    form = EndpointForm(posted(request))
    if form.is_valid():
        endpoint = services.endpoint_create(actor=request.actor, **form.cleaned_data)
        messages.success(request, _("The endpoint was added."))
        return redirect("webhooks:endpoint", pk=endpoint.pk)
    return render(request, "webhooks/endpoint_form.html", {"form": form})


@org_admins
@require_sudo_mode
def endpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = fetch_for_user(request, Endpoint.objects, pk=pk)
    secret = services.endpoint_secret_reveal(endpoint=endpoint)
    attempts = (
        Attempt.objects.filter(delivery__endpoint=endpoint)
        .select_related("delivery__event")
        .order_by("-started_at", "-id")[:LOG_SIZE]
    )
    waiting = Delivery.objects.filter(endpoint=endpoint, status=Delivery.Status.PENDING).count()
    # Pages are not cached (aftercare's middleware says no-store): the secret stays in none.
    return render(
        request,
        "webhooks/endpoint_detail.html",
        {"endpoint": endpoint, "secret": secret, "attempts": attempts, "waiting": waiting},
    )


@require_POST
@org_admins
@require_sudo_mode
def endpoint_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = fetch_for_user(request, Endpoint.objects, pk=pk)
    services.endpoint_rotate_secret(actor=request.actor, endpoint=endpoint)
    messages.success(
        request,
        _("A new secret was made. The old one no longer signs anything: update your system."),
    )
    return redirect("webhooks:endpoint", pk=endpoint.pk)


@require_POST
@org_admins
@require_sudo_mode
def endpoint_disable(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = fetch_for_user(request, Endpoint.objects, pk=pk)
    services.endpoint_set_enabled(actor=request.actor, endpoint=endpoint, enabled=False)
    messages.success(request, _("The endpoint is turned off: nothing is sent to it."))
    return redirect("webhooks:endpoint", pk=endpoint.pk)


@require_POST
@org_admins
@require_sudo_mode
def endpoint_enable(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = fetch_for_user(request, Endpoint.objects, pk=pk)
    services.endpoint_set_enabled(actor=request.actor, endpoint=endpoint, enabled=True)
    messages.success(request, _("The endpoint is turned on: new events are sent to it."))
    return redirect("webhooks:endpoint", pk=endpoint.pk)


@require_POST
@org_admins
@require_sudo_mode
def endpoint_delete(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = fetch_for_user(request, Endpoint.objects, pk=pk)
    services.endpoint_delete(actor=request.actor, endpoint=endpoint)
    messages.success(request, _("The endpoint and its delivery log were deleted."))
    return redirect("webhooks:endpoints")
