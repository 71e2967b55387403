"""Numbers as people read them: "1 hour 5 minutes", never "65 min" or "1 minutes"."""

from datetime import date

from django import template
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration(minutes) -> str:
    """A number of minutes in hours and minutes, with the right plural in each language."""
    try:
        total = int(minutes or 0)
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(total, 60)
    parts = []
    if hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if rest or not hours:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", rest) % {"n": rest})
    # Translators: joins "2 hours" and "5 minutes".
    return (
        _("%(hours)s %(minutes)s") % {"hours": parts[0], "minutes": parts[1]}
        if len(parts) == 2
        else parts[0]
    )


@register.filter
def weekday_date(day) -> str:
    """A due date with its weekday, in the language's own long form:
    "Thursday, Dec. 3, 2026" / "jueves, 3 de diciembre de 2026"."""
    if not day:
        return ""
    # Translators: a weekday and a date, as in "Thursday, Dec. 3, 2026".
    return _("%(weekday)s, %(date)s") % {
        "weekday": date_format(day, "l"),
        "date": date_format(day, "DATE_FORMAT"),
    }


@register.filter
def translated(text) -> str:
    """Text stored in English from shipped data (a rule's trigger, say), in the reader's
    language when the catalog has it; anything else as it is."""
    return gettext(text) if text else text


@register.filter
def iso_date(value) -> str:
    """A date kept as ISO text (in a computation's steps) in the page's date format."""
    try:
        return date_format(date.fromisoformat(value), "DATE_FORMAT")
    except (TypeError, ValueError):
        return value


@register.filter
def period(step) -> str:
    """A computed period, its non-zero parts only: "84 days", "1 year 6 months"."""
    parts = [
        template % {"n": n}
        for n, template in (
            (step.get("years", 0), ngettext("%(n)d year", "%(n)d years", step.get("years", 0))),
            (
                step.get("months", 0),
                ngettext("%(n)d month", "%(n)d months", step.get("months", 0)),
            ),
            (step.get("days", 0), ngettext("%(n)d day", "%(n)d days", step.get("days", 0))),
        )
        if n
    ]
    return " ".join(parts) or ngettext("%(n)d day", "%(n)d days", 0) % {"n": 0}
