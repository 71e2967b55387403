"""An attorney works the notices of the demo U-visa matter: the receipt and the RFE are
logged, a NOID arrives by mail, its response deadline appears with every step of its
count, and the attorney confirms it; the same section reads in Spanish."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cases.models import AgencyNotice
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ATTORNEY = "attorney@harbor.example"
NOID_RULE = "Response to a notice of intent to deny"


def test_an_attorney_logs_a_noid_and_confirms_its_computed_deadline(page, live_server, demo):
    base = live_server.url
    matter = AgencyNotice.objects.get(kind="rfe").matter
    sign_in(page, base, ATTORNEY, demo)
    page.goto(base + reverse("cases:detail", args=[matter.pk]))

    expect(page.locator(".badges")).to_contain_text("Responding to an RFE or NOID")
    notices = page.get_by_role("region", name="Agency notices")
    expect(notices.locator("li").filter(has_text="Receipt notice")).to_contain_text("by mail")
    rfe = notices.locator("li").filter(has_text="Request for evidence (RFE)")
    expect(rfe).to_contain_text("Not confirmed")

    notices.get_by_text("Log a notice").click()
    notices.get_by_label("Notice", exact=True).select_option(
        label="Notice of intent to deny (NOID)"
    )
    # Monday 1 June 2026 + 30 days + 3 for the mail = Saturday 4 July, Independence Day.
    notices.get_by_label("Notice date").fill("2026-06-01")
    notices.get_by_label("It came by mail").check()
    notices.get_by_label("Receipt number").fill("LIN2690054321")
    notices.get_by_role("button", name="Log the notice").click()

    expect(page.get_by_role("status")).to_contain_text("Its response deadline was computed")
    card = page.locator("article.deadline-card").filter(
        has=page.get_by_role("heading", name=NOID_RULE, exact=True)
    )
    expect(card).to_contain_text("Monday, July 6, 2026")
    expect(card.locator("ol.computation li")).to_have_text(
        [
            "Counted from: Date of the NOID, June 1, 2026.",
            "Plus 30 days: July 1, 2026.",
            "Plus 3 days because the notice came by mail: July 4, 2026.",
            "July 4, 2026 is a court holiday (Independence Day): moved to July 5, 2026.",
            "July 5, 2026 is a weekend day: moved to July 6, 2026.",
        ]
    )
    card.get_by_role("button", name="I checked it: confirm this date").click()
    card = page.locator("article.deadline-card").filter(
        has=page.get_by_role("heading", name=NOID_RULE, exact=True)
    )
    expect(card.get_by_text("Confirmed by Alex Attorney")).to_be_visible()
    noid = (
        page.get_by_role("region", name="Agency notices")
        .locator("li")
        .filter(has_text="Notice of intent to deny (NOID)")
    )
    expect(noid).to_contain_text("Respond by July 6, 2026")
    expect(noid).not_to_contain_text("Not confirmed")

    page.get_by_label("Language", exact=True).select_option("es")
    page.locator("form.language-form button").click()
    notices = page.get_by_role("region", name="Avisos de la agencia")
    expect(
        notices.locator("li").filter(has_text="Aviso de intención de negar (NOID)")
    ).to_contain_text("por correo")
    expect(notices.get_by_text("Registrar un aviso")).to_be_visible()
