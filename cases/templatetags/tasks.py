"""The tasks section of a matter's page."""

from __future__ import annotations

from django import template
from django.utils import timezone

register = template.Library()


@register.inclusion_tag("cases/_tasks.html", takes_context=True)
def matter_tasks(context) -> dict:
    """The matter's open tasks first (by due date), then the last closed ones, in one
    query; the forms offer the matter's team."""
    from cases.models import Task
    from cases.views.tasks import ReassignForm, TaskForm

    matter = context["matter"]
    tasks = list(
        Task.objects.filter(matter=matter)
        .select_related("assignee")
        .order_by("status", "due_date", "id")[:100]
    )
    # One form per open task, with ids of its own; the team is read once, not per task.
    choices = list(ReassignForm(matter=matter).fields["assignee"].choices)

    def reassign_form(task: Task) -> ReassignForm:
        form = ReassignForm(matter=matter, auto_id=f"reassign-{task.pk}-%s")
        form.fields["assignee"].choices = choices
        return form

    return {
        "matter": matter,
        "open_tasks": [(t, reassign_form(t)) for t in tasks if t.is_open],
        "closed_tasks": [t for t in tasks if not t.is_open][:20],
        "task_form": TaskForm(matter=matter),
        "today": timezone.localdate(),
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
    }
