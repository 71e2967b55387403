from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

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


class OrganizationProfileForm(forms.ModelForm):
    country = forms.CharField(
        label=_("Country"), max_length=60, help_text=_("Two-letter code, for example US.")
    )
    services = forms.MultipleChoiceField(
        label=_("Services offered"),
        choices=Organization.Service.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Organization
        fields = ["name", "country", "jurisdiction", "contact_email", "contact_phone", "services"]

    def clean_country(self) -> str:
        country = self.cleaned_data["country"].strip().upper()
        if len(country) != 2 or not country.isalpha():
            raise forms.ValidationError(_("Use the two-letter country code, for example US."))
        return country
