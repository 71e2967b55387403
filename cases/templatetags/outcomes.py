"""The outcomes section of a matter's page."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("cases/_outcomes.html", takes_context=True)
def matter_outcomes(context) -> dict:
    """The matter's outcomes by date, in one query, and the form to record another."""
    from cases.views.outcomes import OutcomeForm

    matter = context["matter"]
    return {
        "matter": matter,
        "outcomes": list(matter.outcomes.all()),
        "outcome_form": OutcomeForm(matter=matter, auto_id="outcome_%s"),
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
    }
