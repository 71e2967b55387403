"""An organization admin makes, lists and revokes API clients in the web UI (sudo mode)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from aftercare.models import AuditEvent, Role
from api.models import ApiClient
from tests.api.conftest import KeyClient
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Our case database",
    "role": Role.COORDINATOR,
    "scopes": ["referrals:read", "referrals:write"],
    "expires_on": "2099-01-01",
}


def _form(**changes):
    from datetime import timedelta

    from django.utils import timezone

    data = {**FORM, "expires_on": (timezone.localdate() + timedelta(days=30)).isoformat()}
    return {**data, **changes}


def test_the_admin_makes_a_key_and_sees_it_once(org_admin, client_for):
    browser = client_for(org_admin, sudo=True)
    response = browser.post(reverse("api_clients:list"), _form(), follow=True)
    key = re.search(r"ack_[0-9a-f]{12}_[A-Za-z0-9_-]{43}", response.text).group(0)
    assert "shown only once" in response.text
    client = ApiClient.objects.get()
    assert client.membership.role == Role.COORDINATOR
    assert client.membership.organization == org_admin.organization
    assert AuditEvent.objects.filter(action="api.client.created", actor=org_admin.user).exists()

    again = browser.get(reverse("api_clients:list"))
    assert key not in again.text
    assert f"ack_{client.prefix}_" in again.text

    assert KeyClient(key).get(reverse("api:referrals")).status_code == 200
    assert KeyClient(key).get(reverse("api:matters")).status_code == 403


def test_a_double_click_makes_one_client(org_admin, client_for):
    browser = client_for(org_admin, sudo=True)
    data = _form(submission_token="t" * 24)
    browser.post(reverse("api_clients:list"), data)
    browser.post(reverse("api_clients:list"), data)
    assert ApiClient.objects.count() == 1


def test_the_page_asks_for_the_password_again(org_admin, client_for):
    response = client_for(org_admin).get(reverse("api_clients:list"))
    assert response.status_code == 302
    assert reverse("account:sudo") in response.url


def test_an_admin_role_and_a_past_expiry_are_refused_with_a_message(org_admin, client_for):
    browser = client_for(org_admin, sudo=True)
    response = browser.post(
        reverse("api_clients:list"),
        _form(role=Role.ORG_ADMIN, expires_on="2000-01-01", scopes=[]),
    )
    assert response.status_code == 200
    assert "Choose a day after today." in response.text
    assert "Choose at least one thing the key may do." in response.text
    assert not ApiClient.objects.exists()


def test_a_spanish_admin_reads_the_page_in_spanish(org_admin, client_for):
    browser = client_for(org_admin, sudo=True)
    browser.cookies["django_language"] = "es"
    response = browser.get(reverse("api_clients:list"), HTTP_ACCEPT_LANGUAGE="es")
    assert "Clientes de la API" in response.text


def test_a_coordinator_does_not_see_the_page(coordinator, client_for):
    assert client_for(coordinator, sudo=True).get(reverse("api_clients:list")).status_code == 404


def test_the_admin_revokes_a_key(org_admin, client_for):
    browser = client_for(org_admin, sudo=True)
    response = browser.post(reverse("api_clients:list"), _form(), follow=True)
    key = re.search(r"ack_[0-9a-f]{12}_[A-Za-z0-9_-]{43}", response.text).group(0)
    client = ApiClient.objects.get()
    browser.post(reverse("api_clients:revoke", args=[client.pk]))
    client.refresh_from_db()
    assert client.revoked_at is not None
    assert KeyClient(key).get(reverse("api:referrals")).status_code == 401


def test_another_organizations_admin_cannot_revoke(org_admin, riverside, client_for):
    browser = client_for(org_admin, sudo=True)
    browser.post(reverse("api_clients:list"), _form())
    client = ApiClient.objects.get()
    other = MembershipFactory(organization=riverside, role=Role.ORG_ADMIN)
    response = client_for(other, sudo=True).post(reverse("api_clients:revoke", args=[client.pk]))
    assert response.status_code == 404
    client.refresh_from_db()
    assert client.revoked_at is None
