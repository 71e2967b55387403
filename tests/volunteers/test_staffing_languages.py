"""The staffing page, as a coordinator reads it: for a client who needs an interpreter,
volunteers who speak the client's language come first and the explanation says what
is true; volunteers who may not take the matter are listed apart, unnumbered, with why."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_matter, make_survivor, make_volunteer

pytestmark = pytest.mark.django_db

SPANISH = [{"language": "Spanish", "proficiency": "fluent"}]
ENGLISH = [{"language": "English", "proficiency": "native"}]

TEXT = {
    "en": {
        "speaks": "Speaks Spanish, the client&#x27;s language.",
        "does_not": "Does not speak the client&#x27;s language: an interpreter is needed.",
        "english": "Speaks English",
        "not_eligible": "Not eligible for this matter",
        "paused": "Paused until",
    },
    "es": {
        "speaks": "Habla Español, el idioma del/de la cliente.",
        "does_not": "No habla el idioma del/de la cliente: se necesita intérprete.",
        "english": "Habla Inglés",
        "not_eligible": "No elegibles para este asunto",
        "paused": "En pausa hasta",
    },
}


def named(membership, name):
    membership.user.full_name = name
    membership.user.save(update_fields=["full_name"])
    return membership


@pytest.fixture
def matter(harbor):
    client = make_survivor(
        harbor,
        legal_name="Client Needing Interpreter",
        languages="Spanish (native), English (basic)",
        interpreter_needed=True,
        date_of_birth=timezone.localdate() - timedelta(days=30 * 365),
    )
    return make_matter(harbor, client=client, sub_kind="t_visa")


@pytest.fixture
def pool(harbor, matter):
    # English only, but in the practice area: more points than the Spanish speaker had
    # before the client's language came first.
    english = named(
        make_volunteer(harbor, languages=ENGLISH, practice_areas=[matter.kind]), "Edna English"
    )
    spanish = named(make_volunteer(harbor, languages=SPANISH), "Sofia Spanish")
    paused = named(
        make_volunteer(
            harbor, languages=SPANISH, paused_until=timezone.localdate() + timedelta(days=30)
        ),
        "Paula Paused",
    )
    return english, spanish, paused


def staff_page(client_for, coordinator, matter, language):
    page = client_for(coordinator).get(
        reverse("volunteers:staff", args=[matter.pk]), HTTP_ACCEPT_LANGUAGE=language
    )
    assert page.status_code == 200
    return page.content.decode()


def numbered_and_apart(html):
    numbered = re.search(r'<ol class="ranked">(.*?)</ol>', html, re.S).group(1)
    apart = html.split("</ol>", 1)[1].split('aria-labelledby="opportunity-heading"')[0]
    return numbered, apart


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_spanish_speaker_comes_first_for_a_client_who_needs_an_interpreter(
    matter, pool, coordinator, client_for, language
):
    html = staff_page(client_for, coordinator, matter, language)
    words = TEXT[language]
    numbered, apart = numbered_and_apart(html)
    assert numbered.index("Sofia Spanish") < numbered.index("Edna English")
    assert "Sofia Spanish" not in apart and "Edna English" not in apart
    sofia, edna = numbered.split("Edna English", 1)
    assert words["speaks"] in sofia
    assert words["does_not"] in edna
    assert words["english"] not in html, "English is not the client's language here"


@pytest.mark.parametrize("language", ["en", "es"])
def test_ineligible_volunteers_are_listed_apart_unnumbered_with_why(
    matter, pool, coordinator, client_for, language
):
    html = staff_page(client_for, coordinator, matter, language)
    numbered, apart = numbered_and_apart(html)
    assert "Paula Paused" not in numbered
    assert words_in_order(apart, TEXT[language]["not_eligible"], "Paula Paused")
    assert TEXT[language]["paused"] in apart
    assert "<ol" not in apart
    assert f'value="{pool[2].user_id}"' not in html, "no Assign button for her"


def words_in_order(text, *words):
    positions = [text.find(w) for w in words]
    return all(p >= 0 for p in positions) and positions == sorted(positions)


def test_without_an_interpreter_english_is_the_clients_language(harbor, coordinator, client_for):
    client = make_survivor(
        harbor,
        legal_name="Client Speaking English",
        languages="Spanish (native), English (fluent)",
        date_of_birth=date(1990, 1, 1),
    )
    matter = make_matter(harbor, client=client)
    named(make_volunteer(harbor, languages=ENGLISH), "Edna English")
    html = staff_page(client_for, coordinator, matter, "en")
    assert "Speaks English, the client&#x27;s language." in html
    assert "an interpreter is needed" not in html


def test_the_page_costs_the_same_however_many_volunteers(
    harbor, matter, pool, coordinator, client_for, django_assert_max_num_queries
):
    client = client_for(coordinator)
    url = reverse("volunteers:staff", args=[matter.pk])
    client.get(url)
    with django_assert_max_num_queries(60) as captured:
        client.get(url)
    baseline = len(captured.captured_queries)
    for n in range(5):
        make_volunteer(harbor, languages=SPANISH if n % 2 else ENGLISH)
        make_volunteer(harbor, paused_until=timezone.localdate() + timedelta(days=3))
    with django_assert_max_num_queries(baseline):
        html = client.get(url).content.decode()
    assert html.count('name="user"') == 2 + 5
