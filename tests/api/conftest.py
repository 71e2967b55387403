"""Keys for the partner API, made through the real service, and a client that sends them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from aftercare.actor import Actor
from aftercare.models import Role
from api.models import Scope
from api.services import api_client_create
from survivors.models import Consent, Purpose
from tests.factories import MembershipFactory, make_survivor

ALL_SCOPES = list(Scope.values)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Throttle counts live in the cache: each test starts with a full budget."""
    cache.clear()
    yield
    cache.clear()


def make_key(organization, *, role=Role.COORDINATOR, scopes=None, days=30, name="Partner system"):
    """(ApiClient, key) for an organization, made by one of its admins."""
    admin = MembershipFactory(organization=organization, role=Role.ORG_ADMIN)
    actor = Actor(user=admin.user, membership=admin, channel="web")
    return api_client_create(
        actor=actor,
        name=name,
        role=role,
        scopes=ALL_SCOPES if scopes is None else scopes,
        expires_at=timezone.now() + timedelta(days=days),
    )


class KeyClient(Client):
    """A Django test client that sends `Authorization: Bearer <key>` and JSON bodies."""

    def __init__(self, key: str | None, **defaults):
        if key:
            defaults["HTTP_AUTHORIZATION"] = f"Bearer {key}"
        super().__init__(**defaults)

    def post_json(self, path, data=None, *, idempotency_key: str | None = None, **extra):
        if idempotency_key is not None:
            extra["HTTP_IDEMPOTENCY_KEY"] = idempotency_key
        return self.post(path, data or {}, content_type="application/json", **extra)


@pytest.fixture
def harbor_key(harbor):
    return make_key(harbor)


@pytest.fixture
def safehaven_key(safehaven):
    return make_key(safehaven, name="Shelter records")


@pytest.fixture
def riverside_key(riverside):
    return make_key(riverside, name="Riverside system")


@pytest.fixture
def api_for():
    def make(key_pair_or_key) -> KeyClient:
        key = key_pair_or_key[1] if isinstance(key_pair_or_key, tuple) else key_pair_or_key
        return KeyClient(key)

    return make


@pytest.fixture
def shelter_survivor(safehaven):
    """A Safe Haven survivor with consent to share identity and needs with Harbor."""
    return make_survivor(
        safehaven,
        legal_name="Amara Okafor",
        date_of_birth=timezone.localdate() - timedelta(days=30 * 365),
        safety_situation="Former employer searches for her",
        safe_location="Room 4, 12 Hidden Lane",
        needs=["shelter", "legal"],
    )


def consent_to(survivor, recipient, *, categories=("identity", "needs"), purpose=None):
    return Consent.objects.create(
        survivor=survivor,
        recipient=recipient,
        purpose=purpose or Purpose.LEGAL_REPRESENTATION,
        categories=list(categories),
        method=Consent.Method.WRITTEN,
        given_on=timezone.localdate(),
        recorded_by=survivor.created_by
        or MembershipFactory(organization=survivor.organization, role=Role.INTAKE).user,
    )
