"""Spanish: prefilled date and time pickers keep their value, titles are translated per
request, and the language menu names each language in itself."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from survivors.models import Survivor
from tests.factories import make_matter

pytestmark = pytest.mark.django_db


def _value_of(page: str, name: str, kind: str) -> str:
    tag = re.search(rf'<input type="{kind}" name="{name}"[^>]*>', page)
    assert tag, f"no {kind} input named {name}"
    found = re.search(r'value="([^"]*)"', tag[0])
    return found[1] if found else ""


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_prefilled_date_picker_holds_an_iso_date_in_every_language(
    client_for, harbor, attorney, language
):
    matter = make_matter(harbor, lead=attorney.user)
    page = client_for(attorney).get(
        reverse("cases:detail", args=[matter.pk]), HTTP_ACCEPT_LANGUAGE=language
    )

    # The time entry's date (the outcome form, also on the page, starts empty).
    (time_entry_date,) = re.findall(r'<input type="date" name="date"[^>]*id="id_date">', page.text)
    assert 'value="' + timezone.localdate().isoformat() + '"' in time_entry_date


def test_a_prefilled_time_picker_holds_hours_and_minutes_in_spanish(client_for, intake_worker):
    client = client_for(intake_worker)
    client.post(reverse("survivors:intake"), {"legal_name": "Amara Okonkwo"})
    survivor = Survivor.objects.get()
    step = reverse("survivors:intake_step", args=[survivor.pk, 4])
    client.post(step, {"sms-is_safe": "True", "sms-allowed_from": "09:30"})

    page = client.get(step, HTTP_ACCEPT_LANGUAGE="es").text

    assert _value_of(page, "sms-allowed_from", "time") == "09:30"


def test_a_date_typed_the_spanish_way_is_still_understood(client_for, harbor, attorney):
    matter = make_matter(harbor, lead=attorney.user)
    client_for(attorney).post(
        reverse("cases:time_add", args=[matter.pk]),
        {"date": "02/12/2026", "minutes": "30", "activity": "drafting"},
        HTTP_ACCEPT_LANGUAGE="es",
    )

    assert matter.time_entries.get().date.isoformat() == "2026-12-02"


def test_the_safe_contact_step_title_follows_the_language_of_each_request(
    client_for, intake_worker
):
    client = client_for(intake_worker)
    client.post(reverse("survivors:intake"), {"legal_name": "Amara Okonkwo"})
    step = reverse("survivors:intake_step", args=[Survivor.objects.get().pk, 4])

    assert "<h1>Contacto seguro</h1>" in client.get(step, HTTP_ACCEPT_LANGUAGE="es").text
    assert "<h1>Safe contact</h1>" in client.get(step, HTTP_ACCEPT_LANGUAGE="en").text


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_language_menu_names_each_language_in_itself(client_for, attorney, language):
    page = client_for(attorney).get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE=language).text

    options = dict(re.findall(r'<option value="(en|es)" lang="\1"[^>]*>([^<]+)</option>', page))
    assert options == {"en": "English", "es": "Español"}
