"""Conflict checks find every planted conflict through the blind index, and tell a member
only what they may know."""

import random
import unicodedata
from datetime import datetime

import pytest
from django.urls import reverse
from faker import Faker

from cases.models import ConflictCheck
from cases.services.conflicts import conflict_check_run, hits_for
from cases.services.matters import party_add
from tests.actors import actor_of, lead_actor
from tests.clockwork import NEW_YORK
from tests.factories import MembershipFactory, make_matter, make_survivor

pytestmark = pytest.mark.django_db

VOWELS = "aeiou"


def respell(name: str, rng: random.Random) -> str:
    """A spelling variant a phonetic match must survive: inner vowels changed."""
    parts = []
    for part in name.split():
        inner = [i for i, c in enumerate(part) if i > 0 and c.lower() in VOWELS]
        if inner:
            i = rng.choice(inner)
            part = (
                part[:i] + rng.choice([v for v in VOWELS if v != part[i].lower()]) + part[i + 1 :]
            )
        parts.append(part)
    return " ".join(parts)


def strip_accents(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))


def variants(name: str, rng: random.Random) -> list[str]:
    parts = name.split()
    return [
        " ".join(reversed(parts)),  # swapped order
        strip_accents(name).upper(),  # case and accents
        f"  {parts[-1]},   {' '.join(parts[:-1])}  ",  # "Surname, Given" with spacing
        respell(name, rng),  # spelling variant
    ]


def acting(membership):
    return actor_of(membership)


@pytest.fixture
def history(harbor, coordinator):
    """200 people the organization has had: clients (with aliases) and adverse parties."""
    fake = Faker(["es_MX", "en_US", "pt_BR", "ro_RO", "fr_FR"])
    fake.seed_instance(7)
    names = list(
        dict.fromkeys(
            f"{fake.first_name()} {fake.last_name()}".replace("-", " ") for _ in range(260)
        )
    )[:200]
    clients, adversaries = names[:100], names[100:]
    lead = MembershipFactory(organization=harbor, role="attorney").user
    client_records = [
        make_survivor(harbor, legal_name=n, aliases=[f"{n.split()[0]} Alias{i}"])
        for i, n in enumerate(clients)
    ]
    matter = make_matter(harbor, lead=lead, client=client_records[0])
    for name in adversaries:
        party_add(actor=lead_actor(matter), matter=matter, role="trafficker", name=name)
    return {"clients": clients, "adversaries": adversaries, "matter": matter}


def test_every_planted_conflict_is_found(history, harbor, coordinator):
    rng = random.Random(11)
    newcomer = make_survivor(harbor, legal_name="Zephyrine Quillfeather")
    planted = []
    for name in rng.sample(history["clients"], 10) + rng.sample(history["adversaries"], 10):
        planted += [(name, variant) for variant in variants(name, rng)]
    check = conflict_check_run(
        actor=acting(coordinator),
        client=newcomer,
        parties=[{"role": "trafficker", "name": v} for _, v in planted],
    )
    hit_parties = {h.checked for h in check.hits.all()}
    missed = [
        (original, variant)
        for (original, variant), prospective in zip(
            planted, check.parties.order_by("id"), strict=True
        )
        if f"party:{prospective.pk}" not in hit_parties
    ]
    assert missed == []


def test_a_new_clients_own_aliases_are_checked(history, harbor, coordinator):
    alias_of_existing = history["adversaries"][5]
    newcomer = make_survivor(harbor, legal_name="Brand New Person", aliases=[alias_of_existing])
    check = conflict_check_run(actor=acting(coordinator), client=newcomer, parties=[])
    [hit] = check.hits.all()
    assert (hit.checked, hit.found_as, hit.matter_id) == ("client", "adverse", history["matter"].pk)


