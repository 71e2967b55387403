"""Logging an agency notice on an immigration matter's page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aftercare.access import posted
from aftercare.forms import SaneDatesMixin
from aftercare.idempotency import idempotent_create
from cases.kinds import Stage
from cases.models import AgencyNotice
from cases.services.matters import matter_open_for_user
from cases.services.notices import notice_record
from cases.views.matters import _rerender, matter_url


class NoticeForm(SaneDatesMixin, forms.ModelForm):
    class Meta:
        model = AgencyNotice
        fields = ["kind", "notice_date", "came_by_mail", "receipt_number"]
        widgets = {"notice_date": forms.DateInput(attrs={"type": "date"})}
        help_texts = {
            "kind": gettext_lazy(
                "An RFE or a NOID adds its response deadline, for an attorney to confirm."
            )
        }

    def __init__(self, *args, **kwargs):
        # Ids of its own: the matter page also has the deadline form's "kind".
        kwargs.setdefault("auto_id", "notice-%s")
        super().__init__(*args, **kwargs)


@require_POST
@idempotent_create
def notice_add(request: HttpRequest, pk: int) -> HttpResponse:
    matter = matter_open_for_user(request=request, pk=pk, for_change=True)
    form = NoticeForm(posted(request))
    if not form.is_valid():
        return _rerender(request, matter, notice_form=form)
    try:
        outcome = notice_record(actor=request.actor, matter=matter, **form.cleaned_data)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            form.add_error(None, error)
            return _rerender(request, matter, notice_form=form)
        # About the matter, not the form (not immigration, closed): the page shows no form.
        for message in error.messages:
            messages.error(request, message)
        return redirect(matter_url(matter))
    said = [_("Notice recorded.")]
    if outcome.deadline is not None:
        said.append(_("Its response deadline was computed: check how, then confirm it."))
    if outcome.stage_moved_to:
        said.append(
            _("The matter is now at “%(stage)s”.") % {"stage": Stage(outcome.stage_moved_to).label}
        )
    messages.success(request, " ".join(said))
    for why in outcome.left_undone:
        messages.warning(request, why)
    anchor = "#deadlines" if outcome.deadline is not None else "#notices"
    return redirect(f"{matter_url(matter)}{anchor}")
