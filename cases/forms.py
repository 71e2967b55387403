"""Forms of the cases app."""

from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftercare.forms import SaneDatesMixin
from aftercare.models import Membership, Role
from cases.kinds import Kind, Stage, SubKind
from cases.models import (
    ConflictCheck,
    Deadline,
    DeadlineRule,
    Grant,
    Jurisdiction,
    Party,
    TimeEntry,
)
from cases.models.deadlines import TIME_ZONES
from cases.services.grants import BY_RULES
from cases.signals import team_candidates_excluded

DATE = forms.DateInput(attrs={"type": "date"})
# Names of people in a matter: a browser must not remember or offer them.
NO_MEMORY = {"autocomplete": "off"}
NO_GRANT = "none"


class GrantField(forms.ChoiceField):
    """One of the organization's grants, shown by code; with `by_rules`, the empty
    choice lets the rules decide and "No grant" is chosen explicitly."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("Grant"))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.grants: dict[str, Grant] = {}
        self.by_rules = False

    def offer(self, organization_id: int, *, by_rules: bool) -> None:
        self.by_rules = by_rules
        self.grants = {str(g.pk): g for g in Grant.objects.filter(organization_id=organization_id)}
        first = (
            [("", _("By the rules")), (NO_GRANT, _("No grant"))]
            if by_rules
            else [("", _("No grant"))]
        )
        self.choices = [
            *first,
            *[(pk, f"{g.code} · {g.name}") for pk, g in self.grants.items()],
        ]
        if by_rules:
            self.help_text = _(
                "By the rules: the grant whose period and kinds (or activities) fit, if "
                "exactly one does."
            )

    def clean(self, value):
        value = super().clean(value)
        if value == "":
            return BY_RULES if self.by_rules else None
        if value == NO_GRANT:
            return None
        return self.grants[value]


class ProspectivePartyForm(SaneDatesMixin, forms.Form):
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[("", "—"), *[(r, label) for r, label in Party.Role.choices]],
        required=False,
    )
    name = forms.CharField(
        label=_("Name"), max_length=200, required=False, widget=forms.TextInput(attrs=NO_MEMORY)
    )
    aliases = forms.CharField(
        label=_("Other names"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, **NO_MEMORY}),
        help_text=_("One per line."),
    )
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DATE)

    def clean(self):
        data = super().clean()
        if data.get("name") and not data.get("role"):
            self.add_error("role", _("Choose the role of this person."))
        data["aliases"] = [a.strip() for a in data.get("aliases", "").splitlines() if a.strip()]
        return data


# Three blank parties to start; "Add another party" adds one at a time up to the cap, which
# is far above any real trafficking case (a ring's members, employers, recruiters).
MAX_PARTIES = 30
PartyFormSet = forms.formset_factory(
    ProspectivePartyForm, extra=3, max_num=MAX_PARTIES, validate_max=True
)


def party_formset_with_one_more(data) -> forms.BaseFormSet:
    """The parties as typed, plus one empty: the "Add another party" button's answer."""
    data = data.copy()
    total_key = "party-TOTAL_FORMS"
    try:
        total = int(data.get(total_key, 3))
    except ValueError:
        total = 3
    data[total_key] = str(min(max(total, 0) + 1, MAX_PARTIES))
    return PartyFormSet(data, prefix="party")


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect, choices=ConflictCheck.Decision.choices[1:]
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def _members(organization, roles):
    return (
        Membership.objects.people()
        .filter(organization=organization, role__in=roles)
        .select_related("user")
    )


LEAD_ATTORNEY_ERRORS = {
    "required": _("Choose the attorney who leads this matter."),
    "invalid_choice": _("Choose one of the organization's staff attorneys in the list."),
}


def _staff_attorneys(organization, *, keep_user_id=None):
    """The attorneys who may lead a matter: the apps above leave out whom joining would
    refuse (volunteers, who join by assignment), so the list offers no refused choice."""
    members = _members(organization, [Role.ATTORNEY])
    for _receiver, excluded in team_candidates_excluded.send(
        sender=Membership, organization=organization
    ):
        members = members.exclude(models.Q(user_id__in=excluded) & ~models.Q(user_id=keep_user_id))
    return members.order_by("user__full_name", "user__email")


