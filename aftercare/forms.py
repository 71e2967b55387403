from datetime import date

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from aftercare.models import Organization, Role


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("That email address and password do not match an account."),
        "inactive": _("This account is not active. Ask your organization's admin."),
    }


class OneTimeCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app, or a recovery code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].replace(" ", "").strip()


class AuthenticatorSetupForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code shown by your authenticator app"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class SudoForm(forms.Form):
    """A fresh proof of identity: the password or a current authenticator code."""

    secret = forms.CharField(
        label=_("Your password or a code from your authenticator app"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )


class ChooseOrganizationForm(forms.Form):
    membership = forms.TypedChoiceField(label=_("Act for"), coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args, memberships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].choices = [
            (m.pk, f"{m.organization.name} — {m.get_role_display()}") for m in memberships
        ]


class MembershipForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    is_active = forms.BooleanField(label=_("Membership active"), required=False)
    bar_number = forms.CharField(
        label=_("Bar number"),
        max_length=40,
        required=False,
        help_text=_("For attorneys: printed on the documents they sign."),
    )
    phone = forms.CharField(
        label=_("Direct telephone"),
        max_length=40,
        required=False,
        help_text=_("Printed on documents; empty means the organization's telephone."),
    )


class JoinForm(forms.Form):
    """A new account from an invitation: a name and a password typed twice."""

    full_name = forms.CharField(label=_("Your full name"), max_length=200)
    password = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters. A short sentence is easy to remember."),
    )
    password_again = forms.CharField(
        label=_("The same password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data


class StaffInvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class AdminInvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address of its first admin"),
        max_length=254,
        help_text=_("They get a link that works once, for 14 days."),
    )


class CountryField(forms.ChoiceField):
    """A country chosen by its name in the reader's language (django-countries), kept as
    its ISO 3166 code; a code sent in lower case (an API client, an old form) is taken."""

    default_error_messages = {"invalid_choice": _("Choose the country from the list.")}

    def __init__(self, **kwargs):
        super().__init__(label=_("Country"), choices=[("", "—"), *countries], **kwargs)

    def to_python(self, value) -> str:
        return super().to_python(value).strip().upper()


class OrganizationSettingsForm(forms.Form):
    """What a platform administrator sets on an organization."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Organization.Kind.choices)
    country = CountryField()


class OrganizationCreateForm(OrganizationSettingsForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    field_order = ["name", "kind", "country"]


class OrganizationProfileForm(forms.ModelForm):
    country = CountryField()
    services = forms.MultipleChoiceField(
        label=_("Services offered"),
        choices=Organization.Service.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Organization
        fields = [
            "name",
            "country",
            "jurisdiction",
            "contact_email",
            "contact_phone",
            "mailing_address",
            "services",
        ]

    def clean_services(self) -> list[str]:
        # In the order offered, whatever order they were ticked in: the same services
        # ticked again are not a change.
        ticked = set(self.cleaned_data["services"])
        return [code for code in Organization.Service.values if code in ticked]


# Dates a person types: anything before 1900 or after 2100 is a typo (a year of 0001 or
# 9999), and some of them would break date arithmetic further on. Birth dates also
# cannot be in the future.
FIRST_SANE_DATE = date(1900, 1, 1)
LAST_SANE_DATE = date(2100, 12, 31)


class SaneDateValidator:
    """Refuses a date outside [first, last]; `last` may be a callable (e.g. today)."""

    def __init__(self, first: date = FIRST_SANE_DATE, last=LAST_SANE_DATE, *, birth=False):
        self.first, self.last, self.birth = first, last, birth

    def limits(self) -> tuple[date, date]:
        return self.first, self.last() if callable(self.last) else self.last

    def __call__(self, value) -> None:
        if value is None:
            return
        first, last = self.limits()
        if first <= value <= last:
            return
        if self.birth and value > last:
            message = _("The date of birth is in the future.")
        elif self.birth:
            message = _("Enter a date of birth between %(first)s and today.")
        else:
            message = _("Enter a date between %(first)s and %(last)s. Check the year.")
        raise forms.ValidationError(
            message,
            code="date_out_of_range",
            params={"first": date_format(first), "last": date_format(last)},
        )


class SaneDatesMixin:
    """Every DateField of the form refuses dates outside a sane range (1900-2100, or
    1900-today for the fields named in `birth_date_fields`), with a clear message, and
    the date picker offers only that range."""

    birth_date_fields: tuple[str, ...] = ("date_of_birth", "born")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if not isinstance(field, forms.DateField):
                continue
            if name in self.birth_date_fields:
                validator = SaneDateValidator(last=timezone.localdate, birth=True)
            else:
                validator = SaneDateValidator()
            field.validators.append(validator)
            first, last = validator.limits()
            field.widget.attrs.setdefault("min", first.isoformat())
            field.widget.attrs.setdefault("max", last.isoformat())
