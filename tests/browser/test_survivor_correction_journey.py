"""The intake worker corrects a survivor's nationality and finds it in the record's History."""

import pytest
from playwright.sync_api import expect

from survivors.models import Survivor
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INTAKE = "intake@safehaven.example"


def test_the_intake_worker_corrects_a_nationality_and_sees_it_in_history(page, live_server, demo):
    survivor = Survivor.objects.filter(
        organization__name="Safe Haven Shelter", status=Survivor.Status.ACTIVE
    ).order_by("id")[1]
    before = survivor.nationality or "—"
    sign_in(page, live_server.url, INTAKE, demo)
    page.goto(f"{live_server.url}/survivors/{survivor.pk}/")

    page.get_by_role("link", name="Correct the record").click()
    expect(page.get_by_label("Legal name")).to_have_value(survivor.legal_name)
    page.get_by_label("Nationality").fill("Moldovan")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The record was corrected.")).to_be_visible()
    expect(page.locator("dl.details").first).to_contain_text("Moldovan")

    page.get_by_role("link", name="History", exact=True).click()
    row = page.get_by_role("table").get_by_role("row").filter(has_text="Nationality")
    expect(row).to_contain_text("Moldovan")
    expect(row).to_contain_text(before)
    assert Survivor.objects.get(pk=survivor.pk).nationality == "Moldovan"
