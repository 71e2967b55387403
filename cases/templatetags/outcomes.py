"""The outcomes section of a matter's page."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("cases/_outcomes.html", takes_context=True)
def matter_outcomes(context) -> dict:
    """The matter's outcomes by date, in one query, and, for whoever may change the
    matter, the form to record another (a reader sees the outcomes only)."""
    from aftercare.access import can_change
    from cases.views.outcomes import OutcomeForm

    matter = context["matter"]
    request = context.get("request")
    membership = getattr(request, "membership", None)
    return {
        "may_change": membership is not None and can_change(membership, matter),
        "matter": matter,
        "outcomes": list(matter.outcomes.all()),
        "outcome_form": OutcomeForm(matter=matter, auto_id="outcome_%s"),
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
    }
