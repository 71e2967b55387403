"""Demo API clients: one for Harbor's case database, one for Safe Haven's shelter records.

Their keys are printed once, when they are made, beside the demo users; a lost demo key
is replaced by making a new one on Members → API clients.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from aftercare.demo import acting_as, demo_seeder
from aftercare.models import Role
from api.models import ApiClient, Scope
from api.services import api_client_create

DEMO_NAME = "Demo partner system"
# (made by, organization, role the key works as)
DEMO_CLIENTS = (
    ("admin@harbor.example", "Harbor Legal Aid", Role.COORDINATOR),
    ("intake@safehaven.example", "Safe Haven Shelter", Role.COORDINATOR),
)


@demo_seeder(floor=5, reports="Created {} demo API clients (keys printed above, once).")
def demo_seed_api_clients() -> int:
    made = 0
    for email, organization_name, role in DEMO_CLIENTS:
        actor = acting_as(email, organization_name).actor
        if ApiClient.objects.filter(organization=actor.organization, name=DEMO_NAME).exists():
            continue
        _client, key = api_client_create(
            actor=actor,
            name=DEMO_NAME,
            role=role,
            scopes=list(Scope.values),
            expires_at=timezone.now() + timedelta(days=365),
        )
        print(f"API key for {organization_name} (shown once; store it now): {key}")
        made += 1
    return made
