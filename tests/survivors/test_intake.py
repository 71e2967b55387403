"""The intake wizard: drafts that lose nothing, a duplicate check, only relevant steps."""

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from aftercare.access import access_grant
from survivors.models import SafeContact, Survivor
from tests.clockwork import NEW_YORK
from tests.factories import make_survivor

pytestmark = pytest.mark.django_db


def step_url(survivor, step):
    return reverse("survivors:intake_step", args=[survivor.pk, step])


def start(client, **data):
    payload = {"legal_name": "Amara Okonkwo", "date_of_birth": "", **data}
    return client.post(reverse("survivors:intake"), payload)


def test_the_first_step_saves_a_draft_that_the_next_steps_fill(intake_worker, client_for):
    client = client_for(intake_worker)
    response = start(client, aliases="Mara\nAmy O.")
    survivor = Survivor.objects.get()
    assert survivor.status == Survivor.Status.DRAFT
    assert response.url == step_url(survivor, 2)
    assert sorted(a.name for a in survivor.aliases.all()) == ["Amy O.", "Mara"]

    client.post(step_url(survivor, 2), {"languages": "Igbo (native)", "interpreter_needed": "on"})
    survivor.refresh_from_db()
    assert (survivor.languages, survivor.interpreter_needed, survivor.intake_step) == (
        "Igbo (native)",
        True,
        3,
    )


def test_drafts_are_listed_for_the_worker_who_started_them(intake_worker, client_for):
    client = client_for(intake_worker)
    start(client)
    draft = Survivor.objects.get()
    page = client.get(reverse("survivors:intake"))
    assert "Continue where you left off" in page.text
    assert step_url(draft, 2) in page.text
    assert draft.code not in client.get(reverse("survivors:list")).text, "drafts are not listed"


def test_an_error_keeps_everything_that_was_typed(intake_worker, client_for):
    client = client_for(intake_worker)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    page = start(client, legal_name="Amara Okonkwo", gender="female", date_of_birth=tomorrow)
    assert page.status_code == 200
    assert "The date of birth is in the future." in page.text
    assert 'value="Amara Okonkwo"' in page.text and 'value="female"' in page.text
    assert not Survivor.objects.exists()


def test_autosave_keeps_valid_fields_without_moving_on(intake_worker, client_for):
    client = client_for(intake_worker)
    start(client)
    survivor = Survivor.objects.get()
    response = client.post(
        step_url(survivor, 3), {"safety_situation": "Recruiter calls daily"}, HTTP_X_AUTOSAVE="1"
    )
    assert response.json()["message"].startswith("Draft saved at ")
    survivor.refresh_from_db()
    assert survivor.safety_situation == "Recruiter calls daily"
    assert survivor.intake_step == 2


def test_the_guardian_step_is_asked_only_for_minors(intake_worker, client_for):
    client = client_for(intake_worker)
    start(client, legal_name="Adult Person", date_of_birth="1990-01-01")
    adult = Survivor.objects.get()
    assert client.post(step_url(adult, 5), {}).url == reverse(
        "survivors:intake_review", args=[adult.pk]
    )

    minor_birth = timezone.localdate() - timedelta(days=15 * 365)  # also on 29 February
    start(
        client,
        legal_name="Young Person",
        date_of_birth=minor_birth.isoformat(),
        confirm_new_person="on",
    )
    minor = Survivor.objects.get(is_minor=True)
    assert client.post(step_url(minor, 5), {}).url == step_url(minor, 6)


