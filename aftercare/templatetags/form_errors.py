"""The error summary at the top of a form, and the "Error:" that starts the page title.

GOV.UK's pattern: when a form comes back with errors, the page title says so first, a
summary at the top lists every error as a link to its field, and focus moves to it
(static/js/forms.js), so that neither a screen reader nor a sighted person misses one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django import forms, template
from django.utils.translation import gettext as _

register = template.Library()

# Widgets whose label is a <legend>: their first option is what a link can reach.
_MULTIPLE = (forms.RadioSelect, forms.CheckboxSelectMultiple)


def _forms_in(value) -> Iterator[forms.BaseForm]:
    """The forms in a value: a form, a formset, or a list of them (or of (label, form))."""
    if isinstance(value, forms.BaseForm):
        yield value
    elif isinstance(value, forms.BaseFormSet):
        yield from value.forms
    elif isinstance(value, list | tuple):
        for item in value:
            if isinstance(item, forms.BaseForm | forms.BaseFormSet | list | tuple):
                yield from _forms_in(item)


def _field_anchor(form: forms.BaseForm, name: str) -> str:
    bound = form[name]
    if isinstance(bound.field.widget, _MULTIPLE):
        return f"{bound.auto_id}_0"
    return bound.id_for_label or bound.auto_id


def error_entries(values: Iterable, *, validated_only: bool = False) -> list[dict]:
    """Each error of the bound forms in `values`: its message and the field it links to.
    `validated_only` leaves out forms the view has not validated (a page may bind several
    forms to one POST and validate only the one that was sent)."""
    entries = []
    for form in (f for value in values for f in _forms_in(value)):
        if not form.is_bound or (validated_only and form._errors is None) or not form.errors:
            continue
        visible = {field.name for field in form.visible_fields()}
        for name, messages in form.errors.items():
            anchor = _field_anchor(form, name) if name in visible else ""
            entries += [{"message": message, "anchor": anchor} for message in messages]
    return entries


@register.inclusion_tag("_error_summary.html")
def error_summary(*values) -> dict:
    """`{% error_summary form %}` (or several forms, formsets, lists of forms)."""
    return {"entries": error_entries(values)}


@register.simple_tag(takes_context=True)
def error_title_prefix(context) -> str:
    """ "Error: " when any bound form in the page's context has errors, else nothing."""
    flat = context.flatten()
    if error_entries(flat.values(), validated_only=True):
        return _("Error:") + " "
    return ""
