"""The docket panel of the dashboard: matters by stage, what is due, what needs confirming."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone

from aftercare.dashboard import Panel, register_panel
from cases.kinds import Stage
from cases.models import Deadline, Matter


@register_panel
def docket_panel(request: HttpRequest) -> Panel | None:
    membership = request.membership
    if membership.organization.kind != "legal_aid":
        return None
    today = timezone.localdate()
    matters = Matter.objects.visible_to(membership).open()
    if not membership.role_enum.sees_whole_organization:
        matters = matters.filter(
            user_grants__user=request.user, user_grants__permission__codename="view_matter"
        )
    by_stage = [
        (Stage(row["stage"]).label, row["n"])
        for row in matters.values("stage").annotate(n=Count("id")).order_by("stage")
    ]
    open_deadlines = (
        Deadline.objects.open()
        .filter(matter__in=matters.values("pk"))
        .select_related("matter")
        .only(
            "id",
            "title",
            "kind",
            "due_date",
            "due_time",
            "rule_id",
            "confirmed_at",
            "status",
            "matter__number",
        )
    )
    soon = list(open_deadlines.filter(due_date__lte=today + timedelta(days=30))[:60])
    week_end = today + timedelta(days=7)
    return Panel(
        "cases/_dashboard_panel.html",
        {
            "by_stage": by_stage,
            "overdue": [d for d in soon if d.due_date < today],
            "next_7": [d for d in soon if today <= d.due_date <= week_end and d.kind != "hearing"],
            "next_30": [d for d in soon if week_end < d.due_date],
            "hearings": [
                d for d in soon if d.kind == "hearing" and today <= d.due_date <= week_end
            ],
            "unconfirmed": list(
                open_deadlines.filter(rule__isnull=False, confirmed_at__isnull=True)[:20]
            ),
        },
    )


@register_panel
def tasks_panel(request: HttpRequest) -> Panel | None:
    """The member's open tasks; for a coordinator, the organization's overdue ones too.

    Only tasks on open matters the member still sees: a task outlives its assignee's
    place on the team, and then belongs on no dashboard of theirs."""
    from cases.models import Task

    membership = request.membership
    if membership.organization.kind != "legal_aid":
        return None
    today = timezone.localdate()
    visible = Matter.objects.visible_to(membership).open()
    if not membership.role_enum.sees_whole_organization:
        visible = visible.filter(
            user_grants__user=request.user, user_grants__permission__codename="view_matter"
        )
    tasks = (
        Task.objects.open()
        .filter(matter__in=visible.values("pk"))
        .select_related("matter", "assignee")
        .only(
            "id",
            "title",
            "due_date",
            "status",
            "matter__id",
            "matter__number",
            "assignee__id",
            "assignee__email",
            "assignee__full_name",
        )
        .order_by("due_date", "id")
    )
    mine = list(tasks.filter(assignee=request.user)[:50])
    overdue = []
    if membership.role_enum.sees_whole_organization:
        overdue = list(tasks.filter(due_date__lt=today)[:50])
    if not mine and not overdue:
        return None
    return Panel(
        "cases/_tasks_panel.html",
        {"mine": mine, "overdue": overdue, "today": today},
    )