def test_safe_contact_rules_are_data_that_later_features_can_obey(intake_worker, client_for):
    client = client_for(intake_worker)
    start(client)
    survivor = Survivor.objects.get()
    client.post(
        step_url(survivor, 4),
        {
            "sms-is_safe": "True",
            "sms-address": "+1 555 0100",
            "sms-allowed_days": ["1", "2"],
            "sms-allowed_from": "09:00",
            "sms-allowed_until": "12:00",
            "phone-is_safe": "",
            "phone-voicemail_allowed": "",
        },
    )
    sms = survivor.contacts.get(channel=SafeContact.Channel.SMS)
    tz = timezone.get_current_timezone()
    monday_morning = timezone.make_aware(timezone.datetime(2026, 11, 23, 10, 0), tz)
    assert sms.allows(monday_morning)
    assert not sms.allows(monday_morning.replace(hour=13))
    assert not sms.allows(monday_morning + timedelta(days=3))
    assert not survivor.contacts.get(channel=SafeContact.Channel.PHONE).allows(monday_morning)


def test_a_possible_duplicate_is_shown_before_anything_is_saved(intake_worker, client_for):
    existing = make_survivor(
        intake_worker.organization, by=intake_worker.user, legal_name="Amara Okonkwo"
    )
    client = client_for(intake_worker)
    page = start(client, legal_name="OKONKWO, amara")
    assert "This person may already be recorded" in page.text
    assert existing.code in page.text
    assert Survivor.objects.count() == 1
    confirmed = start(client, legal_name="OKONKWO, amara", confirm_new_person="on")
    assert confirmed.status_code == 302
    assert Survivor.objects.count() == 2


def test_a_duplicate_the_worker_may_not_see_is_only_hinted(intake_worker, client_for, safehaven):
    other_worker_record = make_survivor(safehaven, legal_name="Amara Okonkwo")
    page = start(client_for(intake_worker), legal_name="Amara Okonkwo")
    assert "A possible match exists that you cannot see. Ask a coordinator" in page.text
    assert other_worker_record.code not in page.text


def test_other_organizations_records_are_never_hinted(intake_worker, client_for, riverside):
    make_survivor(riverside, legal_name="Amara Okonkwo")
    page = start(client_for(intake_worker), legal_name="Amara Okonkwo")
    assert page.status_code == 302


def test_finishing_makes_the_record_active(intake_worker, client_for):
    client = client_for(intake_worker)
    start(client)
    survivor = Survivor.objects.get()
    client.post(reverse("survivors:intake_finish", args=[survivor.pk]))
    survivor.refresh_from_db()
    assert survivor.status == Survivor.Status.ACTIVE
    assert survivor.code in client.get(reverse("survivors:list")).text


def test_a_member_with_view_only_access_cannot_edit(harbor, coordinator, attorney, client_for):
    survivor = make_survivor(harbor, by=coordinator.user)
    access_grant(user=attorney.user, obj=survivor, actions=("view",))
    client = client_for(attorney)
    assert client.get(reverse("survivors:detail", args=[survivor.pk])).status_code == 200
    assert client.get(step_url(survivor, 2)).status_code == 403


def test_minor_flags_follow_the_calendar(harbor, time_machine):
    """Born on 29 February 2008: a minor through 28 February 2026, of age on 1 March (in
    New York, where it is already 1 March in UTC at 7 pm on the 28th)."""
    from survivors.tasks import minor_flags_refresh

    time_machine.move_to(datetime(2026, 2, 20, 10, 0, tzinfo=NEW_YORK), tick=False)
    leapling = make_survivor(harbor, date_of_birth=date(2008, 2, 29))
    make_survivor(harbor, date_of_birth=date(2000, 1, 1))
    assert list(Survivor.objects.filter(is_minor=True)) == [leapling]

    time_machine.move_to(datetime(2026, 2, 28, 23, 30, tzinfo=NEW_YORK), tick=False)
    assert minor_flags_refresh() == 0
    assert Survivor.objects.get(pk=leapling.pk).is_minor

    time_machine.move_to(datetime(2026, 3, 1, 0, 30, tzinfo=NEW_YORK), tick=False)
    assert minor_flags_refresh() == 1
    assert not Survivor.objects.get(pk=leapling.pk).is_minor
    assert minor_flags_refresh() == 0, "nothing left to change"
