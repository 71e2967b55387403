"""Time-outs that lose nothing typed (GOV.UK's timeout pattern).

A page's autosave asks with the `X-Autosave: 1` header and is always answered in JSON:
saved (with the time), or signed out (with the time of the last save), never a page
that a script would put inside the page. The session's idle clock is told to the page
(base.html) so that it warns two minutes before; "Stay signed in" calls `session_extend`.
"""

from __future__ import annotations

from django.contrib.auth import logout
from django.http import HttpRequest, JsonResponse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.sessions import session_expiry_reason

AUTOSAVE_HEADER = "X-Autosave"
# The time of the session's last autosave, as shown ("14:05"): an expired session's
# answer says what was saved.
SAVED_AT_KEY = "aftercare_autosaved_at"


def is_autosave(request: HttpRequest) -> bool:
    return request.headers.get(AUTOSAVE_HEADER) == "1"


def _clock(moment) -> str:
    return formats.time_format(timezone.localtime(moment), "H:i")


def autosave_answer(request: HttpRequest, **extra) -> JsonResponse:
    """What a page is told after its autosave was stored (and `extra`, for its script)."""
    saved_at = _clock(timezone.now())
    request.session[SAVED_AT_KEY] = saved_at
    return JsonResponse(
        {
            "saved": True,
            "saved_at": saved_at,
            "message": _("Draft saved at %(time)s.") % {"time": saved_at},
            **extra,
        }
    )


def autosave_signed_out(saved_at: str | None) -> JsonResponse:
    if saved_at:
        message = _(
            "Signed out — saved up to %(time)s. Sign in again to go on: what was saved "
            "is in the draft."
        ) % {"time": saved_at}
    else:
        message = _("Signed out. Sign in again to go on.")
    return JsonResponse(
        {"saved": False, "signed_out": True, "saved_at": saved_at, "message": message}, status=401
    )


class AutosaveSignedOutMiddleware:
    """Answer an autosave from an ended session in JSON, before the sign-in redirect.

    Placed after authentication and before SessionLifetimeMiddleware, which would end
    the session and let the login redirect answer with the sign-in page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_autosave(request):
            return self.get_response(request)
        user = request.user
        if user.is_authenticated and user.is_verified():
            if session_expiry_reason(request) is None:
                return self.get_response(request)
            saved_at = request.session.get(SAVED_AT_KEY)
            logout(request)
            return autosave_signed_out(saved_at)
        return autosave_signed_out(None)


@require_POST
def session_extend(request: HttpRequest) -> JsonResponse:
    """ "Stay signed in": this request itself restarts the idle clock (the middleware)."""
    return JsonResponse({"extended": True})
