"""Autosave on every intake step answers in JSON; an ended session answers "signed out,
saved up to HH:MM" in JSON, never with the sign-in page."""

import re
from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from survivors.models import SafeContact, Survivor
from tests.clockwork import NEW_YORK

pytestmark = pytest.mark.django_db

AUTOSAVE = {"HTTP_X_AUTOSAVE": "1"}
NINE = datetime(2026, 11, 24, 9, 5, tzinfo=NEW_YORK)


def _draft(client) -> Survivor:
    client.post(reverse("survivors:intake"), {"legal_name": "Amara Okonkwo"})
    return Survivor.objects.get()


def _step(survivor, n) -> str:
    return reverse("survivors:intake_step", args=[survivor.pk, n])


@pytest.mark.parametrize(
    ("step", "data", "field", "value"),
    [
        (1, {"legal_name": "Amara Okonkwo", "gender": "female"}, "gender", "female"),
        (2, {"languages": "Igbo"}, "languages", "Igbo"),
        (3, {"safety_situation": "Calls daily"}, "safety_situation", "Calls daily"),
        (5, {"needs": ["legal"]}, "needs", ["legal"]),
    ],
)
def test_every_step_is_autosaved_without_moving_on(
    client_for, intake_worker, step, data, field, value
):
    client = client_for(intake_worker)
    survivor = _draft(client)

    answer = client.post(_step(survivor, step), data, **AUTOSAVE)

    assert answer.status_code == 200 and answer["Content-Type"] == "application/json"
    assert answer.json()["saved"] is True
    survivor.refresh_from_db()
    assert getattr(survivor, field) == value
    assert survivor.intake_step == 2, "an autosave does not move the draft on"


def test_the_safe_contact_step_is_autosaved_channel_by_channel(client_for, intake_worker):
    client = client_for(intake_worker)
    survivor = _draft(client)

    answer = client.post(
        _step(survivor, 4),
        {"sms-is_safe": "True", "sms-address": "+1 555 0100", "phone-allowed_from": "nonsense"},
        **AUTOSAVE,
    )

    assert answer.json()["saved"] is True
    assert survivor.contacts.get(channel=SafeContact.Channel.SMS).address == "+1 555 0100"
    assert not survivor.contacts.filter(channel=SafeContact.Channel.PHONE).exists()


def test_an_expired_session_answers_the_autosave_with_the_time_of_the_last_save(
    client_for, intake_worker, settings, time_machine
):
    settings.AFTERCARE_SESSION_IDLE_MINUTES = 30
    time_machine.move_to(NINE, tick=False)
    client = client_for(intake_worker)
    survivor = _draft(client)
    saved = client.post(_step(survivor, 2), {"languages": "Igbo"}, **AUTOSAVE)
    assert saved.json()["saved_at"] == "09:05"

    time_machine.shift(timedelta(minutes=31))
    answer = client.post(_step(survivor, 2), {"languages": "Igbo, French"}, **AUTOSAVE)

    assert answer.status_code == 401
    assert answer["Content-Type"] == "application/json"
    assert answer.json()["message"].startswith("Signed out — saved up to 09:05.")
    assert "<html" not in answer.text
    survivor.refresh_from_db()
    assert survivor.languages == "Igbo"

    again = client.post(_step(survivor, 2), {"languages": "Igbo, French"}, **AUTOSAVE)
    assert again.status_code == 401 and again.json()["signed_out"] is True


def test_the_time_out_warning_is_on_every_signed_in_page(client_for, intake_worker, settings):
    settings.AFTERCARE_SESSION_IDLE_MINUTES = 30
    page = client_for(intake_worker).get(reverse("dashboard")).text

    assert 'data-session-idle-seconds="1800"' in page
    assert "Stay signed in" in page
    assert client_for(intake_worker).post(reverse("session_extend")).json() == {"extended": True}


def test_the_time_out_warning_is_in_spanish(client_for, intake_worker):
    page = client_for(intake_worker).get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="es").text

    assert "Seguir conectado" in page


def test_the_first_step_waits_for_a_legal_name_before_keeping_a_draft(client_for, intake_worker):
    answer = client_for(intake_worker).post(
        reverse("survivors:intake"), {"gender": "f"}, **AUTOSAVE
    )

    assert answer.json()["saved"] is False
    assert "once the legal name is typed" in answer.json()["message"]
    assert not Survivor.objects.exists()


def test_the_first_autosave_of_a_new_name_makes_the_draft_and_says_where(client_for, intake_worker):
    client = client_for(intake_worker)
    answer = client.post(reverse("survivors:intake"), {"legal_name": "Amara Okonkwo"}, **AUTOSAVE)

    survivor = Survivor.objects.get()
    assert survivor.status == Survivor.Status.DRAFT
    assert answer.json()["draft_url"] == _step(survivor, 1)
    client.post(_step(survivor, 1), {"legal_name": "Amara N. Okonkwo"}, **AUTOSAVE)
    survivor.refresh_from_db()
    assert survivor.legal_name == "Amara N. Okonkwo"


def test_no_draft_is_made_for_a_name_that_may_already_be_recorded(client_for, intake_worker, adult):
    answer = client_for(intake_worker).post(
        reverse("survivors:intake"), {"legal_name": "Nadia Petrenko"}, **AUTOSAVE
    )

    assert answer.json()["saved"] is False
    assert "may already be recorded" in answer.json()["message"]
    assert Survivor.objects.count() == 1


def test_the_name_as_finally_typed_is_checked_for_duplicates_on_continue(
    client_for, intake_worker, adult
):
    client = client_for(intake_worker)
    client.post(reverse("survivors:intake"), {"legal_name": "Nadia"}, **AUTOSAVE)
    draft = Survivor.objects.get(status=Survivor.Status.DRAFT)

    page = client.post(_step(draft, 1), {"legal_name": "Nadia Petrenko"})

    assert page.status_code == 200
    warning = re.search(r'<section class="card warning".*?</section>', page.text, re.S)[0]
    assert "This person may already be recorded" in warning
    assert adult.code in warning and draft.code not in warning
    again = client.post(
        _step(draft, 1), {"legal_name": "Nadia Petrenko", "confirm_new_person": "on"}
    )
    assert again.url == _step(draft, 2)
