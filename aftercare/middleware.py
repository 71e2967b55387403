"""Request gates that apply to every page: session clocks, second factor, acting organization."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import Http404
from django.shortcuts import redirect
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from aftercare.access import ACTING_MEMBERSHIP_KEY, membership_for_session
from aftercare.actor import Actor
from aftercare.audit import audit_record_for_request
from aftercare.sessions import session_expiry_reason, session_touch


def _is_public(view_func) -> bool:
    return not getattr(view_func, "login_required", True)


class SessionLifetimeMiddleware:
    """End sessions that were idle too long, lived too long, or belong to a deactivated user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            reason = session_expiry_reason(request)
            if reason:
                logout(request)
                messages.info(request, _expiry_message(reason))
            else:
                session_touch(request)
        elif SESSION_KEY in request.session:
            # The user was deactivated (or deleted) since sign-in: nothing of theirs stays.
            request.session.flush()
        return self.get_response(request)


def _expiry_message(reason: str) -> str:
    if reason == "idle":
        return _("You were signed out after %(minutes)s minutes without activity.") % {
            "minutes": settings.AFTERCARE_SESSION_IDLE_MINUTES
        }
    return _("Your session reached its time limit. Please sign in again.")


class RequireSecondFactorMiddleware:
    """A password alone opens nothing but the second-factor pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Public pages too: a half-signed-in session reaches only what is marked.
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if getattr(view_func, "second_factor_not_required", False):
            return None
        return redirect("account:verify")


class ActingOrganizationMiddleware:
    """Attach the membership the user is acting under as `request.membership`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership, request.memberships = None, []
        if request.user.is_authenticated and request.user.is_verified():
            request.membership = membership_for_session(request)
            if request.membership is None and _acting_membership_ended(request):
                # Deactivated (or its organization was): the session acting for it ends.
                logout(request)
                messages.info(request, _("Your membership ended, so you were signed out."))
        # Services take this, never the request (see aftercare/actor.py).
        request.actor = Actor.from_request(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.membership is not None or not request.user.is_authenticated:
            return None
        if _is_public(view_func) or getattr(view_func, "organization_not_required", False):
            return None
        if getattr(view_func, "second_factor_not_required", False):
            return None
        if getattr(request.user, "is_platform_admin", False) and not request.memberships:
            return _platform_admin_elsewhere(request)
        return redirect("account:choose_organization")


def _acting_membership_ended(request) -> bool:
    """The session acted for a membership that is no longer active."""
    chosen = request.session.get(ACTING_MEMBERSHIP_KEY)
    return chosen is not None and all(m.pk != chosen for m in request.memberships)


def _platform_admin_elsewhere(request):
    """A platform administrator who is nobody's member: their home is the platform pages;
    an organization's pages (survivors, matters, documents, notes) do not exist for them."""
    match = request.resolver_match
    if match is not None and match.view_name == "dashboard":
        return redirect("platform:organizations")
    audit_record_for_request(
        request,
        "aftercare.access.denied",
        object_type="view",
        object_id=match.view_name if match else "",
        payload={"method": request.method},
    )
    raise Http404


class NoStoreMiddleware:
    """No page of the application may be kept by a browser or proxy cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, no_cache=True, private=True, max_age=0)
        return response