class MatterOpenForm(forms.Form):
    sub_kind = forms.ChoiceField(
        label=_("Type of matter"),
        choices=SubKind.choices,
        error_messages={"required": _("Choose the type of matter to open.")},
    )
    jurisdiction = forms.ModelChoiceField(
        label=_("Court or agency"), required=False, queryset=Jurisdiction.objects.none()
    )
    lead_attorney = forms.ChoiceField(label=_("Lead attorney"), error_messages=LEAD_ATTORNEY_ERRORS)
    case_number = forms.CharField(label=_("Case number"), max_length=60, required=False)
    receipt_number = forms.CharField(label=_("Receipt number"), max_length=60, required=False)
    file_under_pseudonym = forms.BooleanField(label=_("File under a pseudonym"), required=False)
    grant = GrantField()

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = Jurisdiction.objects.filter(
            organization=organization, is_active=True
        )
        self.fields["grant"].offer(organization.pk, by_rules=True)
        self.attorneys = {m.user_id: m.user for m in _staff_attorneys(organization)}
        self.fields["lead_attorney"].choices = [
            ("", _("Choose…")),
            *[(pk, user.full_name or user.email) for pk, user in self.attorneys.items()],
        ]

    def clean_lead_attorney(self):
        return self.attorneys[int(self.cleaned_data["lead_attorney"])]


class MatterFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any kind")), *Kind.choices]
    )
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[("", _("Any stage")), *Stage.choices]
    )
    jurisdiction = forms.ModelChoiceField(
        label=_("Court or agency"),
        required=False,
        queryset=Jurisdiction.objects.none(),
        empty_label=_("Any"),
    )
    # Typed, not chosen from a list: a list of the whole staff grows with the organization.
    attorney = forms.CharField(
        label=_("Lead attorney"),
        required=False,
        max_length=100,
        help_text=_("Part of a name or email address."),
    )
    due = forms.ChoiceField(
        label=_("Deadlines"),
        required=False,
        choices=[
            ("", _("Any")),
            ("overdue", _("Overdue")),
            ("7", _("Due within 7 days")),
            ("30", _("Due within 30 days")),
        ],
    )
    closed = forms.BooleanField(label=_("Include closed matters"), required=False)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = Jurisdiction.objects.filter(
            organization=organization
        )


class ComputedDeadlineForm(SaneDatesMixin, forms.Form):
    rule = forms.ModelChoiceField(
        label=_("Rule"),
        queryset=DeadlineRule.objects.none(),
        error_messages={
            "required": _("Choose the rule that sets this deadline."),
            "invalid_choice": _("Choose one of the rules in the list: they fit this matter."),
        },
    )
    trigger_date = forms.DateField(
        label=_("Date it counts from"),
        required=False,
        widget=DATE,
        help_text=_("The rule says which event: for example the date on the notice."),
    )
    mailed = forms.BooleanField(label=_("The notice came by mail"), required=False)

    def __init__(self, *args, matter, **kwargs):
        super().__init__(*args, **kwargs)
        rules = DeadlineRule.objects.filter(organization_id=matter.organization_id, is_active=True)
        # Only the rules for this type of matter (no type listed: every type). In Python:
        # the list is short, and a JSON "contains" is not portable across databases.
        fitting = [
            pk
            for pk, types in rules.values_list("pk", "applies_to")
            if not types or matter.sub_kind in types
        ]
        self.fields["rule"].queryset = rules.filter(pk__in=fitting)
        self.fields["rule"].label_from_instance = lambda rule: rule.label


def _days(text: str) -> list[int]:
    try:
        days = sorted(
            {int(part) for part in text.replace(";", ",").split(",") if part.strip()}, reverse=True
        )
    except ValueError:
        raise forms.ValidationError(_("Write whole numbers of days, like 30, 7, 1, 0.")) from None
    if any(d < 0 or d > 365 for d in days):
        raise forms.ValidationError(_("Each number must be between 0 and 365."))
    return days


