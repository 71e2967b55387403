"""Volunteers who pass every eligibility rule, and a matter to staff."""

import pytest

from tests.factories import make_matter, make_survivor, make_volunteer

__all__ = ["make_volunteer"]  # other test modules import it from here


@pytest.fixture
def volunteer(harbor):
    return make_volunteer(harbor, languages=[{"language": "Spanish", "proficiency": "fluent"}])


@pytest.fixture
def matter(harbor, attorney):
    client = make_survivor(
        harbor, legal_name="Paloma Quietname", languages="Spanish (native)", aliases=["La Paloma"]
    )
    return make_matter(harbor, lead=attorney.user, client=client, sub_kind="t_visa")
