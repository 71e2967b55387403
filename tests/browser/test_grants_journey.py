"""The admin adds a grant on a phone; the coordinator reads the hours by grant."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cases.models import Grant
from tests.browser.conftest import ARTIFACTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_admin_adds_a_grant_on_a_phone(phone_page, live_server, demo):
    base = live_server.url
    errors = []
    phone_page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(phone_page, base, "admin@harbor.example", demo)
    phone_page.goto(base + reverse("organization"))
    phone_page.get_by_role("link", name="Grants", exact=True).click()
    expect(phone_page.get_by_role("table", name="The organization's grants")).to_contain_text(
        "OVC-HT-"
    )
    phone_page.get_by_role("link", name="Add a grant").click()
    phone_page.get_by_label("Funder").fill("Legal Services Foundation")
    phone_page.get_by_label("Grant code").fill("lsf-2027")
    phone_page.get_by_label("Name", exact=True).fill("Wage claims")
    phone_page.get_by_label("Period start").fill("2027-01-01")
    phone_page.get_by_label("Period end").fill("2027-12-31")
    phone_page.get_by_label("Civil claim").check()
    phone_page.get_by_label("Research").check()
    width = phone_page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 360, f"the page is {width}px wide on a 360px screen"
    phone_page.get_by_role("button", name="Add the grant").click()
    expect(phone_page.get_by_role("status")).to_contain_text("Grant LSF-2027 added.")
    grant = Grant.objects.get(code="LSF-2027")
    assert grant.matter_kinds == ["civil"] and grant.activities == ["research"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    phone_page.screenshot(path=str(ARTIFACTS / "grants-360.png"), full_page=True)
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_the_coordinator_reads_hours_by_grant(page, live_server, demo):
    base = live_server.url
    sign_in(page, base, "coordinator@harbor.example", demo)
    page.goto(base + reverse("reports:page"))
    table = page.get_by_role("table", name="Hours by grant")
    expect(table).to_contain_text("OVC-HT-")
    expect(table).to_contain_text("NYS-OVS-VAP-")
