"""Signing in and out, the second factor, sudo mode and the acting organization."""

from __future__ import annotations

import io
from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_otp import user_has_device

from aftercare import services, staff
from aftercare.access import (
    membership_choose,
    organization_not_required,
    posted,
    require_sudo_mode,
    second_factor_not_required,
)
from aftercare.forms import (
    AuthenticatorSetupForm,
    ChooseOrganizationForm,
    EmailAuthenticationForm,
    JoinForm,
    OneTimeCodeForm,
    SudoForm,
)
from aftercare.idempotency import idempotent_create

RECOVERY_CODES_SESSION_KEY = "aftercare_new_recovery_codes"
SUDO_SIGNED_OUT_MESSAGE = gettext_lazy(
    "You were signed out: too many wrong passwords or codes when asked to confirm it is "
    "you. Sign in again to continue."
)


def _safe_next(request: HttpRequest, fallback: str = "dashboard") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


class SignInView(auth_views.LoginView):
    template_name = "account/login.html"
    form_class = EmailAuthenticationForm

    def get_success_url(self) -> str:
        # The password is only the first step; the second-factor page keeps `next`.
        return f"{reverse('account:verify')}?{urlencode({'next': super().get_success_url()})}"


sign_in = login_not_required(SignInView.as_view())


@second_factor_not_required
@organization_not_required
def verify(request: HttpRequest) -> HttpResponse:
    if request.user.is_verified():
        return redirect(_safe_next(request))
    if not user_has_device(request.user):
        return redirect("account:setup")
    form = OneTimeCodeForm(posted(request))
    if form.is_valid():
        device = services.second_factor_verify(request=request, code=form.cleaned_data["code"])
        if device is not None:
            if device.persistent_id.startswith("otp_static"):
                left = services.recovery_codes_left(user=request.user)
                messages.warning(
                    request, _("You used a recovery code. %(left)s remain.") % {"left": left}
                )
            return redirect(_safe_next(request))
        form.add_error(
            "code", _("That code is not valid. Check the time on your phone and try again.")
        )
    return render(request, "account/verify.html", {"form": form, "next": _safe_next(request, "")})


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


@second_factor_not_required
@organization_not_required
@idempotent_create
def setup(request: HttpRequest) -> HttpResponse:
    """First sign-in: connect an authenticator app. Later changes go through sudo mode."""
    if user_has_device(request.user):
        return redirect("account:verify")
    device = services.authenticator_enrollment_start(request=request)
    form = AuthenticatorSetupForm(posted(request))
    if form.is_valid():
        codes = services.authenticator_enrollment_confirm(
            request=request, device=device, code=form.cleaned_data["code"]
        )
        if codes is not None:
            request.session[RECOVERY_CODES_SESSION_KEY] = codes
            return redirect("account:recovery_codes")
        form.add_error("code", _("That code does not match. Type the code your app shows now."))
    context = {
        "form": form,
        "qr_svg": _qr_svg(device.config_url),
        "secret": b32encode(device.bin_key).decode(),
    }
    return render(request, "account/setup.html", context)


@organization_not_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """Show freshly issued recovery codes exactly once."""
    codes = request.session.pop(RECOVERY_CODES_SESSION_KEY, None)
    left = services.recovery_codes_left(user=request.user)
    return render(request, "account/recovery_codes.html", {"codes": codes, "left": left})


@organization_not_required
@require_POST
@require_sudo_mode
def recovery_codes_renew(request: HttpRequest) -> HttpResponse:
    request.session[RECOVERY_CODES_SESSION_KEY] = services.recovery_codes_renew(actor=request.actor)
    return redirect("account:recovery_codes")


def _wrong_secret(tries_left: int) -> str:
    return ngettext(
        "That is neither your password nor a current code. One more wrong try will sign you out.",
        "That is neither your password nor a current code. "
        "%(left)s more wrong tries will sign you out.",
        tries_left,
    ) % {"left": tries_left}


@organization_not_required
def sudo(request: HttpRequest) -> HttpResponse:
    """Confirm it is you; too many wrong tries end the session (see `services.sudo_confirm`)."""
    form = SudoForm(posted(request))
    if form.is_valid():
        result = services.sudo_confirm(request=request, secret=form.cleaned_data["secret"])
        if result.granted:
            return redirect(_safe_next(request))
        if result.tries_left == 0:
            messages.error(request, SUDO_SIGNED_OUT_MESSAGE)
            return redirect(settings.LOGIN_URL)
        form.add_error("secret", _wrong_secret(result.tries_left))
    return render(request, "account/sudo.html", {"form": form, "next": _safe_next(request, "")})


@organization_not_required
def choose_organization(request: HttpRequest) -> HttpResponse:
    memberships = list(request.user.active_memberships())
    if not memberships and request.user.is_platform_admin:
        return redirect("platform:organizations")
    if not memberships:
        return render(request, "account/no_organization.html", status=403)
    form = ChooseOrganizationForm(
        posted(request),
        memberships=memberships,
        initial={"membership": getattr(request.membership, "pk", None)},
    )
    if form.is_valid():
        membership_choose(request, form.cleaned_data["membership"])
        return redirect("dashboard")
    return render(request, "account/choose_organization.html", {"form": form})


sign_out = second_factor_not_required(organization_not_required(auth_views.LogoutView.as_view()))


@login_not_required
@second_factor_not_required
@csrf_exempt  # Sent by navigator.sendBeacon while the page is being replaced; it can only sign out.
@require_POST
def quick_exit(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        logout(request)
    return HttpResponse(status=204)


@never_cache
@login_not_required
@second_factor_not_required
@organization_not_required
@idempotent_create
def join(request: HttpRequest, token: str) -> HttpResponse:
    """Join an organization's staff by invitation: a new person sets their name and
    password, then connects an authenticator (next page); someone with an account signs
    in first and accepts on it. A bad, used, withdrawn or expired link says only that."""
    invitation = staff.staff_invitation_for_token(token)
    if invitation is None:
        return render(request, "account/join_invalid.html", status=404)
    has_account = services.account_exists(invitation.email)
    if has_account and not (
        request.user.is_authenticated
        and request.user.is_verified()
        and request.user.email.lower() == invitation.email
    ):
        return render(request, "account/join_sign_in.html", {"invitation": invitation})
    form = JoinForm(posted(request)) if not has_account else None
    if request.method == "POST" and (has_account or form.is_valid()):
        data = form.cleaned_data if form else {}
        try:
            membership = staff.staff_invitation_accept(
                actor=request.actor,
                invitation=invitation,
                full_name=data.get("full_name", ""),
                password=data.get("password", ""),
            )
        except ValidationError as error:
            if form is None:
                messages.error(request, " ".join(error.messages))
                return redirect("dashboard")
            form.add_error(None if hasattr(error, "error_dict") else "password", error)
        else:
            if not has_account:  # the new account is signed in; its second factor next
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
                return redirect("account:setup")
            membership_choose(request, membership.pk)
            return redirect("dashboard")
    return render(request, "account/join.html", {"invitation": invitation, "form": form})
