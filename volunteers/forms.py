"""Forms of the volunteers app."""

from __future__ import annotations

import calendar
import re
from datetime import date

from anyascii import anyascii
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.forms import SaneDatesMixin
from cases.kinds import Kind
from volunteers.certificates import MAX_BYTES
from volunteers.models import (
    BarAdmission,
    CheckIn,
    Credential,
    Proficiency,
    Training,
    VolunteerProfile,
)
from volunteers.models.staffing import VOLUNTEER_ROLES

DATE = forms.DateInput(attrs={"type": "date"})
LANGUAGE_ENTRY = re.compile(r"^\s*(?P<language>[^()]+?)\s*\(\s*(?P<level>[^()]+?)\s*\)\s*$")


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=VOLUNTEER_ROLES)


class ProfileForm(forms.ModelForm):
    practice_areas = forms.MultipleChoiceField(
        label=_("Practice areas"),
        choices=Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.CharField(
        label=_("Languages"),
        required=False,
        help_text=_(
            "Each with your level: native, fluent, conversational or basic. For example: "
            "Spanish (fluent), Tigrinya (native)."
        ),
    )

    class Meta:
        model = VolunteerProfile
        fields = [
            "kind",
            "firm",
            "malpractice_coverage",
            "practice_areas",
            "languages",
            "capacity",
            "availability",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["languages"] = ", ".join(
                f"{e.get('language')} ({e.get('proficiency')})" for e in self.instance.languages
            )
        self.fields["capacity"].widget.attrs.update(min=0, max=30)

    def clean_languages(self) -> list[dict]:
        # Levels in English or in the page's language, with or without accents.
        levels = {_plain(str(label)): value for value, label in Proficiency.choices}
        levels.update({value: value for value in Proficiency.values})
        entries, seen = [], set()
        for part in filter(None, (p.strip() for p in self.cleaned_data["languages"].split(","))):
            match = LANGUAGE_ENTRY.match(part)
            level = levels.get(_plain(match.group("level"))) if match else None
            if level is None:
                raise forms.ValidationError(
                    _("Write “%(part)s” as a language and a level, e.g. Spanish (fluent).")
                    % {"part": part}
                )
            language = match.group("language").strip()
            if language.lower() not in seen:
                seen.add(language.lower())
                entries.append({"language": language, "proficiency": level})
        return entries

    def clean_capacity(self) -> int:
        capacity = self.cleaned_data["capacity"]
        if capacity > 30:
            raise forms.ValidationError(_("At most 30 matters."))
        return capacity


def _plain(text: str) -> str:
    return anyascii(text).strip().lower()


class AdmissionForm(forms.ModelForm):
    class Meta:
        model = BarAdmission
        fields = ["jurisdiction", "number", "status"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "admission_%s")  # shares a page with the profile form
        super().__init__(*args, **kwargs)

    def clean_jurisdiction(self) -> str:
        state = self.cleaned_data["jurisdiction"].strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", state):
            raise forms.ValidationError(_("Use the two-letter state code, e.g. NY."))
        return state


class CredentialForm(SaneDatesMixin, forms.ModelForm):
    certificate = forms.FileField(
        label=_("Certificate (optional)"),
        required=False,
        help_text=_("PDF, PNG or JPEG, up to %(mb)s MB. We remove its metadata before storing it.")
        % {"mb": MAX_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )

    class Meta:
        model = Credential
        fields = ["kind", "training", "completed_on", "expires_on"]
        widgets = {"completed_on": DATE, "expires_on": DATE}

    def __init__(self, *args, organization_id: int, **kwargs):
        kwargs.setdefault("auto_id", "credential_%s")  # shares a page with the profile form
        super().__init__(*args, **kwargs)
        self.fields["kind"].label = _("Training or check")
        self.fields["training"].queryset = Training.objects.filter(organization_id=organization_id)
        self.fields["training"].label = _("Which training (for another training)")

    def clean(self):
        data = super().clean()
        kind, training = data.get("kind"), data.get("training")
        if kind == Credential.Kind.OTHER and training is None:
            self.add_error("training", _("Choose the training."))
        if kind != Credential.Kind.OTHER:
            data["training"] = None
        completed, expires = data.get("completed_on"), data.get("expires_on")
        if completed and completed > timezone.localdate():
            self.add_error("completed_on", _("This date is in the future."))
        if completed and expires and expires < completed:
            self.add_error("expires_on", _("It cannot expire before it was completed."))
        if training and training.valid_for_months and completed and not expires:
            data["expires_on"] = _add_months(completed, training.valid_for_months)
        return data


def _add_months(day: date, months: int) -> date:
    """The same day so many months on; the month's last day when it is shorter (a
    training done on 31 January and valid for one month lapses on 28 or 29 February)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class TrainingForm(forms.ModelForm):
    class Meta:
        model = Training
        fields = ["name", "valid_for_months", "required_for_every_matter"]


class PauseForm(SaneDatesMixin, forms.Form):
    until = forms.DateField(label=_("Pause until"), widget=DATE)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "pause_%s")
        super().__init__(*args, **kwargs)


class CheckInForm(forms.ModelForm):
    class Meta:
        model = CheckIn
        fields = ["feeling", "note", "wants_conversation"]
        widgets = {
            "feeling": forms.RadioSelect,
            "note": forms.Textarea(attrs={"rows": 3}),
        }


class OpportunityForm(forms.Form):
    role = forms.ChoiceField(label=_("Role needed"), choices=VOLUNTEER_ROLES)
    language = forms.CharField(
        label=_("Language needed"),
        max_length=80,
        required=False,
        help_text=_("Only the language name, if a shared language would help."),
    )
    description = forms.CharField(
        label=_("What the work involves"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown only after a volunteer confirms no conflict. No names or places."),
    )


class PeriodForm(SaneDatesMixin, forms.Form):
    start = forms.DateField(label=_("From"), widget=DATE)
    end = forms.DateField(label=_("To"), widget=DATE)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The period ends before it starts."))
        return data
