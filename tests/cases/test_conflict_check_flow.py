"""A coordinator names as many parties as the case has, sees what the check ran on, and
reaches the check from the referral that asked for it."""

import html
import re

import pytest
from django.urls import reverse

from cases.models import ConflictCheck
from cases.services.conflicts import conflict_check_run
from cases.services.matters import party_add
from survivors.models import Purpose, Referral
from tests.actors import actor_of, lead_actor
from tests.factories import MembershipFactory, make_matter, make_survivor
from tests.survivors.conftest import adult, consent_for  # noqa: F401

pytestmark = pytest.mark.django_db


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def link_to(page: str, label: str) -> str | None:
    for href, text in re.findall(r'<a href="([^"]+)">(.*?)</a>', page):
        if text_of(text) == label:
            return html.unescape(href)
    return None


def party_data(parties: list[tuple[str, str, str]]) -> dict:
    data = {
        "party-TOTAL_FORMS": str(len(parties)),
        "party-INITIAL_FORMS": "0",
        "party-MIN_NUM_FORMS": "0",
        "party-MAX_NUM_FORMS": "1000",
    }
    for i, (role, name, aliases) in enumerate(parties):
        data |= {f"party-{i}-role": role, f"party-{i}-name": name, f"party-{i}-aliases": aliases}
    return data


def test_adding_a_fourth_party_keeps_what_was_typed(harbor, coordinator, client_for):
    newcomer = make_survivor(harbor, legal_name="Zephyrine Quillfeather")
    url = reverse("cases:conflict_new", args=[newcomer.pk])
    typed = [
        ("trafficker", "Viktor Hale", "Vic\r\nThe Boss"),
        ("employer", "Greenfield Farms", ""),
        ("recruiter", "Dana Osei", ""),
    ]
    page = client_for(coordinator).post(url, party_data(typed) | {"add_party": "1"})
    assert page.status_code == 200
    assert re.findall(r"<legend[^>]*>(Other party \d+)</legend>", page.text) == [
        f"Other party {n}" for n in range(1, 5)
    ]
    assert re.search(r'<input[^>]*name="party-0-name"[^>]*value="Viktor Hale"', page.text)
    assert re.search(r'name="party-0-aliases"[^>]*>\s*Vic\s+The Boss</textarea>', page.text)
    assert re.search(r'<input[^>]*name="party-3-name"[^>]*>', page.text)
    assert not re.search(r'<input[^>]*name="party-3-name"[^>]*value=', page.text)
    assert re.search(r'<select[^>]*name="party-3-role"[^>]*autofocus', page.text)
    assert not ConflictCheck.objects.exists()  # adding a party runs nothing


def test_a_check_with_five_parties_lists_each_one_and_names_the_one_that_hit(
    harbor, coordinator, attorney, client_for
):
    earlier = make_matter(harbor, lead=attorney.user)
    party_add(actor=lead_actor(earlier), matter=earlier, role="trafficker", name="Dana Osei")
    newcomer = make_survivor(harbor, legal_name="Zephyrine Quillfeather")
    parties = [
        ("trafficker", "Viktor Hale", "Vic"),
        ("employer", "Greenfield Farms", ""),
        ("recruiter", "Ilse Brandt", ""),
        ("trafficker", "Marco Ferri", ""),
        ("recruiter", "Dana Osei", ""),
    ]
    client = client_for(coordinator)
    response = client.post(reverse("cases:conflict_new", args=[newcomer.pk]), party_data(parties))
    check = ConflictCheck.objects.get(client=newcomer)
    assert response.url == reverse("cases:conflict", args=[check.pk])
    assert check.parties.count() == 5
    page = client.get(response.url).text
    checked = [text_of(li) for li in re.findall(r'<li id="checked-party-\d+">(.*?)</li>', page)]
    assert len(checked) == 5
    assert checked[0] == "Other party 1: Trafficker — Viktor Hale; other names: Vic"
    assert checked[4] == "Other party 5: Recruiter — Dana Osei"
    found = page.split('id="hits-heading"')[1].split("</section>")[0]
    hits = [text_of(li) for li in re.findall(r"<li>(.*?)</li>", found, re.S)]
    assert len(hits) == 1
    assert hits[0].startswith(
        "Other party 5 (Dana Osei) matches: adverse party in " + earlier.number
    )
    assert "(same name)" in hits[0]  # a label, not the code "exact"


def test_the_accepted_referral_leads_to_its_conflict_check(
    adult,  # noqa: F811
    intake_worker,
    coordinator,
    harbor,
    client_for,
):
    consent_for(adult, harbor, intake_worker.user)
    client_for(intake_worker).post(
        reverse("survivors:refer", args=[adult.pk]),
        {"to_organization": harbor.pk, "purpose": Purpose.LEGAL_REPRESENTATION, "need": "legal"},
    )
    referral = Referral.objects.get()
    receiver = client_for(coordinator)
    url = reverse("survivors:referral", args=[referral.pk])
    receiver.post(url, {"status": Referral.Status.ACCEPTED, "reason": ""})
    href = link_to(receiver.get(url).text, "Run the conflict check")
    assert href == reverse("cases:conflict_new", args=[adult.pk]) + f"?referral={referral.pk}"
    receiver.post(href, party_data([("trafficker", "Viktor Hale", "")]))
    check = ConflictCheck.objects.get()
    assert check.referral == referral
    href = link_to(receiver.get(url).text, "Conflict check: Waiting for a decision")
    assert href == reverse("cases:conflict", args=[check.pk])
    # The sending organization has no conflict check to reach.
    assert "onflict check" not in client_for(intake_worker).get(url).text
    # Nor has a receiving member who is not a coordinator.
    paralegal = MembershipFactory(organization=harbor, role="paralegal")
    assert "onflict check" not in client_for(paralegal).get(url).text


def test_a_member_who_cannot_decide_sees_roles_not_the_names_typed(
    harbor, coordinator, attorney, client_for
):
    newcomer = make_survivor(harbor, legal_name="Zephyrine Quillfeather")
    # An attorney runs a check when editing a matter's parties; deciding is a coordinator's.
    check = conflict_check_run(
        actor=actor_of(attorney),
        client=newcomer,
        parties=[{"role": "trafficker", "name": "Viktor Hale", "aliases": ["Vic"]}],
    )
    url = reverse("cases:conflict", args=[check.pk])
    page = client_for(attorney).get(url).text
    assert "Other party 1: Trafficker" in text_of(page) and "Viktor Hale" not in page
    assert "Viktor Hale" in client_for(coordinator).get(url).text
