"""Recording the engagement: when a survivor becomes the legal organization's client."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from aftercare.access import posted
from aftercare.audit import audit_record_by
from survivors.forms import EngagementForm
from survivors.identity import Basis, IdentityWithheld, knowledge_basis
from survivors.services.engagement import (
    engagement_initial,
    engagement_may_record,
    engagement_record,
)
from survivors.services.record import survivor_open


def engagement_new(request: HttpRequest, pk: int) -> HttpResponse:
    view = survivor_open(request=request, pk=pk)
    if not engagement_may_record(request.actor):
        # They may see the person, not engage on the organization's behalf.
        audit_record_by(
            request.actor,
            "aftercare.access.denied",
            target=view.survivor,
            payload={"method": request.method, "action": "engagement"},
        )
        raise PermissionDenied
    survivor = view.survivor
    basis, _categories = knowledge_basis(
        organization_id=request.membership.organization_id, survivor=survivor
    )
    own = basis == Basis.OWN_RECORD
    try:
        initial = {} if own else engagement_initial(actor=request.actor, survivor=survivor)
    except IdentityWithheld as withheld:
        messages.error(request, withheld.reason)
        return redirect("survivors:detail", pk=pk)
    form = EngagementForm(posted(request), initial=initial, own_record=own)
    if form.is_valid():
        try:
            engagement_record(actor=request.actor, survivor=survivor, data=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("The engagement is recorded: this is now your client file.")
            )
            return redirect("survivors:detail", pk=pk)
    return render(
        request,
        "survivors/engagement_new.html",
        {"survivor": survivor, "form": form, "own_record": own, "prefilled": sorted(initial)},
    )
