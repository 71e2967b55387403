"""The form an organization admin registers a webhook endpoint with."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from webhooks.addresses import target_check
from webhooks.models import EventType


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=_("Address (URL)"),
        max_length=500,
        help_text=_(
            "Your system's HTTPS address that receives the events, for example "
            "https://cases.partner.example/aftercare/webhooks."
        ),
    )
    event_types = forms.MultipleChoiceField(
        label=_("Events to send"),
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event to send.")},
        help_text=_("Each carries ids and the event type only, never names or notes."),
    )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        target_check(url)
        return url