class ReminderDaysField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        return _days(value) if value else None


class DeadlineForm(SaneDatesMixin, forms.ModelForm):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=TIME_ZONES,
    )
    reminder_days = ReminderDaysField(
        label=_("Remind this many days before"),
        required=False,
        help_text=_("Leave empty for the organization's usual days."),
    )
    responsible = forms.MultipleChoiceField(
        label=_("Responsible"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: the lead attorney."),
    )

    class Meta:
        model = Deadline
        fields = ["kind", "title", "due_date", "due_time", "time_zone", "location"]
        labels = {"title": _("What is due (no names: calendars show it)")}
        widgets = {"due_date": DATE, "due_time": forms.TimeInput(attrs={"type": "time"})}
        error_messages = {
            "kind": {"required": _("Choose the kind of deadline.")},
            "title": {"required": _("Say what is due, for example “Response to the motion”.")},
            "due_date": {"required": _("Enter the date it is due.")},
        }

    def __init__(self, *args, team=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.team = {str(u.pk): u for u in team}
        self.fields["responsible"].choices = [
            (pk, u.full_name or u.email) for pk, u in self.team.items()
        ]

    def clean_responsible(self):
        return [self.team[pk] for pk in self.cleaned_data["responsible"]]


class StageForm(forms.Form):
    stage = forms.ChoiceField(label=_("Move to"), choices=[])


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[])
    reason = forms.CharField(label=_("Closing reason"), max_length=300, required=False)


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note (privileged)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write the note before you save it.")},
    )
    corrects = forms.IntegerField(required=False, widget=forms.HiddenInput)


class TimeForm(SaneDatesMixin, forms.ModelForm):
    grant = GrantField()

    def __init__(self, *args, matter, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grant"].offer(matter.organization_id, by_rules=True)
        self.fields["grant"].help_text = _(
            "By the rules: the matter's grant, when the date is in its period and the "
            "activity counts for it."
        )

    class Meta:
        model = TimeEntry
        fields = ["date", "minutes", "activity"]
        widgets = {"date": DATE}
        error_messages = {
            "date": {"required": _("Enter the date the work was done.")},
            "minutes": {"required": _("Enter how many minutes the work took, for example 30.")},
            "activity": {"required": _("Choose what kind of work it was.")},
        }

    def clean_minutes(self):
        minutes = self.cleaned_data["minutes"]
        if not 1 <= minutes <= 24 * 60:
            raise forms.ValidationError(_("Enter between 1 and 1440 minutes."))
        return minutes


class PartyForm(SaneDatesMixin, forms.Form):
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Party.Role.choices,
        error_messages={"required": _("Choose the role of this person in the matter.")},
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        error_messages={"required": _("Enter the name of this person or organization.")},
        widget=forms.TextInput(attrs=NO_MEMORY),
    )
    aliases = forms.CharField(
        label=_("Other names"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, **NO_MEMORY}),
        help_text=_("One per line."),
    )
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DATE)

    def clean_aliases(self):
        return [a.strip() for a in self.cleaned_data["aliases"].splitlines() if a.strip()]


