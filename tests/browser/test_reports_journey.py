"""The coordinator opens Reports in the demo on a phone and on a desktop: charts beside
their tables, nothing wider than the screen, no script blocked; then records an outcome
on a matter and downloads the XLSX and the funder PDF."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from playwright.sync_api import expect

from cases.models import Matter
from tests.browser.conftest import ARTIFACTS, main_nav_link, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COORDINATOR = "coordinator@harbor.example"


def _blocked(page) -> list[str]:
    messages = []
    page.on("console", lambda m: messages.append(m.text) if m.type == "error" else None)
    return messages


def test_the_coordinator_reads_the_reports_on_a_phone(phone_page, live_server, demo):
    base = live_server.url
    errors = _blocked(phone_page)
    sign_in(phone_page, base, COORDINATOR, demo)
    phone_page.goto(base + reverse("reports:page"))
    expect(phone_page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    people = phone_page.get_by_role("img", name="People served per month")
    expect(people).to_be_visible()
    expect(phone_page.get_by_role("table", name="People served per month")).to_be_visible()
    width = phone_page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 360, f"the page is {width}px wide on a 360px screen"
    assert people.bounding_box()["width"] <= 360
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    phone_page.screenshot(path=str(ARTIFACTS / "reports-360.png"), full_page=True)
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_the_coordinator_records_an_outcome_and_downloads_the_xlsx(page, live_server, demo):
    base = live_server.url
    sign_in(page, base, COORDINATOR, demo)
    matter = Matter.objects.filter(sub_kind="u_visa").first()
    page.goto(base + reverse("cases:detail", args=[matter.pk]))
    outcomes = page.get_by_role("region", name="Outcomes")
    outcomes.get_by_text("Record an outcome").click()
    outcomes.get_by_label("Outcome").select_option(label="Approved")
    outcomes.get_by_label("Date").fill("2026-11-02")
    outcomes.get_by_role("button", name="Record the outcome").click()
    expect(page.get_by_role("status")).to_contain_text("Outcome recorded.")
    assert matter.outcomes.filter(kind="approved").exists()

    main_nav_link(page, "Reports").click()
    expect(page.get_by_role("img", name="Outcomes by kind")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "reports-1280.png"), full_page=True)
    # Signing in with the second factor just confirmed it is her: no password asked yet.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download every table (XLSX)").click()
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert "People served per month" in book.sheetnames
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the funder report (PDF)").click()
    assert download.value.suggested_filename.startswith("funder-report-")
    assert download.value.path().read_bytes().startswith(b"%PDF-")
