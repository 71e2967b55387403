"""The notices section of an immigration matter's page."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("cases/_notices.html", takes_context=True)
def matter_notices(context) -> dict:
    """The matter's notices, newest first, in one query; the form, with its errors when the
    page is shown again after a submission that did not validate."""
    from cases.views.notices import NoticeForm

    matter = context["matter"]
    notices = matter.notices.select_related("deadline", "recorded_by").only(
        "id",
        "kind",
        "notice_date",
        "came_by_mail",
        "receipt_number",
        "recorded_at",
        "matter_id",
        "deadline__id",
        "deadline__due_date",
        "deadline__confirmed_at",
        "deadline__rule_id",
        "deadline__status",
        "recorded_by__email",
        "recorded_by__full_name",
    )
    return {
        "matter": matter,
        "notices": notices,
        "notice_form": context.get("notice_form") or NoticeForm(),
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
    }