class TeamForm(forms.Form):
    """Add a member by address: a list of the whole staff would grow with the organization."""

    email = forms.EmailField(
        label=_("Email of the attorney or paralegal to add"),
        help_text=_("A member of this organization."),
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization

    def clean_email(self):
        member = (
            _members(self.organization, [Role.ATTORNEY, Role.PARALEGAL])
            .filter(user__email__iexact=self.cleaned_data["email"], user__is_active=True)
            .first()
        )
        if member is None:
            raise forms.ValidationError(
                _("No attorney or paralegal of this organization has this address.")
            )
        return member.user


class RuleForm(forms.ModelForm):
    class Meta:
        model = DeadlineRule
        fields = [
            "name",
            "trigger_label",
            "years",
            "months",
            "days",
            "mailed_extra_days",
            "minor_tolls_until_majority",
            "roll",
            "source",
            "is_active",
        ]


class JurisdictionForm(forms.ModelForm):
    class Meta:
        model = Jurisdiction
        fields = ["name", "type", "holiday_country", "holiday_subdivision"]

    def clean(self):
        import holidays

        data = super().clean()
        country = (data.get("holiday_country") or "").upper()
        subdivision = (data.get("holiday_subdivision") or "").upper()
        supported = holidays.list_supported_countries()
        if country not in supported:
            self.add_error("holiday_country", _("Not a country with a known holiday calendar."))
        elif subdivision and subdivision not in supported[country]:
            self.add_error("holiday_subdivision", _("Not a subdivision of that country."))
        if Jurisdiction.objects.filter(
            organization_id=self.instance.organization_id, name=data.get("name")
        ).exists():
            self.add_error("name", _("This court or agency is already on the list."))
        data["holiday_country"], data["holiday_subdivision"] = country, subdivision
        return data


class ReminderPolicyForm(forms.Form):
    """One line per kind of deadline: the days before it that people are reminded."""

    def __init__(self, *args, policies: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in Deadline.Kind.choices:
            self.fields[kind] = ReminderDaysField(
                label=label,
                required=False,
                initial=", ".join(map(str, policies[kind])),
                help_text=_("Days before, for example 30, 7, 1, 0 (0 is the morning of)."),
            )


class MatterEditForm(forms.Form):
    """The details entered when the matter was opened, to correct them."""

    case_number = forms.CharField(label=_("Case number"), max_length=60, required=False)
    receipt_number = forms.CharField(label=_("Receipt number"), max_length=60, required=False)
    jurisdiction = forms.ModelChoiceField(
        label=_("Court or agency"), required=False, queryset=Jurisdiction.objects.none()
    )
    lead_attorney = forms.ChoiceField(label=_("Lead attorney"), error_messages=LEAD_ATTORNEY_ERRORS)
    file_under_pseudonym = forms.BooleanField(
        label=_("File under a pseudonym"),
        required=False,
        help_text=_(
            "Documents generated from now on follow it; those already generated stay as made."
        ),
    )
    grant = GrantField()

    def __init__(self, *args, matter, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "case_number": matter.case_number,
                "receipt_number": matter.receipt_number,
                "jurisdiction": matter.jurisdiction_id,
                "lead_attorney": matter.lead_attorney_id,
                "file_under_pseudonym": matter.file_under_pseudonym,
                "grant": matter.grant_id or "",
            },
        )
        super().__init__(*args, **kwargs)
        organization = matter.organization_id
        self.fields["grant"].offer(organization, by_rules=False)
        # The current court stays choosable even if it was since retired from the list.
        self.fields["jurisdiction"].queryset = Jurisdiction.objects.filter(
            organization_id=organization
        ).filter(models.Q(is_active=True) | models.Q(pk=matter.jurisdiction_id))
        # Staff attorneys of the organization only: a volunteer or a paralegal never leads
        # (the current lead stays in the list, whoever they are).
        self.attorneys = {
            m.user_id: m.user
            for m in _staff_attorneys(organization, keep_user_id=matter.lead_attorney_id)
        }
        self.fields["lead_attorney"].choices = [
            (pk, user.full_name or user.email) for pk, user in self.attorneys.items()
        ]

    def clean_case_number(self):
        return self.cleaned_data["case_number"].strip()

    def clean_receipt_number(self):
        return self.cleaned_data["receipt_number"].strip()

    def clean_lead_attorney(self):
        return self.attorneys[int(self.cleaned_data["lead_attorney"])]


class DeadlineEditForm(DeadlineForm):
    """A deadline's details; a computed one shows the date it counts from, not its date."""

    trigger_date = forms.DateField(label=_("Date it counts from"), required=False, widget=DATE)
    mailed = forms.BooleanField(label=_("The notice came by mail"), required=False)

    class Meta(DeadlineForm.Meta):
        fields = ["title", "due_date", "due_time", "time_zone", "location"]

    def __init__(self, *args, team=(), **kwargs):
        super().__init__(*args, team=team, **kwargs)
        deadline = self.instance
        del self.fields["reminder_days"]
        self.fields["responsible"].initial = [str(u.pk) for u in deadline.responsible.all()]
        self.fields["responsible"].help_text = _("None ticked: the lead attorney.")
        if deadline.is_computed:
            del self.fields["due_date"]
            self.fields["trigger_date"].initial = deadline.trigger_date
            self.fields["trigger_date"].help_text = deadline.rule.trigger_text
            self.fields["mailed"].initial = any(
                step.get("step") == "mailed" for step in deadline.computation or ()
            )
            if deadline.rule.anchor == DeadlineRule.Anchor.BIRTH:
                del self.fields["trigger_date"]
        else:
            del self.fields["trigger_date"], self.fields["mailed"]

    def clean_trigger_date(self):
        value = self.cleaned_data.get("trigger_date")
        if value is None and self.instance.rule and self.instance.rule.anchor == "trigger":
            raise forms.ValidationError(_("Enter the date it counts from."))
        return value


class PartyEditForm(PartyForm):
    """A party as recorded, to correct it; other names one per line as when added."""

    def __init__(self, *args, party: Party, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "role": party.role,
                "name": party.name,
                "aliases": "\n".join(a.name for a in party.alias_set.order_by("id")),
                "date_of_birth": party.date_of_birth,
            },
        )
        super().__init__(*args, **kwargs)


