"""Tasks on a matter: what someone on the team has to do, by when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_model_fields.fields import EncryptedCharField

from cases.models.matter import Matter


class TaskQuerySet(models.QuerySet["Task"]):
    def open(self) -> TaskQuerySet:
        return self.filter(status=Task.Status.OPEN)


class Task(models.Model):
    """One thing to do on a matter, by a due date, by one person on its team.

    What to do (`title`) is typed free text: it may name the client, a shelter or an
    employer, so it is encrypted and shown only on pages of people who see the matter;
    dashboards' other readers and calendar feeds get a generated label instead.
    """

    PII_FIELDS = ("title",)

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="tasks")
    title = EncryptedCharField(_("what to do"), max_length=200)
    due_date = models.DateField(_("due date"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="tasks_assigned",
        verbose_name=_("who"),
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["assignee", "status", "due_date"], name="task_assignee_open"),
            models.Index(fields=["matter", "status"], name="task_matter_status"),
        ]

    def __str__(self) -> str:
        # Never the title: str() ends up in logs and error reports.
        return f"task {self.pk} of matter {self.matter_id}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def is_overdue(self, today=None) -> bool:
        return self.is_open and self.due_date < (today or timezone.localdate())
