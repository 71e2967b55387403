"""Editing the organization profile: what is typed is saved, and the trail names the fields."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aftercare.models import AuditEvent, Organization
from aftercare.services import organization_update
from tests.actors import actor_of

pytestmark = pytest.mark.django_db

CHANGED = "aftercare.organization.changed"


def _profile(organization: Organization, **changes) -> dict:
    """The edit form as a browser posts it: every field, as it stands, plus the changes."""
    form = {
        "name": organization.name,
        "country": organization.country,
        "jurisdiction": organization.jurisdiction,
        "contact_email": organization.contact_email,
        "contact_phone": organization.contact_phone,
        "services": organization.services,
    }
    return form | changes


def test_an_edit_is_shown_after_saving_and_the_trail_names_its_fields(org_admin, client_for):
    client = client_for(org_admin, sudo=True)
    organization = org_admin.organization
    response = client.post(
        reverse("organization_edit"),
        _profile(
            organization,
            jurisdiction="State of New Jersey",
            contact_phone="+1 555 0142",
            services=["shelter", "legal"],
        ),
        follow=True,
    )
    page = response.content.decode()
    assert "The organization profile was saved." in page
    assert "State of New Jersey" in page
    assert "+1 555 0142" in page
    assert "Legal representation, Shelter and housing" in page

    event = AuditEvent.objects.get(action=CHANGED)
    assert event.payload == {"fields": ["contact_phone", "jurisdiction", "services"]}
    # Field names only: the trail is read by people who need not know the new values.
    assert "New Jersey" not in str(event.payload)
    assert "0142" not in str(event.payload)


def test_saving_the_profile_unchanged_says_nothing_changed_and_records_nothing(
    org_admin, client_for
):
    organization = org_admin.organization
    organization.services = ["legal", "shelter"]
    organization.save()
    client = client_for(org_admin, sudo=True)
    # Ticked in another order than stored: still the same services.
    response = client.post(
        reverse("organization_edit"),
        _profile(organization, country="us", services=["shelter", "legal"]),
        follow=True,
    )
    page = response.content.decode()
    assert "Nothing changed" in page
    assert "was saved" not in page
    assert not AuditEvent.objects.filter(action=CHANGED).exists()


def test_a_refused_edit_changes_nothing_not_even_the_name_in_the_header(
    org_admin, riverside, client_for
):
    client = client_for(org_admin, sudo=True)
    stored_name = org_admin.organization.name
    response = client.post(
        reverse("organization_edit"),
        _profile(org_admin.organization, name=riverside.name, jurisdiction="Elsewhere"),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "already exists" in page
    # The header shows the acting organization: the refused name must not appear there.
    assert page.count(riverside.name) == 1  # the value left in the form field
    assert stored_name in page
    stored = Organization.objects.get(pk=org_admin.organization_id)
    assert (stored.name, stored.jurisdiction) == (stored_name, "State of New York")
    assert not AuditEvent.objects.filter(action=CHANGED).exists()


def test_a_second_edit_after_the_first_is_saved_too(org_admin, client_for):
    client = client_for(org_admin, sudo=True)
    organization = org_admin.organization
    client.post(reverse("organization_edit"), _profile(organization, contact_phone="+1 555 0101"))
    organization.refresh_from_db()
    client.post(
        reverse("organization_edit"), _profile(organization, contact_email="desk@harbor.example")
    )
    page = client.get(reverse("organization")).content.decode()
    assert "+1 555 0101" in page
    assert "desk@harbor.example" in page
    assert [e.payload["fields"] for e in AuditEvent.objects.filter(action=CHANGED)] == [
        ["contact_phone"],
        ["contact_email"],
    ]


def test_the_service_changes_only_profile_fields(org_admin):
    with pytest.raises(ValueError, match="kind"):
        organization_update(
            actor=actor_of(org_admin),
            organization=org_admin.organization,
            data={"kind": Organization.Kind.PARTNER_NGO},
        )
    assert Organization.objects.get(pk=org_admin.organization_id).kind == "legal_aid"
