"""Outcomes on a matter's page: record, correct and remove what the matter achieved."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aftercare.access import posted
from aftercare.forms import SaneDatesMixin
from aftercare.idempotency import idempotent_create
from cases.models import Matter, MatterOutcome
from cases.outcomes import CURRENCIES, StatusObtained, outcome_choices
from cases.services.matters import matter_open_for_user
from cases.services.outcomes import outcome_edit, outcome_record, outcome_remove


class OutcomeForm(SaneDatesMixin, forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=[])
    date = forms.DateField(
        label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    amount = forms.DecimalField(
        label=gettext_lazy("Amount"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=gettext_lazy("For a settlement, a judgment, or money recovered or collected."),
    )
    currency = forms.ChoiceField(
        label=gettext_lazy("Currency"), choices=CURRENCIES, required=False, initial="USD"
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status obtained"),
        choices=[("", "—"), *StatusObtained.choices],
        required=False,
    )

    def __init__(self, *args, matter: Matter, at_closing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = outcome_choices(matter.kind)
        if at_closing:  # optional there: "none" is a choice, today the likely date
            choices = [("", _("None to add")), *choices]
            self.fields["date"].initial = timezone.localdate
        self.fields["kind"].choices = choices


def outcome_form_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's refusal shown on the form, beside its field when it names one."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _outcomes_url(matter) -> str:
    from cases.views.matters import matter_url

    return f"{matter_url(matter)}#outcomes"


def _form_again(request, matter, form, outcome=None) -> HttpResponse:
    """A form that did not validate, on a page of its own, with what was typed."""
    return render(
        request, "cases/outcome_form.html", {"matter": matter, "form": form, "outcome": outcome}
    )


@require_POST
@idempotent_create
def outcome_add(request: HttpRequest, pk: int) -> HttpResponse:
    matter = matter_open_for_user(request=request, pk=pk, for_change=True)
    form = OutcomeForm(posted(request), matter=matter)
    if form.is_valid():
        try:
            outcome_record(actor=request.actor, matter=matter, **form.cleaned_data)
        except ValidationError as error:
            outcome_form_errors(form, error)
        else:
            messages.success(request, _("Outcome recorded."))
            return redirect(_outcomes_url(matter))
    return _form_again(request, matter, form)


def _outcome_fetch(request, pk: int) -> MatterOutcome:
    matter_id = MatterOutcome.objects.filter(pk=pk).values_list("matter_id", flat=True).first()
    if matter_id is None:
        raise Http404
    matter = matter_open_for_user(request=request, pk=matter_id, for_change=True)
    outcome = MatterOutcome.objects.get(pk=pk)
    outcome.matter = matter
    return outcome


def outcome_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Whoever may change the matter corrects its outcomes; a reader gets 403."""
    outcome = _outcome_fetch(request, pk)
    initial = {name: getattr(outcome, name) for name in OutcomeForm.base_fields}
    form = OutcomeForm(posted(request), matter=outcome.matter, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            outcome_edit(actor=request.actor, outcome=outcome, **form.cleaned_data)
        except ValidationError as error:
            outcome_form_errors(form, error)
        else:
            messages.success(request, _("Outcome saved."))
            return redirect(_outcomes_url(outcome.matter))
    return _form_again(request, outcome.matter, form, outcome)


@require_POST
def outcome_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    outcome = _outcome_fetch(request, pk)
    outcome_remove(actor=request.actor, outcome=outcome)
    messages.success(request, _("Outcome removed."))
    return redirect(_outcomes_url(outcome.matter))
