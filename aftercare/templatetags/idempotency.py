"""`{% submission_token %}`: the hidden one-time token of a create form."""

from django import template
from django.utils.html import format_html

from aftercare.idempotency import FIELD, submission_token_new

register = template.Library()


@register.simple_tag
def submission_token() -> str:
    """A fresh token per rendered form: two forms on one page never share one."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, submission_token_new())
