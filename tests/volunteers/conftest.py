"""Volunteers who pass every eligibility rule, and a matter to staff."""

from datetime import date

import pytest
from django.utils import timezone

from aftercare.models import Role
from tests.factories import MembershipFactory, make_matter, make_survivor
from volunteers.models import Credential, VolunteerProfile


def make_volunteer(organization, *, role=Role.ATTORNEY, **profile):
    """A member with a profile and every credential verified and current."""
    membership = MembershipFactory(organization=organization, role=role)
    profile.setdefault("malpractice_coverage", True)
    volunteer = VolunteerProfile.objects.create(
        user=membership.user,
        kind="attorney" if role == Role.ATTORNEY else "paralegal",
        **profile,
    )
    for kind in ("confidentiality", "trauma", "background_check"):
        Credential.objects.create(
            profile=volunteer,
            organization=organization,
            kind=kind,
            completed_on=date(2025, 1, 1),
            verified_at=timezone.now(),
        )
    return membership


@pytest.fixture
def volunteer(harbor):
    return make_volunteer(harbor, languages=[{"language": "Spanish", "proficiency": "fluent"}])


@pytest.fixture
def matter(harbor, attorney):
    client = make_survivor(
        harbor, legal_name="Paloma Quietname", languages="Spanish (native)", aliases=["La Paloma"]
    )
    return make_matter(harbor, lead=attorney.user, client=client, sub_kind="t_visa")
