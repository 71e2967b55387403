"""The attorney reads the client's contacts on the matter page, tries to call her on a
Saturday (her rules allow weekdays only), is refused with the reason and keeps what she
typed, then logs the call the client made instead."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from survivors.models import Communication
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ATTORNEY = "attorney@harbor.example"


def last_saturday():
    day = timezone.localdate() - timedelta(days=1)
    while day.isoweekday() != 6:
        day -= timedelta(days=1)
    return day


def test_a_call_against_the_rules_is_refused_and_an_inbound_one_is_logged(demo, page, live_server):
    client = Communication.objects.filter(overridden_by__isnull=False).get().survivor
    matter = client.matters.get()
    sign_in(page, live_server.url, ATTORNEY, demo)

    page.goto(live_server.url + reverse("cases:detail", args=[matter.pk]))
    contacts = page.locator("#communications")
    expect(contacts.get_by_role("heading", name="Contacts with the client")).to_be_visible()
    expect(contacts).to_contain_text("Logged against the safe-contact rules")
    expect(contacts).to_contain_text("interpreter: Spanish")

    contacts.get_by_role("link", name="Communications log: see all, log a contact").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Communications log")
    page.get_by_label("Kind").select_option("call")
    page.get_by_label("Direction").select_option("outbound")
    page.get_by_label("Channel").select_option("phone")
    page.get_by_label("Date").fill(last_saturday().isoformat())
    page.get_by_label("Time").fill("10:30")
    page.get_by_label("Short summary").fill("Left no message.\nWill try again Monday.")
    page.get_by_role("button", name="Log contact").click()

    expect(page.get_by_role("alert")).to_contain_text("Phone call is allowed only on Monday")
    expect(page.get_by_label("Short summary")).to_have_value(
        "Left no message.\nWill try again Monday."
    )
    assert Communication.objects.filter(survivor=client).count() == 3, "nothing was saved"

    page.get_by_label("Direction").select_option("inbound")
    page.get_by_role("button", name="Log contact").click()
    expect(page.get_by_role("status").filter(has_text="Contact logged.")).to_be_visible()
    logged = page.locator("article.communication", has_text="Will try again Monday.")
    expect(logged).to_contain_text("Inbound (they contacted us)")
    assert Communication.objects.filter(survivor=client).count() == 4
