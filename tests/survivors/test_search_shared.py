"""The receiving organization finds a survivor shared with it by the names its consent
shares; nobody finds by name a survivor whose name they were not told."""

import pytest
from django.urls import reverse

from survivors.models import SurvivorShare
from survivors.services.sharing import consent_revoke, survivor_access_refresh
from tests.actors import actor_of
from tests.factories import make_survivor
from tests.survivors.conftest import consent_for

pytestmark = pytest.mark.django_db

NAME = "María Elena Gómez Ruiz"
NOT_FOUND = {
    "en": "No survivor you can see matches.",
    "es": "No hay coincidencias entre las personas sobrevivientes que usted puede ver.",
}


def share(survivor, recipient, by, categories):
    consent = consent_for(survivor, recipient, by, categories=categories)
    SurvivorShare.objects.create(survivor=survivor, organization=recipient, consent=consent)
    survivor_access_refresh(survivor=survivor, organization_id=recipient.pk)
    return consent


def search(client, language, **terms):
    """Search as a person does: post the form, follow the address it gives."""
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    posted = client.post(reverse("survivors:list"), terms, **headers)
    assert posted.status_code == 302, "the search redirects to an address without names"
    return client.get(posted.url, **headers).text


@pytest.fixture
def maria(safehaven, intake_worker):
    return make_survivor(safehaven, by=intake_worker.user, legal_name=NAME)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("typed", [NAME, "maria elena gomez ruiz", "Gómez Ruiz, María Elena"])
def test_the_receiving_coordinator_finds_a_survivor_shared_with_identity(
    maria, harbor, intake_worker, coordinator, client_for, language, typed
):
    share(maria, harbor, intake_worker.user, ["identity", "needs"])
    page = search(client_for(coordinator), language, name=typed)
    assert maria.code in page
    assert NOT_FOUND[language] not in page


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_sharing_organization_still_finds_its_own_record(
    maria, harbor, intake_worker, client_for, language
):
    share(maria, harbor, intake_worker.user, ["identity"])
    assert maria.code in search(client_for(intake_worker), language, name="Gomez Ruiz Maria Elena")


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_survivor_shared_without_identity_is_not_found_by_name(
    maria, harbor, intake_worker, coordinator, client_for, language
):
    share(maria, harbor, intake_worker.user, ["needs", "safety"])
    client = client_for(coordinator)
    assert maria.code in client.get(reverse("survivors:list")).text, "listed, by code"
    page = search(client, language, name=NAME)
    assert maria.code not in page, "a hit would confirm a name Harbor was never told"
    assert NOT_FOUND[language] in page


def test_a_revoked_consent_ends_finding_by_name(
    maria, harbor, intake_worker, coordinator, client_for
):
    consent = share(maria, harbor, intake_worker.user, ["identity"])
    client = client_for(coordinator)
    assert maria.code in search(client, "en", name=NAME)
    consent_revoke(actor=actor_of(intake_worker), consent=consent, reason="Asked to stop")
    assert maria.code not in search(client, "en", name=NAME)
    assert client.get(reverse("survivors:detail", args=[maria.pk])).status_code == 404


def test_another_organization_finds_nothing(maria, harbor, intake_worker, outsider, client_for):
    share(maria, harbor, intake_worker.user, ["identity"])
    client = client_for(outsider)
    page = search(client, "en", name=NAME)
    assert maria.code not in page and NOT_FOUND["en"] in page
    assert client.get(reverse("survivors:detail", args=[maria.pk])).status_code == 404


def test_filters_still_ask_only_of_the_organizations_own_records(
    maria, harbor, intake_worker, coordinator, client_for
):
    share(maria, harbor, intake_worker.user, ["identity", "needs"])
    page = search(client_for(coordinator), "en", name=NAME, status="active")
    assert maria.code not in page


def test_searching_shared_survivors_costs_the_same_however_many_are_shared(
    safehaven, harbor, intake_worker, coordinator, client_for, django_assert_max_num_queries
):
    client = client_for(coordinator)
    client.get(reverse("dashboard"))  # warm the session before counting
    first = make_survivor(safehaven, by=intake_worker.user, legal_name=NAME)
    share(first, harbor, intake_worker.user, ["identity"])
    url = client.post(reverse("survivors:list"), {"name": NAME}).url
    with django_assert_max_num_queries(30) as captured:
        assert first.code in client.get(url).text
    baseline = len(captured.captured_queries)
    for _ in range(6):
        other = make_survivor(safehaven, by=intake_worker.user, legal_name=NAME)
        share(other, harbor, intake_worker.user, ["identity"])
    with django_assert_max_num_queries(baseline):
        page = client.get(url).text
    assert page.count("AC-") >= 7
