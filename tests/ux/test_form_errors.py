"""A form that comes back with errors says so in the title, lists every error at the top
as a link to its field, and says what to do, in English and Spanish."""

import html
import re

import pytest
from django.urls import reverse

from survivors.models import Survivor
from tests.factories import make_matter

pytestmark = pytest.mark.django_db


def _title(response) -> str:
    return html.unescape(re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)[1])


def _summary(response) -> str | None:
    found = re.search(
        r'<div class="[^"]*\berror-summary\b[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S
    )
    return html.unescape(found[1]) if found else None


def _summary_links(response) -> dict[str, str]:
    summary = _summary(response)
    assert summary is not None, "no error summary"
    return {
        href: text.strip() for href, text in re.findall(r'<a href="([^"]+)">(.*?)</a>', summary)
    }


def test_intake_without_a_name_lists_the_error_and_says_what_to_enter(client_for, intake_worker):
    response = client_for(intake_worker).post(reverse("survivors:intake"), {"legal_name": ""})

    assert _title(response).startswith("Error: ")
    links = _summary_links(response)
    assert links["#id_legal_name"].startswith("Enter the person's legal name")
    assert 'id="id_legal_name"' in response.content.decode()
    assert "This field is required." not in response.content.decode()


def test_the_error_summary_and_title_are_in_spanish(client_for, intake_worker):
    response = client_for(intake_worker).post(
        reverse("survivors:intake"), {"legal_name": ""}, HTTP_ACCEPT_LANGUAGE="es"
    )

    assert _title(response).startswith("Error: ")
    assert "Hay un problema" in _summary(response)
    assert _summary_links(response)["#id_legal_name"].startswith("Escriba el nombre legal")


def test_a_page_without_errors_has_no_summary_and_no_error_title(client_for, intake_worker):
    response = client_for(intake_worker).get(reverse("survivors:intake"))

    assert not _title(response).startswith("Error")
    assert _summary(response) is None


def test_an_empty_deadline_says_what_to_fill_in(client_for, harbor, attorney):
    matter = make_matter(harbor, lead=attorney.user)
    response = client_for(attorney).post(
        reverse("cases:deadline_new", args=[matter.pk]), {"time_zone": "UTC"}
    )

    assert _title(response).startswith("Error: ")
    messages = set(_summary_links(response).values())
    assert "Choose the kind of deadline." in messages
    assert "Enter the date it is due." in messages
    assert any(re.match("Say what is due", m) for m in messages)


def test_a_refused_safe_contact_step_links_to_the_field_in_its_channel(client_for, intake_worker):
    client = client_for(intake_worker)
    client.post(reverse("survivors:intake"), {"legal_name": "Amara Okonkwo"})
    survivor = Survivor.objects.get()
    response = client.post(
        reverse("survivors:intake_step", args=[survivor.pk, 4]),
        {"phone-is_safe": "on", "phone-allowed_from": "not a time"},
    )

    assert _title(response).startswith("Error: ")
    assert "#id_phone-allowed_from" in _summary_links(response)
