"""Volunteer tasks: thin, and safe to run twice."""

from celery import shared_task

from volunteers.services.wellbeing import debriefs_remind


@shared_task
def debriefs_remind_task() -> int:
    return debriefs_remind()
