"""`Authorization: Bearer <key>`: the key's client acts as its service member.

On success the Django request gets what the web middleware gives a signed-in member
(`membership`, `actor`), so the access door, `visible_to` and the audit trail see an
ordinary member of the organization, on the `api` channel. A key that is unknown,
revoked or expired, or whose member or organization was deactivated, is a 401.
"""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from aftercare.actor import Actor, Channel
from api.keys import key_matches, key_prefix
from api.models import ApiClient

INVALID = _("The API key is not valid: unknown, revoked or expired.")


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(INVALID)
        client = self._client_for(header[1])
        membership = client.membership
        django_request = request._request
        django_request.membership = membership
        django_request.api_client = client
        django_request.actor = Actor(
            user=membership.user,
            membership=membership,
            ip_address=get_client_ip_address(django_request),
            channel=Channel.API,
        )
        return membership.user, client

    def _client_for(self, key: str) -> ApiClient:
        prefix = key_prefix(key)
        client = (
            ApiClient.objects.select_related(
                "membership__user", "membership__organization", "organization"
            )
            .filter(prefix=prefix)
            .first()
            if prefix
            else None
        )
        if (
            client is None
            or not key_matches(key, client.key_digest)
            or not client.is_usable(timezone.now())
            or not client.membership.is_active
            or not client.membership.user.is_active
            or not client.organization.is_active
        ):
            raise exceptions.AuthenticationFailed(INVALID)
        return client

    def authenticate_header(self, request) -> str:
        # Makes a missing or bad key a 401 (with this header), not a 403.
        return 'Bearer realm="api"'
