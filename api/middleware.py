"""The partner API neither reads nor sets cookies: a key is the only credential.

Without this, a browser's session cookie sent along to `/api/` would sign the call in
as that person, and the session machinery would answer with cookies of its own.
"""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse

API_PREFIX = "/api/v1/"


class NoCookiesOnApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        request.COOKIES = {}
        response = self.get_response(request)
        if response.status_code == 404 and response.get("Content-Type", "").startswith("text/html"):
            # An address that matches no route (`/referrals/abc/`): JSON like every other
            # answer of the API, not the site's HTML page.
            response = JsonResponse({"detail": "Not found."}, status=404)
        for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
            response.cookies.pop(name, None)
        return response
