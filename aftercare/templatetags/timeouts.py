"""The idle limit, told to the page so that it can warn before it ends (aftercare/timeouts.py)."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def session_idle_seconds() -> int:
    return settings.AFTERCARE_SESSION_IDLE_MINUTES * 60
