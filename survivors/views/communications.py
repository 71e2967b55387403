"""A survivor's communications log: the acting organization's own entries, and a form to
log one more, which the safe-contact rules may refuse."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from aftercare.access import posted
from aftercare.idempotency import idempotent_create
from survivors.forms import CommunicationForm
from survivors.services.communications import (
    communication_log,
    communications_for,
    may_override,
    organization_zone,
)
from survivors.services.record import survivor_open


@idempotent_create
def communications(request: HttpRequest, pk: int) -> HttpResponse:
    # Everyone who may see the survivor logs their own contacts with them: the log is
    # the organization's record of its work, not a change to the survivor's record.
    view = survivor_open(request=request, pk=pk)
    survivor = view.survivor
    zone = organization_zone(request.membership.organization)
    form = CommunicationForm(posted(request), zone=zone, may_override=may_override(request.actor))
    if form.is_valid():
        data = form.cleaned_data
        try:
            communication_log(
                actor=request.actor,
                survivor=survivor,
                data=data,
                override_reason=data.get("override_reason", ""),
            )
        except ValidationError as refusal:
            # Refused by the safe-contact rules: nothing saved, everything typed kept.
            form.add_error(None, refusal)
        else:
            messages.success(request, _("Contact logged."))
            return redirect("survivors:communications", pk=survivor.pk)
    return render(
        request,
        "survivors/communications.html",
        {
            "survivor": survivor,
            "view": view,
            "form": form,
            "entries": communications_for(actor=request.actor, survivor=survivor),
            "zone": zone,
            "erased": survivor.status == survivor.Status.ERASED,
        },
    )
