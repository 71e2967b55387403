"""The main pages, rendered in Spanish, show no English: no string left untranslated in
the catalog, none translated once at import time, none never marked for translation."""

import html
import re
from datetime import date
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

from cases.models import DeadlineRule
from cases.services.deadlines import deadline_add_computed
from cases.services.work import note_add
from tests.actors import lead_actor
from tests.factories import make_matter, make_survivor

pytestmark = pytest.mark.django_db

# Words that are English and never Spanish: a text node holding one is English.
ENGLISH = re.compile(
    r"\b(the|and|with|your|this|these|those|from|have|has|been|will|should|which|what|"
    r"when|where|there|their|into|only|about|after|before|more|than|then|here|yet|"
    r"shown|show|add|edit|save|open|close|new|none|nothing|who|how|why|page|next)\b",
    re.IGNORECASE,
)
# What the organization typed stays as typed: organization names and the test's own data.
TYPED = {"Harbor Legal Aid", "Riverside Legal Services", "Safe Haven Shelter", "State of New York"}


def english_msgids() -> set[str]:
    """Interface strings whose Spanish differs: seeing one on a Spanish page is a bug."""
    po = polib.pofile(str(Path(settings.BASE_DIR) / "locale/es/LC_MESSAGES/django.po"))
    return {
        e.msgid
        for e in po
        if e.msgstr and e.msgstr != e.msgid and len(e.msgid) > 3 and "%" not in e.msgid
    }


def visible_texts(page: str) -> list[str]:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<!--.*?-->", " ", page, flags=re.S)
    # Marked as English on purpose, as the language menu's "English" is.
    page = re.sub(r'<(\w+)[^>]*\blang="en"[^>]*>.*?</\1>', " ", page, flags=re.S)
    texts = [html.unescape(t).strip() for t in re.split(r"<[^>]+>", page)]
    for attribute in ("aria-label", "placeholder", "title", "alt"):
        texts += [html.unescape(v) for v in re.findall(rf'{attribute}="([^"]*)"', page)]
    return [" ".join(t.split()) for t in texts if t.strip()]


def english_on(page: str, msgids: set[str]) -> list[str]:
    found = []
    for text in visible_texts(page):
        if any(name in text for name in TYPED):
            continue
        if text in msgids or ENGLISH.search(text):
            found.append(text)
    return sorted(set(found))


@pytest.fixture
def world(harbor, coordinator, attorney):
    client = make_survivor(
        harbor, legal_name="Lucía Fernández Ortega", date_of_birth=date(1990, 4, 2)
    )
    matter = make_matter(harbor, client=client, lead=attorney.user)
    note_add(actor=lead_actor(matter), matter=matter, body="Cita con la clienta el martes.")
    rule = DeadlineRule.objects.get(organization=harbor, code="rfe-response")
    deadline_add_computed(
        actor=lead_actor(matter), matter=matter, rule=rule, trigger_date=date(2026, 11, 2)
    )
    return {"survivor": client, "matter": matter}


PAGES = [
    ("dashboard", []),
    ("attention", []),
    ("notifications", []),
    ("organization", []),
    ("member_list", []),
    ("staff_invitations", []),
    ("audit_trail", []),
    ("survivors:list", []),
    ("survivors:detail", ["survivor"]),
    ("survivors:referrals", []),
    ("survivors:intake", []),
    ("cases:list", []),
    ("cases:detail", ["matter"]),
    ("cases:calendar", []),
    ("cases:conflicts", []),
    ("cases:rules", []),
    ("cases:jurisdictions", []),
    ("cases:reminder_policy", []),
    ("cases:grants", []),
    ("survivors:retention", []),
    ("reports:page", []),
    ("volunteers:invitations", []),
    ("volunteers:trainings", []),
    ("volunteers:hours", []),
    ("volunteers:list", []),
]


@pytest.mark.parametrize(("name", "args"), PAGES, ids=[name for name, _ in PAGES])
def test_a_main_page_in_spanish_has_no_english(world, org_admin, client_for, name, args):
    url = reverse(name, args=[world[a].pk for a in args])
    response = client_for(org_admin, sudo=True).get(url, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert english_on(response.text, english_msgids()) == []


def test_the_check_finds_english_when_it_is_there():
    page = "<main><h1>Asuntos</h1><p>Show the matters</p><button>Matters</button></main>"
    assert english_on(page, {"Matters"}) == ["Matters", "Show the matters"]


def test_a_computed_deadline_reads_in_the_language_of_the_page(world, org_admin, client_for):
    url = reverse("cases:detail", args=[world["matter"].pk])
    client = client_for(org_admin)
    assert (
        "Respuesta a una solicitud de evidencia" in client.get(url, HTTP_ACCEPT_LANGUAGE="es").text
    )
    assert "Response to a request for evidence" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").text


def test_the_referral_headings_and_date_column_read_as_spanish(world, org_admin, client_for):
    """ "Sent" is a heading of referrals (plural) and the date they were sent: one English
    word, two Spanish ones, told apart by context."""
    page = client_for(org_admin).get(reverse("survivors:referrals"), HTTP_ACCEPT_LANGUAGE="es")
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", page.text)
    assert "Recibidas" in headings and "Enviadas" in headings
    assert "Enviada" not in headings
