"""Survivor fields: never remembered by the browser; a revealed address can be hidden
again; a channel nobody asked about is not the same as an unsafe one; the intake review
says that a place was recorded, without showing it."""

import re
from datetime import UTC

import pytest
from django.urls import reverse
from django.utils import timezone

from survivors.models import SafeContact, Survivor
from survivors.services.communications import contact_refusal

pytestmark = pytest.mark.django_db


def _start(client, **data) -> Survivor:
    client.post(reverse("survivors:intake"), {"legal_name": "Amara Okonkwo", **data})
    return Survivor.objects.get()


def _step(survivor, n) -> str:
    return reverse("survivors:intake_step", args=[survivor.pk, n])


def _inputs(page: str) -> list[str]:
    return re.findall(r"<(?:input|textarea)\b[^>]*>", page)


@pytest.mark.parametrize("step", [1, 2, 3, 4, 6])
def test_no_survivor_field_is_remembered_by_the_browser(client_for, intake_worker, step):
    client = client_for(intake_worker)
    survivor = _start(client, date_of_birth="2012-05-01")  # a minor: the guardian step too
    url = reverse("survivors:intake") if step == 1 else _step(survivor, step)
    fields = [
        tag
        for tag in _inputs(client.get(url).text)
        if 'type="hidden"' not in tag and 'type="radio"' not in tag and "checkbox" not in tag
    ]
    assert fields
    assert all('autocomplete="off"' in tag for tag in fields), fields


def test_a_revealed_safe_house_can_be_hidden_again(adult, intake_worker, client_for):
    client = client_for(intake_worker, sudo=True)
    page = client.post(reverse("survivors:reveal_location", args=[adult.pk])).text
    assert "12 Hidden Lane" in page

    hide = re.search(r'<a class="usa-button[^"]*" href="([^"]+)">Hide the address</a>', page)
    assert hide, "no way to hide the address"
    assert "Hidden Lane" not in client.get(hide[1]).text


def test_a_channel_nobody_asked_about_is_not_called_unsafe(client_for, intake_worker):
    client = client_for(intake_worker)
    survivor = _start(client)
    client.post(
        _step(survivor, 4),
        {"sms-is_safe": "True", "post-is_safe": "False", "phone-is_safe": ""},
    )

    rules = {c.channel: c.is_safe for c in survivor.contacts.all()}
    assert rules == {"phone": None, "sms": True, "email": None, "post": False}
    review = client.get(reverse("survivors:intake_review", args=[survivor.pk])).text
    assert re.search(r"Phone call:</strong>\s*<strong>not asked yet", review)
    assert re.search(r"Post:</strong>\s*<strong>never use", review)
    phone = survivor.contacts.get(channel=SafeContact.Channel.PHONE)
    refusal = contact_refusal(survivor=survivor, channel="phone", at=timezone.now(), zone=UTC)
    assert refusal.code == "not_asked"
    assert not phone.allows()


def test_the_contact_step_shows_the_answer_given_before(client_for, intake_worker):
    client = client_for(intake_worker)
    survivor = _start(client)
    client.post(_step(survivor, 4), {"post-is_safe": "False"})

    page = client.get(_step(survivor, 4)).text
    assert re.search(r'name="post-is_safe" value="False"[^>]*checked', page)
    assert re.search(r'name="phone-is_safe" value=""[^>]*checked', page)


def test_the_review_says_a_place_was_recorded_without_showing_it(client_for, intake_worker):
    client = client_for(intake_worker)
    survivor = _start(client)
    review = reverse("survivors:intake_review", args=[survivor.pk])
    assert "Not recorded." in client.get(review).text

    client.post(_step(survivor, 3), {"safe_location": "Room 9, 4 Quiet Road"})

    page = client.get(review).text
    assert "Where they are staying now" in page and "Recorded." in page
    assert "Quiet Road" not in page
