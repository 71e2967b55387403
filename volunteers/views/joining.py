"""Joining by invitation: the one volunteers page that works before signing in."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from aftercare.access import organization_not_required, posted, second_factor_not_required
from aftercare.forms import JoinForm
from aftercare.idempotency import idempotent_create
from volunteers.services import onboarding


@never_cache
@login_not_required
@second_factor_not_required
@organization_not_required
@idempotent_create
def join(request: HttpRequest, token: str) -> HttpResponse:
    """A new volunteer sets their name and password, then the second factor (next page).

    Someone who already has an account signs in first and accepts on their account.
    A bad, used or expired link gets the same page, saying only that it does not work.
    """
    invitation = onboarding.invitation_for_token(token)
    if invitation is None:
        return render(request, "volunteers/join_invalid.html", status=404)
    has_account = onboarding.account_exists(invitation.email)
    if has_account and not (
        request.user.is_authenticated
        and request.user.is_verified()
        and request.user.email.lower() == invitation.email
    ):
        return render(request, "volunteers/join_sign_in.html", {"invitation": invitation})
    form = JoinForm(posted(request)) if not has_account else None
    if request.method == "POST" and (has_account or form.is_valid()):
        data = form.cleaned_data if form else {}
        try:
            user = onboarding.invitation_accept(
                actor=request.actor,
                invitation=invitation,
                full_name=data.get("full_name", ""),
                password=data.get("password", ""),
            )
            if not has_account:  # the new account is signed in, its second factor next
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        except ValidationError as error:
            if form is None:
                messages.error(request, " ".join(error.messages))
                return redirect("dashboard")
            form.add_error(None if hasattr(error, "error_dict") else "password", error)
        else:
            return redirect("account:setup" if not has_account else "dashboard")
    context = {"invitation": invitation, "form": form}
    return render(request, "volunteers/join.html", context)