def test_names_never_seen_raise_no_conflict(history, harbor, coordinator):
    newcomer = make_survivor(harbor, legal_name="Zephyrine Quillfeather")
    check = conflict_check_run(
        actor=acting(coordinator),
        client=newcomer,
        parties=[{"role": "employer", "name": "Bartholomew Xylander"}],
    )
    assert not check.hits.exists()


def test_a_member_without_access_sees_no_detail_of_the_hit(history, harbor, coordinator, attorney):
    newcomer = make_survivor(harbor, legal_name="Zephyrine Quillfeather")
    check = conflict_check_run(
        actor=acting(attorney),
        client=newcomer,
        parties=[{"role": "trafficker", "name": history["adversaries"][0]}],
    )
    [as_coordinator] = hits_for(check, coordinator)
    assert as_coordinator.where == history["matter"].number
    [as_attorney] = hits_for(check, attorney)
    assert as_attorney.where is None


def test_the_check_page_hides_where_for_a_member_who_may_not_see(
    history, harbor, attorney, client_for
):
    matter = make_matter(harbor, lead=attorney.user)
    page = client_for(attorney).post(
        reverse("cases:party_add", args=[matter.pk]),
        {"role": "trafficker", "name": history["adversaries"][3]},
        follow=True,
    )
    assert "possible conflict: coordinator review needed" in page.text
    assert history["matter"].number not in page.text


def test_decisions_need_a_coordinator_and_reasons(history, harbor, coordinator, client_for):
    newcomer = make_survivor(harbor, legal_name="Zephyrine Quillfeather")
    check = conflict_check_run(
        actor=acting(coordinator),
        client=newcomer,
        parties=[{"role": "trafficker", "name": history["adversaries"][1]}],
    )
    client = client_for(coordinator)
    url = reverse("cases:conflict", args=[check.pk])
    page = client.post(url, {"decision": "cleared"})
    assert "say why they are not conflicts" in page.text
    client.post(url, {"decision": "cleared", "reason": "Different person: other birth date"})
    check.refresh_from_db()
    assert check.decision == ConflictCheck.Decision.CLEARED


# New Year's Eve, 11:30 pm in New York: already 2027 in UTC, still 2026 for the organization.
@pytest.mark.time_machine(datetime(2026, 12, 31, 23, 30, tzinfo=NEW_YORK), tick=False)
def test_no_matter_opens_without_a_cleared_check(harbor, coordinator, attorney, client_for):
    newcomer = make_survivor(harbor, legal_name="Zephyrine Quillfeather")
    check = conflict_check_run(actor=acting(coordinator), client=newcomer, parties=[])
    client = client_for(coordinator)
    open_data = {"sub_kind": "t_visa", "lead_attorney": attorney.user_id}
    page = client.post(reverse("cases:conflict", args=[check.pk]), open_data)
    assert "only after its conflict check is cleared" in page.text
    assert not check.matters.exists()
    client.post(reverse("cases:conflict", args=[check.pk]), {"decision": "cleared"})
    client.post(reverse("cases:conflict", args=[check.pk]), open_data)
    matter = check.matters.get()
    assert matter.number == "M-2026-0001" and matter.lead_attorney == attorney.user
    assert client_for(attorney).get(reverse("cases:detail", args=[matter.pk])).status_code == 200
    assert (
        client_for(attorney).get(reverse("survivors:detail", args=[newcomer.pk])).status_code == 200
    )


def test_only_a_coordinator_opens_a_matter(harbor, coordinator, attorney, client_for):
    newcomer = make_survivor(harbor, legal_name="Zephyrine Quillfeather")
    check = conflict_check_run(actor=acting(attorney), client=newcomer, parties=[])
    client_for(coordinator).post(
        reverse("cases:conflict", args=[check.pk]), {"decision": "cleared"}
    )
    response = client_for(attorney).post(
        reverse("cases:conflict", args=[check.pk]),
        {"sub_kind": "t_visa", "lead_attorney": attorney.user_id},
    )
    assert response.status_code == 403
    assert not check.matters.exists()