class TimeEditForm(SaneDatesMixin, forms.Form):
    """Hours in tenths, as they are reported; an entry logged in minutes that are not a
    tenth keeps its minutes unless its hours are changed."""

    date = forms.DateField(label=_("Date"), widget=DATE)
    hours = forms.DecimalField(
        label=_("Hours"),
        min_value=Decimal("0.1"),
        max_value=Decimal("24"),
        max_digits=3,
        decimal_places=1,
        help_text=_("In tenths of an hour: 1.5 is an hour and a half."),
        widget=forms.NumberInput(attrs={"step": "0.1", "min": "0.1", "max": "24"}),
    )
    activity = forms.ChoiceField(label=_("Activity"), choices=TimeEntry.Activity.choices)
    grant = GrantField()

    def __init__(self, *args, entry: TimeEntry, organization_id: int, **kwargs):
        self.entry = entry
        kwargs.setdefault(
            "initial",
            {
                "date": entry.date,
                "hours": self.shown_hours(entry),
                "activity": entry.activity,
                "grant": entry.grant_id or "",
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["grant"].offer(organization_id, by_rules=False)

    @staticmethod
    def shown_hours(entry: TimeEntry) -> Decimal:
        return (Decimal(entry.minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def changes(self) -> dict:
        """What the service is given: minutes, not hours."""
        hours = self.cleaned_data["hours"]
        same = hours == self.shown_hours(self.entry)
        return {
            "date": self.cleaned_data["date"],
            "activity": self.cleaned_data["activity"],
            "grant": self.cleaned_data["grant"],
            "minutes": self.entry.minutes if same else int(hours * 60),
        }


class GrantForm(SaneDatesMixin, forms.Form):
    """A grant's funder, code, name, period, and what counts for it."""

    funder = forms.CharField(
        label=_("Funder"),
        max_length=200,
        help_text=_("For example: Office for Victims of Crime (U.S. Department of Justice)."),
    )
    code = forms.CharField(
        label=_("Grant code"),
        max_length=30,
        help_text=_("What matters and hours carry, for example OVC-HT-2025."),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    starts_on = forms.DateField(label=_("Period start"), widget=DATE)
    ends_on = forms.DateField(label=_("Period end"), widget=DATE)
    matter_kinds = forms.MultipleChoiceField(
        label=_("Kinds of matter it covers"),
        choices=Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("A matter of one of these kinds opened in the period gets this grant."),
    )
    activities = forms.MultipleChoiceField(
        label=_("Activities that count"),
        choices=TimeEntry.Activity.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Hours of these activities on its matters, in the period, are charged to it."),
    )

    def __init__(self, *args, grant: Grant | None = None, **kwargs):
        if grant is not None:
            kwargs.setdefault("initial", {name: getattr(grant, name) for name in self.base_fields})
        super().__init__(*args, **kwargs)

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("The period ends after it starts."))
        return data
