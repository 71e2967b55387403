"""The partner API neither reads nor sets cookies: a key is the only credential.

Without this, a browser's session cookie sent along to `/api/` would sign the call in
as that person, and the session machinery would answer with cookies of its own.
"""

from __future__ import annotations

from django.conf import settings

API_PREFIX = "/api/v1/"


class NoCookiesOnApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        request.COOKIES = {}
        response = self.get_response(request)
        for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
            response.cookies.pop(name, None)
        return response
