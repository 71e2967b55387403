"""Interpreters on a matter's page: record, correct and remove who interprets for the client."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aftercare.access import posted
from aftercare.idempotency import idempotent_create
from cases.documents.glyphs import first_unprintable
from cases.documents.languages import language_choices
from cases.models import Interpreter
from cases.services.interpreters import interpreter_add, interpreter_edit, interpreter_remove
from cases.services.matters import matter_open_for_user


class InterpreterForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Interpreter's name"), max_length=200)
    language = forms.ChoiceField(
        label=gettext_lazy("Language interpreted (into and from English)"),
        choices=language_choices(with_english=False),
    )
    qualification = forms.ChoiceField(
        label=gettext_lazy("Qualification"), choices=Interpreter.Qualification.choices
    )
    organization = forms.CharField(
        label=gettext_lazy("Organization or agency"), max_length=200, required=False
    )
    phone = forms.CharField(label=gettext_lazy("Telephone"), max_length=40, required=False)
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=254, required=False)

    PRINTED = ("name", "organization", "phone")  # on certificates, under the signature

    def clean(self):
        """What prints on a certificate must be printable: said here, not at Generate."""
        cleaned = super().clean()
        for name in self.PRINTED:
            where = first_unprintable(cleaned.get(name) or "")
            if where is not None:
                self.add_error(
                    name,
                    UNPRINTABLE % {"column": where.column, "character": where.named},
                )
        return cleaned


UNPRINTABLE = gettext_lazy(
    "Character %(column)s (%(character)s) cannot be printed by any font installed here, "
    "so no document could show it. Change it, or ask your administrator to install a "
    "font for this script."
)


def _interpreters_url(matter) -> str:
    from cases.views.matters import matter_url

    return f"{matter_url(matter)}#interpreters"


def _form_again(request, matter, form, interpreter=None) -> HttpResponse:
    """A form that did not validate, on a page of its own, with what was typed."""
    return render(
        request,
        "cases/interpreter_form.html",
        {"matter": matter, "form": form, "interpreter": interpreter},
    )


@require_POST
@idempotent_create
def interpreter_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    matter = matter_open_for_user(request=request, pk=pk, for_change=True)
    form = InterpreterForm(posted(request), auto_id="interpreter_%s")
    if not form.is_valid():
        return _form_again(request, matter, form)
    interpreter_add(actor=request.actor, matter=matter, **form.cleaned_data)
    messages.success(request, _("Interpreter recorded."))
    return redirect(_interpreters_url(matter))


def _interpreter_fetch(request, pk: int) -> Interpreter:
    """Checked through its matter: whoever may change the matter, and no one else."""
    matter_id = Interpreter.objects.filter(pk=pk).values_list("matter_id", flat=True).first()
    if matter_id is None:
        raise Http404
    matter = matter_open_for_user(request=request, pk=matter_id, for_change=True)
    interpreter = Interpreter.objects.get(pk=pk)
    interpreter.matter = matter
    return interpreter


def interpreter_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    interpreter = _interpreter_fetch(request, pk)
    initial = {name: getattr(interpreter, name) for name in InterpreterForm.base_fields}
    form = InterpreterForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        interpreter_edit(actor=request.actor, interpreter=interpreter, **form.cleaned_data)
        messages.success(request, _("Interpreter saved."))
        return redirect(_interpreters_url(interpreter.matter))
    return _form_again(request, interpreter.matter, form, interpreter)


@require_POST
def interpreter_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    interpreter = _interpreter_fetch(request, pk)
    interpreter_remove(actor=request.actor, interpreter=interpreter)
    messages.success(request, _("Interpreter removed."))
    return redirect(_interpreters_url(interpreter.matter))
