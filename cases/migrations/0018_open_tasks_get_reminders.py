"""A data step of its own: in one transaction with 0017's schema changes, PostgreSQL
refuses to build their indexes over rows with pending constraint checks."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def remind_open_tasks(apps, schema_editor):
    """Open tasks written before task reminders get theirs: the day before and the morning
    of, at 8 am in the settings' zone, those not yet past (cases.services.reminders)."""
    Task = apps.get_model("cases", "Task")
    Reminder = apps.get_model("cases", "Reminder")
    zone = ZoneInfo(settings.TIME_ZONE)
    now = timezone.now()
    today = timezone.localdate(now, zone)
    rows = []
    for task in Task.objects.filter(status="open", due_date__gte=today).only("pk", "due_date"):
        for days in (1, 0):
            day = task.due_date - timedelta(days=days)
            if day >= today:
                at = datetime.combine(day, time(8, 0), tzinfo=zone)
                rows.append(
                    Reminder(
                        task_id=task.pk,
                        kind="reminder",
                        days_before=days,
                        due_for=task.due_date,
                        due_at=max(at, now),
                    )
                )
    Reminder.objects.bulk_create(rows, batch_size=1000)


def forget_task_reminders(apps, schema_editor):
    """Back to reminders of deadlines only (0017's reverse needs every row on one)."""
    apps.get_model("cases", "Reminder").objects.filter(task__isnull=False).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0017_task_reminders")]

    operations = [migrations.RunPython(remind_open_tasks, forget_task_reminders)]
