"""What intake staff, coordinators and attorneys hit in their first hour (issue 17), in
Chromium: errors that take focus, Quick exit on a phone, survivor fields, Spanish dates."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INTAKE_WORKER = "intake@safehaven.example"


def test_a_form_with_errors_says_so_first_and_leads_to_the_field(open_context, live_server, demo):
    page = open_context(**PHONE)
    sign_in(page, live_server.url, INTAKE_WORKER, demo)
    page.goto(live_server.url + reverse("survivors:intake"))

    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    summary.get_by_role("link", name=re.compile("Enter the person's legal name")).click()
    expect(page.get_by_label("Legal name")).to_be_focused()


def test_quick_exit_stays_on_screen_at_the_bottom_of_a_long_page_on_a_phone(
    open_context, live_server, demo
):
    page = open_context(**PHONE)
    sign_in(page, live_server.url, INTAKE_WORKER, demo)
    page.goto(live_server.url + reverse("survivors:intake"))
    page.get_by_label("Legal name").fill("Ana Long Page")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Origin and languages").wait_for()
    page.goto(page.url.replace("/intake/2/", "/intake/5/"))  # the long list of needs

    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    assert page.evaluate("window.scrollY") > 740, "the page is not long enough to scroll"

    quick_exit = page.get_by_role("link", name=re.compile("^Quick exit"))
    expect(quick_exit).to_be_in_viewport(ratio=1)
    box = quick_exit.bounding_box()
    assert box["x"] + box["width"] <= 360


def test_in_spanish_a_prefilled_date_is_kept_and_time_is_logged(open_context, live_server, demo):
    from cases.models import Matter, TimeEntry

    attorney = "attorney@harbor.example"
    matter = Matter.objects.filter(lead_attorney__email=attorney).order_by("pk").first()
    before = TimeEntry.objects.filter(matter=matter).count()
    page = open_context(**PHONE)
    sign_in(page, live_server.url, attorney, demo)
    page.get_by_label("Language").select_option("es")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")

    page.goto(live_server.url + reverse("cases:detail", args=[matter.pk]))
    hours = page.get_by_role("region", name="Horas")
    date_field = hours.locator("input[type=date]")
    expect(date_field).to_have_value(timezone.localdate().isoformat())
    hours.locator("input[name=minutes]").fill("45")
    hours.locator("select[name=activity]").select_option("drafting")
    hours.get_by_role("button", name="Registrar tiempo").click()

    expect(page.get_by_role("status").filter(has_text="Se registró el tiempo.")).to_be_visible()
    assert TimeEntry.objects.filter(matter=matter).count() == before + 1
