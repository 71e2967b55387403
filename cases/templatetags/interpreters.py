"""The interpreters section of a matter's page."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("cases/_interpreters.html", takes_context=True)
def matter_interpreters(context) -> dict:
    """The matter's interpreters in one query and, for whoever may change the matter,
    the form to record another (a reader sees the list only)."""
    from aftercare.access import can_change
    from cases.views.interpreters import InterpreterForm

    matter = context["matter"]
    request = context.get("request")
    membership = getattr(request, "membership", None)
    return {
        "may_change": membership is not None and can_change(membership, matter),
        "matter": matter,
        "interpreters": list(matter.interpreters.all()),
        "interpreter_form": InterpreterForm(auto_id="interpreter_%s"),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
