"""Tasks on a matter: created by anyone on it, for someone on it; done, passed on or dropped.

Whoever sees the matter may give a task to anyone on its team (a paralegal reminding the
attorney is as common as the reverse), and act on the matter's tasks. Each change
commits with its audit event and, for a task's later life (reassigned, done,
cancelled), its history rows, or none of it.

Its assignee is reminded the day before and the morning of, by the deadlines' engine
(cases.services.reminders): the rows are written here, in the task's transaction; a
task saved done, cancelled or with another date drops its waiting ones (the Task
post_save receiver); a reassigned task's next reminder goes to whoever has it then.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.actor import Actor
from aftercare.audit import audit_record_by
from aftercare.history import history_record
from cases.models import Matter, Task
from cases.services.reminders import reminders_schedule_task


def task_assignable(matter: Matter, user) -> bool:
    """Someone on the matter's team (who sees it through a grant on it)."""
    return (
        user is not None
        and user.is_active
        and matter.user_grants.filter(user=user, permission__codename="view_matter").exists()
    )


NOT_ON_MATTER = _("Choose someone on this matter's team.")


def task_create(*, actor: Actor, matter: Matter, title: str, due_date, assignee) -> Task:
    if not matter.is_open:
        raise ValidationError(_("This matter is closed."))
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("Say what is to be done.")})
    if not task_assignable(matter, assignee):
        raise ValidationError({"assignee": NOT_ON_MATTER})
    with transaction.atomic():
        task = Task.objects.create(
            matter=matter,
            title=title,
            due_date=due_date,
            assignee=assignee,
            created_by=actor.user,
        )
        reminders_schedule_task(task=task)
        audit_record_by(
            actor,
            "cases.task.created",
            target=matter,
            payload={"task": task.pk, "assignee": assignee.pk, "due": due_date.isoformat()},
        )
    return task


def _locked_open(task: Task) -> Task:
    locked = Task.objects.select_for_update().select_related("matter").get(pk=task.pk)
    if not locked.is_open:
        raise ValidationError(_("This task is no longer open."))
    return locked


def _close(*, actor: Actor, task: Task, status: str, event: str) -> Task:
    with transaction.atomic():
        locked = _locked_open(task)
        changes = {"status": (locked.status, status)}
        locked.status, locked.closed_at, locked.closed_by = status, timezone.now(), actor.user
        locked.save(update_fields=["status", "closed_at", "closed_by"])
        history_record(
            actor=actor,
            target=locked,
            changes=changes,
            organization_id=locked.matter.organization_id,
        )
        audit_record_by(actor, event, target=locked.matter, payload={"task": locked.pk})
    return locked


def task_complete(*, actor: Actor, task: Task) -> Task:
    return _close(actor=actor, task=task, status=Task.Status.DONE, event="cases.task.completed")


def task_cancel(*, actor: Actor, task: Task) -> Task:
    return _close(
        actor=actor, task=task, status=Task.Status.CANCELLED, event="cases.task.cancelled"
    )


def task_reassign(*, actor: Actor, task: Task, assignee) -> Task:
    """Pass an open task to someone else on the matter's team."""
    with transaction.atomic():
        locked = _locked_open(task)
        if not task_assignable(locked.matter, assignee):
            raise ValidationError({"assignee": NOT_ON_MATTER})
        if locked.assignee_id == assignee.pk:
            return locked
        changes = {"assignee": (locked.assignee, assignee)}
        locked.assignee = assignee
        locked.save(update_fields=["assignee"])
        history_record(
            actor=actor,
            target=locked,
            changes=changes,
            organization_id=locked.matter.organization_id,
        )
        audit_record_by(
            actor,
            "cases.task.reassigned",
            target=locked.matter,
            payload={"task": locked.pk, "assignee": assignee.pk},
        )
    return locked
