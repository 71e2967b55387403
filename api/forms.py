from __future__ import annotations

from datetime import timedelta

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.forms import SaneDatesMixin
from api.models import Scope
from api.services import CLIENT_ROLES

LONGEST = timedelta(days=366)


def _default_expiry():
    return timezone.localdate() + timedelta(days=settings.API_KEY_DAYS)


class ApiClientForm(SaneDatesMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Which system uses the key, for example: Our case database."),
    )
    role = forms.ChoiceField(
        label=_("Works as"),
        choices=[(role.value, role.label) for role in CLIENT_ROLES],
        help_text=_("It sees and does what a member with this role sees and does."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("What the key may do"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one thing the key may do.")},
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        initial=_default_expiry,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("At most a year from today. Make a new key before then."),
    )

    def clean_expires_on(self):
        value = self.cleaned_data["expires_on"]
        today = timezone.localdate()
        if value <= today:
            raise forms.ValidationError(_("Choose a day after today."))
        if value > today + LONGEST:
            raise forms.ValidationError(_("A key lives at most a year: choose an earlier day."))
        return value
