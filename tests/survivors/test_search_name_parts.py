"""A search by two parts of a longer name ("Maria Gomez" of "María Elena Gómez Ruiz")
finds the person; a conflict check does not count such a partial likeness."""

import pytest

from survivors.identity import conflict_client_matches, conflict_tokens_of
from survivors.models import Survivor, SurvivorToken
from tests.factories import make_survivor
from tests.survivors.test_search_shared import NAME, NOT_FOUND, search, share

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("typed", ["Maria Gomez", "gómez maría", "Elena Ruiz", "Maria Gomes"])
def test_two_parts_of_her_name_find_her_in_both_organizations(
    safehaven, harbor, intake_worker, coordinator, client_for, language, typed
):
    maria = make_survivor(safehaven, by=intake_worker.user, legal_name=NAME)
    share(maria, harbor, intake_worker.user, ["identity"])
    for member in (intake_worker, coordinator):
        page = search(client_for(member), language, name=typed)
        assert maria.code in page, member
        assert NOT_FOUND[language] not in page


def test_two_parts_do_not_find_her_where_her_name_was_not_shared(
    safehaven, harbor, intake_worker, coordinator, client_for
):
    maria = make_survivor(safehaven, by=intake_worker.user, legal_name=NAME)
    share(maria, harbor, intake_worker.user, ["needs"])
    assert maria.code not in search(client_for(coordinator), "en", name="Maria Gomez")


def test_a_part_of_a_name_that_is_not_hers_finds_nobody(safehaven, intake_worker, client_for):
    maria = make_survivor(safehaven, by=intake_worker.user, legal_name=NAME)
    assert maria.code not in search(client_for(intake_worker), "en", name="Maria Lopez")
    assert list(Survivor.objects.matching(name="Maria Gomez")) == [maria]


def test_a_conflict_check_ignores_parts_of_names(safehaven, intake_worker):
    maria = make_survivor(safehaven, by=intake_worker.user, legal_name=NAME)
    other = make_survivor(safehaven, by=intake_worker.user, legal_name="Maria Gomez")
    assert SurvivorToken.objects.filter(survivor=maria, source="name_part").exists()
    found = conflict_client_matches(
        organization_id=safehaven.pk, tokens=conflict_tokens_of(other), exclude_survivor=other.pk
    )
    assert maria.pk not in found
