"""Forms of the survivors app: search, the intake steps, consent, referral, goals."""

from datetime import datetime, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.forms import SaneDatesMixin
from aftercare.models import Organization
from survivors.models import (
    Communication,
    Consent,
    DataCategory,
    Engagement,
    Indicator,
    Need,
    Purpose,
    Referral,
    RetentionPolicy,
    SafeContact,
    ServiceGoal,
    Survivor,
    TraffickingKind,
)
from survivors.models.communications import SUMMARY_MAX_LENGTH
from survivors.services.record import RECORD_EDITABLE


class NoAutocompleteMixin:
    """A browser never remembers or offers what was typed about a survivor: the next
    person at a shared computer, or someone who takes the phone, would see it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("autocomplete", "off")


class SurvivorSearchForm(NoAutocompleteMixin, SaneDatesMixin, forms.Form):
    name = forms.CharField(
        label=_("Name or alias"),
        required=False,
        max_length=200,
        help_text=_(
            "A whole name, or a given name and a surname: spelling variants, accents and "
            "name order are matched."
        ),
    )
    born = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *Survivor.Status.choices[:3]],
    )
    need = forms.ChoiceField(
        label=_("Need"), required=False, choices=[("", _("Any need")), *Need.choices]
    )
    referral = forms.ChoiceField(
        label=_("Referral"),
        required=False,
        choices=[("", _("Any")), ("none", _("Not referred")), *Referral.Status.choices],
    )
    minor = forms.ChoiceField(
        label=_("Age"),
        required=False,
        choices=[("", _("Any age")), ("yes", _("Minors only")), ("no", _("Adults only"))],
    )


def _checkboxes(choices, label, help_text=""):
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
    )


class IntakePersonForm(NoAutocompleteMixin, SaneDatesMixin, forms.Form):
    title = _("About the person")
    legal_name = forms.CharField(
        label=_("Legal name"),
        max_length=200,
        help_text=_("As on an ID document, if there is one."),
        error_messages={
            "required": _(
                "Enter the person's legal name: as on an ID document, or the name they "
                "give if they have none."
            )
        },
    )
    preferred_name = forms.CharField(
        label=_("Name they like to be called"), max_length=200, required=False
    )
    aliases = forms.CharField(
        label=_("Other names used"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line: nicknames, names on false documents, other spellings."),
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty if not known."),
    )
    gender = forms.CharField(label=_("Gender"), max_length=60, required=False)
    confirm_new_person = forms.BooleanField(
        label=_("I checked: this is a different person"),
        required=False,
        widget=forms.HiddenInput,
    )

    def clean_aliases(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["aliases"].splitlines() if line.strip()]

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        if born and born > timezone.localdate():
            raise forms.ValidationError(_("The date of birth is in the future."))
        return born


class IntakeOriginForm(NoAutocompleteMixin, forms.Form):
    title = _("Origin and languages")
    country_of_origin = forms.CharField(label=_("Country of origin"), max_length=60, required=False)
    nationality = forms.CharField(label=_("Nationality"), max_length=60, required=False)
    languages = forms.CharField(
        label=_("Languages"),
        max_length=200,
        required=False,
        help_text=_("For example: Spanish (native), English (basic)"),
    )
    interpreter_needed = forms.BooleanField(label=_("Needs an interpreter"), required=False)


class IntakeSafetyForm(NoAutocompleteMixin, forms.Form):
    title = _("Safety")
    safety_situation = forms.CharField(
        label=_("Current safety situation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who might be looking for them? Is anyone in danger now?"),
    )
    safe_location = forms.CharField(
        label=_("Where they are staying now"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Never shown here once saved: people whose role needs it reveal it on the "
            "record. Leave empty to keep what is recorded; type to replace it."
        ),
    )


DAYS = [
    (1, _("Mon")),
    (2, _("Tue")),
    (3, _("Wed")),
    (4, _("Thu")),
    (5, _("Fri")),
    (6, _("Sat")),
    (7, _("Sun")),
]


SAFETY_ANSWERS = [
    ("", _("Not asked yet")),
    ("True", _("Safe to use")),
    ("False", _("Not safe: never use")),
]


class SafeContactForm(NoAutocompleteMixin, forms.ModelForm):
    allowed_days = forms.TypedMultipleChoiceField(
        label=_("Days allowed"),
        choices=DAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked means any day."),
    )

    class Meta:
        model = SafeContact
        fields = [
            "is_safe",
            "address",
            "voicemail_allowed",
            "allowed_days",
            "allowed_from",
            "allowed_until",
            "code_word",
            "notes",
        ]
        labels = {"is_safe": _("Is it safe to contact them this way?")}
        widgets = {
            "is_safe": forms.RadioSelect(choices=SAFETY_ANSWERS),
            "allowed_from": forms.TimeInput(attrs={"type": "time"}),
            "allowed_until": forms.TimeInput(attrs={"type": "time"}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }


class IntakeSituationForm(forms.Form):
    title = _("Situation and needs")
    trafficking_kinds = _checkboxes(TraffickingKind.choices, _("Kind of trafficking"))
    indicators = _checkboxes(Indicator.choices, _("What was noticed"))
    needs = _checkboxes(Need.choices, _("Immediate needs"))


class IntakeGuardianForm(NoAutocompleteMixin, forms.Form):
    title = _("Guardian or custodian")
    guardian_name = forms.CharField(
        label=_("Guardian, custodian or agency"), max_length=200, required=False
    )
    guardian_contact = forms.CharField(label=_("How to reach them"), max_length=200, required=False)


class ConsentForm(NoAutocompleteMixin, SaneDatesMixin, forms.ModelForm):
    categories = forms.MultipleChoiceField(
        label=_("What may be shared"),
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Consent
        fields = [
            "recipient",
            "purpose",
            "categories",
            "method",
            "given_on",
            "expires_on",
            "witness",
            "minor_assent",
            "guardian_consent_by",
            "override_reason",
        ]
        widgets = {
            "given_on": forms.DateInput(attrs={"type": "date"}),
            "expires_on": forms.DateInput(attrs={"type": "date"}),
            "override_reason": forms.Textarea(attrs={"rows": 2}),
        }
        error_messages = {
            "recipient": {"required": _("Choose the organization that may receive the data.")},
            "purpose": {"required": _("Choose what the data may be used for.")},
            "method": {
                "required": _("Choose how the person gave consent."),
                "invalid_choice": _("Choose one of the ways listed."),
            },
            "given_on": {"required": _("Enter the date consent was given.")},
        }

    def __init__(self, *args, survivor: Survivor, may_override: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = Organization.objects.filter(is_active=True).exclude(
            pk=survivor.organization_id
        )
        self.fields["given_on"].initial = timezone.localdate()
        if not may_override:
            # Offered only to whom the service allows it: never a choice that is refused.
            self.fields["method"].choices = [
                (value, label)
                for value, label in self.fields["method"].choices
                if value != Consent.Method.OVERRIDE
            ]
            del self.fields["override_reason"]
        if not survivor.is_minor:
            del self.fields["minor_assent"], self.fields["guardian_consent_by"]

    def _post_clean(self):
        # The service validates the consent rules; the model instance is not used.
        pass


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is consent revoked?"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReferralForm(NoAutocompleteMixin, forms.Form):
    to_organization = forms.ModelChoiceField(
        label=_("Refer to"),
        queryset=Organization.objects.none(),
        error_messages={"required": _("Choose the organization to refer the person to.")},
    )
    purpose = forms.ChoiceField(label=_("For"), choices=Purpose.choices[:2])
    need = forms.ChoiceField(label=_("Need"), choices=[("", "—"), *Need.choices], required=False)
    note = forms.CharField(
        label=_("Note for the receiving organization"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, survivor: Survivor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_organization"].queryset = Organization.objects.filter(
            is_active=True
        ).exclude(pk=survivor.organization_id)


class ReferralMoveForm(forms.Form):
    """Nothing is chosen for the person: right after sending, the only move is to withdraw,
    and a preselected "Withdrawn" is one click from undoing the referral."""

    status = forms.ChoiceField(
        label=_("New status"),
        choices=[],
        error_messages={"required": _("Choose the new status of the referral.")},
    )

    def __init__(self, *args, statuses: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Choose…")), *statuses]

    reason = forms.CharField(
        label=_("Reason (needed to decline)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class GoalForm(SaneDatesMixin, forms.ModelForm):
    class Meta:
        model = ServiceGoal
        fields = ["need", "description", "target_date"]
        widgets = {
            "target_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 2}),
        }


class RetentionPolicyForm(forms.ModelForm):
    class Meta:
        model = RetentionPolicy
        fields = ["years_after_closure", "enabled"]


class EngagementForm(NoAutocompleteMixin, SaneDatesMixin, forms.ModelForm):
    """The engagement and the client file's identity, as the client gave it."""

    class Meta:
        model = Engagement
        fields = [
            "engaged_on",
            "scope",
            "letter_signed",
            "letter_signed_on",
            "legal_name",
            "preferred_name",
            "date_of_birth",
            "gender",
            "country_of_origin",
            "nationality",
            "languages",
            "interpreter_needed",
            "guardian_name",
            "guardian_contact",
        ]
        widgets = {
            "engaged_on": forms.DateInput(attrs={"type": "date"}),
            "letter_signed_on": forms.DateInput(attrs={"type": "date"}),
            "date_of_birth": forms.DateInput(attrs={"type": "date"}),
            "scope": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, own_record: bool = False, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("engaged_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        if own_record:
            # The organization's own record already holds the identity.
            for name in [*Engagement.IDENTITY_FIELDS, "interpreter_needed"]:
                del self.fields[name]
        else:
            self.fields["legal_name"].required = True

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("letter_signed") and not cleaned.get("letter_signed_on"):
            self.add_error("letter_signed_on", _("Enter the date the letter was signed."))
        return cleaned


class CommunicationForm(NoAutocompleteMixin, SaneDatesMixin, forms.Form):
    """One contact, as the person who had it tells it. `occurred_at` is read in the
    organization's time zone; the override field is offered to coordinators only."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Communication.Kind.choices)
    direction = forms.ChoiceField(label=_("Direction"), choices=Communication.Direction.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=Communication.Channel.choices)
    # A date picker reads and writes ISO dates whatever the language; a date typed by
    # hand in the page's language (02/12/2026 in Spanish) is accepted too.
    occurred_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    occurred_time = forms.TimeField(label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}))
    interpreter_language = forms.CharField(
        label=_("Interpreter used (language)"),
        max_length=60,
        required=False,
        help_text=_("Leave empty when no interpreter was used."),
    )
    summary = forms.CharField(
        label=_("Short summary"),
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": SUMMARY_MAX_LENGTH}),
        help_text=_("Stored encrypted. What was said or agreed, in a few lines."),
    )
    override_reason = forms.CharField(
        label=_("Coordinator override: reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Only when the safe-contact rules refuse an outbound contact and it must be "
            "logged anyway (for example, an emergency). Stored encrypted; the override is "
            "in the audit trail."
        ),
    )

    def __init__(self, *args, zone, may_override: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        now = timezone.localtime(timezone.now(), zone)
        self.fields["occurred_on"].initial = now.date()
        self.fields["occurred_time"].initial = now.strftime("%H:%M")
        if not may_override:
            del self.fields["override_reason"]

    def clean_summary(self) -> str:
        # A browser sends each line break as CRLF but counts it as one character: count
        # (and keep) what the person typed.
        summary = self.cleaned_data["summary"].replace("\r\n", "\n").replace("\r", "\n")
        if len(summary) > SUMMARY_MAX_LENGTH:
            raise forms.ValidationError(
                _("Keep the summary under %(limit)s characters (it has %(count)s)."),
                params={"limit": SUMMARY_MAX_LENGTH, "count": len(summary)},
            )
        return summary

    def clean(self):
        data = super().clean()
        on, at = data.get("occurred_on"), data.get("occurred_time")
        if on and at:
            data["occurred_at"] = datetime.combine(on, at, tzinfo=self.zone)
            if data["occurred_at"] > timezone.now() + timedelta(minutes=5):
                self.add_error(
                    "occurred_on", _("This is in the future: log a contact once it happened.")
                )
        return data


def _one_newline_kind(text: str) -> str:
    """Browsers send line breaks as \\r\\n: stored as \\n, so that saving a form unchanged
    never shows in the history as a change."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


class SurvivorRecordForm(
    IntakePersonForm, IntakeOriginForm, IntakeSituationForm, IntakeGuardianForm
):
    """Correcting a finished record: what intake collected, in one form (the intake
    steps' own fields and checks), without the safe house, which is never shown."""

    safety_situation = IntakeSafetyForm.base_fields["safety_situation"]
    # The record's fields in their order, the other names used right after the names.
    field_order = [*RECORD_EDITABLE[:2], "aliases", *RECORD_EDITABLE[2:]]

    def __init__(self, *args, survivor: Survivor, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["confirm_new_person"]
        # Asked only of minors, as in intake; kept while something is recorded in them.
        if not survivor.is_minor and not (survivor.guardian_name or survivor.guardian_contact):
            del self.fields["guardian_name"]
            del self.fields["guardian_contact"]

    def clean_safety_situation(self) -> str:
        return _one_newline_kind(self.cleaned_data["safety_situation"])

    @classmethod
    def initial_of(cls, survivor: Survivor) -> dict:
        initial = {name: getattr(survivor, name) for name in cls.field_order if name != "aliases"}
        initial["aliases"] = "\n".join(a.name for a in survivor.aliases.order_by("pk"))
        return initial
