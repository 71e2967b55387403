"""Each API client has its own budget of requests, counted on the configured cache."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class ClientRateThrottle(SimpleRateThrottle):
    scope = "api_client"

    def get_rate(self) -> str:
        # Read at each request, not at import: the setting may change (and does in tests).
        return settings.API_RATE_LIMIT

    def get_cache_key(self, request, view) -> str | None:
        client = request.auth
        if client is None:
            return None  # refused by authentication anyway
        return self.cache_format % {"scope": self.scope, "ident": client.pk}
