"""Name search goes through blind-index tokens only: a fixed number of queries,
and rows that do not match are never decrypted."""

from datetime import date, datetime

import encrypted_model_fields.fields as emf
import pytest
from django.urls import reverse

from survivors.models import Survivor, SurvivorToken
from survivors.services import survivor_code_new, survivor_tokens_refresh
from tests.clockwork import NEW_YORK
from tests.factories import make_survivor

pytestmark = pytest.mark.django_db


@pytest.fixture
def ten_thousand(harbor):
    """10,000 survivors with tokens, inserted in bulk (encryption included)."""
    survivors = Survivor.objects.bulk_create(
        Survivor(
            organization=harbor,
            code=f"BULK-{n:05d}",
            legal_name=f"Bulk Person {n:05d}",
            initials="B.P.",
        )
        for n in range(10_000)
    )
    from aftercare.blind_index import name_tokens
    from survivors.models import SurvivorAccess

    SurvivorAccess.objects.bulk_create(
        SurvivorAccess(survivor=s, organization=harbor, survivor_created_at=s.created_at)
        for s in survivors
    )

    SurvivorToken.objects.bulk_create(
        SurvivorToken(survivor=s, source="legal_name", kind=kind, token=token)
        for s in survivors
        for kind, token in name_tokens(f"Bulk Person {s.code[-5:]}").items()
    )
    return survivors


@pytest.fixture
def decryptions(monkeypatch):
    calls = []
    real = emf.decrypt_str

    def counting(token):
        value = real(token)
        calls.append(value)
        return value

    monkeypatch.setattr(emf, "decrypt_str", counting)
    return calls


def test_search_among_ten_thousand_decrypts_only_the_matches(
    ten_thousand, harbor, coordinator, client_for, decryptions, django_assert_max_num_queries
):
    target = make_survivor(harbor, legal_name="Valentina Okafor-Reyes", aliases=["Tina Reyes"])
    client = client_for(coordinator)
    client.get(reverse("dashboard"))  # warm the session before counting
    decryptions.clear()
    url = client.post(reverse("survivors:list"), {"name": "reyes tina"}).url
    assert "reyes" not in url.lower() and "tina" not in url.lower(), "no name in the address"
    with django_assert_max_num_queries(14) as captured:
        page = client.get(url)
    captured_count = len(captured.captured_queries)
    assert captured_count > 0, "the baseline captured nothing"
    assert target.code in page.text
    assert "BULK-" not in page.text
    # Only the matching row's shown column (its initials) was decrypted.
    assert all("Bulk Person" not in value for value in decryptions)
    assert len(decryptions) <= 2

    other_url = client.post(reverse("survivors:list"), {"name": "person bulk 00042"}).url
    with django_assert_max_num_queries(captured_count):
        other = client.get(other_url)
    assert other.text.count("BULK-") == 1


def test_search_finds_variants_and_dates(harbor):
    maria = make_survivor(harbor, legal_name="María José García", date_of_birth=date(2009, 3, 2))
    make_survivor(harbor, legal_name="Maria Lopez")
    visible = Survivor.objects.all()
    assert list(visible.matching(name="Garsia Maria Jose")) == [maria]
    assert list(visible.matching(born=date(2009, 3, 2))) == [maria]
    assert list(visible.matching(name="Maria Garcia", born=date(2009, 3, 3))) == []


def test_tokens_follow_a_name_change(harbor):
    survivor = make_survivor(harbor, legal_name="Old Name", aliases=["Street Name"])
    survivor.legal_name = "New Name"
    survivor.save()
    survivor_tokens_refresh(survivor=survivor)
    assert list(Survivor.objects.matching(name="New Name")) == [survivor]
    assert list(Survivor.objects.matching(name="Old Name")) == []
    assert list(Survivor.objects.matching(name="Street Name")) == [survivor]


def test_codes_have_the_year(settings):
    assert survivor_code_new(date(2031, 1, 1)).startswith("AC-2031-")


@pytest.mark.time_machine(datetime(2026, 12, 31, 23, 30, tzinfo=NEW_YORK), tick=False)
def test_a_code_given_on_new_years_eve_in_new_york_has_that_year(harbor):
    assert make_survivor(harbor).code.startswith("AC-2026-"), "already 2027 in UTC"


def test_a_search_with_a_bad_date_says_so_and_keeps_what_was_typed(harbor, coordinator, client_for):
    client = client_for(coordinator)
    page = client.post(reverse("survivors:list"), {"name": "Tina Reyes", "born": "32/13/2009"})
    assert page.status_code == 200, "the search is not dropped with a redirect"
    assert "Enter a valid date." in page.text
    assert 'value="Tina Reyes"' in page.text
    assert 'value="32/13/2009"' in page.text
