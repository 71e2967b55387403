"""API keys: shown once, hashed at rest, scoped, expiring, revocable; no session, no cookie."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from aftercare.actor import Actor
from aftercare.models import AuditEvent, Membership
from api.models import ApiClient
from api.services import api_client_revoke
from tests.api.conftest import KeyClient, make_key

pytestmark = pytest.mark.django_db


def test_a_key_reads_the_referral_list(harbor_key, api_for):
    response = api_for(harbor_key).get(reverse("api:referrals"))
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_the_key_is_kept_only_as_a_digest(harbor_key):
    client, key = harbor_key
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_apiclient")
        stored = repr(cursor.fetchall())
    assert key not in stored
    assert key.split("_")[2] not in stored
    assert client.prefix in key


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Bearer ack_000000000000_" + "x" * 43,
        "Bearer not-a-key",
        "Bearer a b",
        "Basic dXNlcjpwYXNz",
    ],
)
def test_a_missing_or_bad_key_is_a_401(header):
    client = Client(HTTP_AUTHORIZATION=header) if header else Client()
    response = client.get(reverse("api:referrals"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_key_is_a_401_and_its_member_is_deactivated(harbor_key, org_admin, api_for):
    client, key = harbor_key
    api_client_revoke(actor=Actor(user=org_admin.user, membership=org_admin), client=client)
    response = api_for(key).get(reverse("api:referrals"))
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]
    assert not Membership.objects.get(pk=client.membership_id).is_active
    assert AuditEvent.objects.filter(action="api.client.revoked").exists()


def test_an_expired_key_is_a_401(harbor_key, api_for):
    client, key = harbor_key
    ApiClient.objects.filter(pk=client.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api_for(key).get(reverse("api:referrals")).status_code == 401


def test_a_key_of_a_deactivated_member_or_organization_is_a_401(harbor_key, api_for):
    client, key = harbor_key
    Membership.objects.filter(pk=client.membership_id).update(is_active=False)
    assert api_for(key).get(reverse("api:referrals")).status_code == 401
    Membership.objects.filter(pk=client.membership_id).update(is_active=True)
    client.organization.is_active = False
    client.organization.save()
    assert api_for(key).get(reverse("api:referrals")).status_code == 401


def test_a_key_without_the_scope_is_refused_with_the_scope_named(harbor):
    _client, key = make_key(harbor, scopes=["matters:read"])
    response = KeyClient(key).get(reverse("api:referrals"))
    assert response.status_code == 403
    assert "referrals:read" in response.json()["detail"]
    assert KeyClient(key).get(reverse("api:matters")).status_code == 200


def test_the_service_member_cannot_sign_in_in_a_browser(harbor_key):
    client, _key = harbor_key
    user = client.membership.user
    assert not user.has_usable_password()
    assert user.email.endswith(".invalid")
    browser = Client()
    for password in ("", "!", user.password):
        browser.post(reverse("account:login"), {"username": user.email, "password": password})
        assert "_auth_user_id" not in browser.session


def test_a_browser_session_does_not_authenticate_the_api(coordinator, client_for):
    browser = client_for(coordinator)
    response = browser.get(reverse("api:referrals"))
    assert response.status_code == 401
    assert "sessionid" not in response.cookies
    assert "csrftoken" not in response.cookies


def test_an_api_answer_sets_no_cookie(harbor_key, api_for):
    response = api_for(harbor_key).get(reverse("api:referrals"))
    assert not response.cookies


@override_settings(API_RATE_LIMIT="3/min")
def test_each_client_is_rate_limited_on_its_own(harbor, api_for):
    first, second = make_key(harbor), make_key(harbor)
    for _ in range(3):
        assert api_for(first).get(reverse("api:referrals")).status_code == 200
    refused = api_for(first).get(reverse("api:referrals"))
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert api_for(second).get(reverse("api:referrals")).status_code == 200
