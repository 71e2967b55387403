"""Every API route with an object id, against every key that must not reach the object.

An outsider organization's key and a partner NGO's key get 404 for Harbor's objects
(never a hint that they exist) and leave a denied audit event; a revoked and an expired
key get 401. Harbor's own key is the control. A route with an id missing here fails
`test_every_api_route_with_an_id_is_in_the_matrix`.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import URLPattern, get_resolver, reverse
from django.utils import timezone

from aftercare.actor import Actor
from aftercare.models import AuditEvent, Role
from api.models import ApiClient
from api.services import api_client_revoke
from tests.api.conftest import KeyClient, make_key
from tests.api.helpers import harbor_records, shared_referral
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

# Route name -> (method, how to find Harbor's object id in the records).
ROUTES = {
    "api:referral": ("get", lambda r: r["referral"].pk),
    "api:referral_withdraw": ("post", lambda r: r["referral"].pk),
    "api:survivor": ("get", lambda r: r["survivor"].pk),
    "api:matter": ("get", lambda r: r["matter"].pk),
    "api:matter_deadlines": ("get", lambda r: r["matter"].pk),
    "api:document_download": ("get", lambda r: r["version"].pk),
}
DENIED_404 = ("outsider", "partner_ngo")
DENIED_401 = ("revoked", "expired")


@pytest.fixture
def records(harbor, riverside):
    """Harbor's records; its referral is one Harbor sent to Riverside's sister clinic."""
    found = harbor_records(harbor)
    sister = MembershipFactory(role=Role.COORDINATOR).organization
    found["referral"] = shared_referral(sender=harbor, receiver=sister)
    return found


@pytest.fixture
def keys(harbor, riverside, safehaven):
    revoked_client, revoked = make_key(harbor, name="Revoked")
    admin = MembershipFactory(organization=harbor, role=Role.ORG_ADMIN)
    api_client_revoke(actor=Actor(user=admin.user, membership=admin), client=revoked_client)
    expired_client, expired = make_key(harbor, name="Expired")
    ApiClient.objects.filter(pk=expired_client.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    return {
        "harbor": make_key(harbor)[1],
        "outsider": make_key(riverside)[1],
        "partner_ngo": make_key(safehaven)[1],
        "revoked": revoked,
        "expired": expired,
    }


def _call(key, method, url):
    client = KeyClient(key)
    if method == "post":
        return client.post_json(url, {}, idempotency_key="matrix")
    return client.get(url)


def _api_routes_with_ids() -> set[str]:
    resolver = get_resolver()
    for entry in resolver.url_patterns:
        if getattr(entry, "namespace", None) == "api":
            return {
                f"api:{p.name}"
                for p in entry.url_patterns
                if isinstance(p, URLPattern) and p.pattern.converters
            }
    raise AssertionError("the api namespace is not mounted")


def test_every_api_route_with_an_id_is_in_the_matrix():
    missing = _api_routes_with_ids() - set(ROUTES)
    assert not missing, f"add these API routes to ROUTES: {sorted(missing)}"


@pytest.mark.parametrize("persona", DENIED_404)
@pytest.mark.parametrize("url_name", sorted(ROUTES))
def test_other_organizations_keys_get_404_and_a_denied_event(url_name, persona, records, keys):
    method, object_id = ROUTES[url_name]
    url = reverse(url_name, args=[object_id(records)])
    denied = AuditEvent.objects.filter(action="aftercare.access.denied").count()
    response = _call(keys[persona], method, url)
    assert response.status_code == 404, f"{persona} {method} {url}: {response.status_code}"
    assert AuditEvent.objects.filter(action="aftercare.access.denied").count() == denied + 1
    assert records["referral"].__class__.objects.get(pk=records["referral"].pk).status == "sent"


@pytest.mark.parametrize("persona", DENIED_401)
@pytest.mark.parametrize("url_name", sorted(ROUTES))
def test_revoked_and_expired_keys_get_401(url_name, persona, records, keys):
    method, object_id = ROUTES[url_name]
    response = _call(keys[persona], method, reverse(url_name, args=[object_id(records)]))
    assert response.status_code == 401


@pytest.mark.parametrize("url_name", sorted(ROUTES))
def test_harbors_own_key_is_not_refused(url_name, records, keys):
    method, object_id = ROUTES[url_name]
    response = _call(keys["harbor"], method, reverse(url_name, args=[object_id(records)]))
    assert response.status_code == 200, response.content[:300]


@pytest.mark.parametrize(
    "url_name",
    ["api:referrals", "api:survivors", "api:matters", "api:deadlines", "api:documents"],
)
def test_lists_show_other_organizations_keys_nothing_of_harbors(url_name, records, keys):
    for persona in DENIED_404:
        assert KeyClient(keys[persona]).get(reverse(url_name)).json()["results"] == []
    assert KeyClient(keys["harbor"]).get(reverse(url_name)).json()["results"]
