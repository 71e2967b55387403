"""An API client acts as a service member of its organization, with a role, but it is no
person: it is not listed among the staff, offered as a lead attorney, or notified."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aftercare.models import Membership, Notification, Role
from cases.forms import MatterOpenForm
from tests.api.conftest import make_key
from volunteers.services.staffing import coordinators_notify

pytestmark = pytest.mark.django_db


def test_the_members_page_lists_people_not_api_clients(org_admin, client_for):
    client, _key = make_key(org_admin.organization, name="Case database", role=Role.COORDINATOR)
    page = client_for(org_admin).get(reverse("member_list")).content.decode()
    assert org_admin.user.email in page
    assert "Case database" not in page
    assert client.membership.is_service


def test_an_api_client_working_as_an_attorney_is_not_offered_as_lead_attorney(harbor, attorney):
    make_key(harbor, name="Case database", role=Role.ATTORNEY)
    form = MatterOpenForm(organization=harbor)
    offered = [label for value, label in form.fields["lead_attorney"].choices if value]
    assert offered == [attorney.user.full_name or attorney.user.email]


def test_coordinators_are_notified_but_not_an_api_client_working_as_one(harbor, coordinator):
    client, _key = make_key(harbor, name="Case database", role=Role.COORDINATOR)
    coordinators_notify(organization_id=harbor.pk, message="A volunteer paused", link="/")
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {coordinator.user_id}
    assert Membership.objects.active().filter(pk=client.membership_id).exists()
