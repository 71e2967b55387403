"""No traps in the survivor flows: nothing harmful preselected, no choice that is then
refused, no box shown before it is wanted, and a step count that does not change."""

import re

import pytest
from django.urls import reverse

from survivors.models import Purpose, Referral, Survivor
from tests.survivors.conftest import consent_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_referral(adult, intake_worker, harbor, client_for):
    consent_for(adult, harbor, intake_worker.user)
    client_for(intake_worker).post(
        reverse("survivors:refer", args=[adult.pk]),
        {"to_organization": harbor.pk, "purpose": Purpose.LEGAL_REPRESENTATION},
    )
    return Referral.objects.get()


def test_right_after_sending_nothing_is_preselected_on_the_referral(
    sent_referral, intake_worker, client_for
):
    client = client_for(intake_worker)
    page = client.get(reverse("survivors:referral", args=[sent_referral.pk])).text

    select = re.search(r'<select name="status".*?</select>', page, re.S)[0]
    assert re.search(r'<option value=""[^>]*selected', select)
    assert not re.search(r'value="withdrawn"[^>]*selected', select)

    page = client.post(reverse("survivors:referral", args=[sent_referral.pk]), {}).text
    assert "Choose the new status of the referral." in page
    sent_referral.refresh_from_db()
    assert sent_referral.status == Referral.Status.SENT


def test_an_intake_worker_is_not_offered_the_coordinator_override(
    adult, intake_worker, partner_coordinator, client_for
):
    url = reverse("survivors:consents", args=[adult.pk])
    page = client_for(intake_worker).get(url).text
    assert 'value="override"' not in page
    assert 'name="override_reason"' not in page

    coordinator_page = client_for(partner_coordinator).get(url).text
    assert 'value="override"' in coordinator_page


def test_the_revoke_box_opens_only_when_asked_for(adult, intake_worker, harbor, client_for):
    consent_for(adult, harbor, intake_worker.user)
    page = client_for(intake_worker).get(reverse("survivors:consents", args=[adult.pk])).text

    revoke = re.search(r"<details class=\"revoke\">(.*?)</details>", page, re.S)
    assert revoke, "the revoke form is not behind a disclosure"
    assert "<summary>Revoke this consent</summary>" in revoke[1]
    assert 'name="reason"' in revoke[1]


def test_the_step_count_never_changes_during_an_intake(intake_worker, client_for):
    client = client_for(intake_worker)
    first = client.get(reverse("survivors:intake")).text
    assert "Step 1</p>" in first and " of " not in re.search(r"Step 1[^<]*", first)[0]

    client.post(reverse("survivors:intake"), {"legal_name": "Amara Okonkwo"})
    survivor = Survivor.objects.get()
    steps = [reverse("survivors:intake_step", args=[survivor.pk, n]) for n in (1, 2, 3, 4, 5)]
    totals = {re.search(r"Step \d of (\d)", client.get(url).text)[1] for url in steps}
    assert totals == {"5"}
