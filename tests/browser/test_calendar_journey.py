"""The attorney's calendar on a phone and on a desk: the month grid becomes a list of the
days that have something at 360 px, and the feed address is copied with one press."""

from datetime import time, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from aftercare.models import User
from cases.models import Deadline, Matter
from tests.browser.conftest import PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ATTORNEY = "attorney@harbor.example"
SCREENSHOTS = settings.BASE_DIR / "var" / "screenshots"


def test_the_month_on_a_phone_and_a_desk_and_the_feed_copied(open_context, live_server, demo):
    base = live_server.url
    attorney = User.objects.get(email=ATTORNEY)
    matter = Matter.objects.filter(user_grants__user=attorney).order_by("pk").first()
    today = timezone.localdate()
    hearing = Deadline.objects.create(
        matter=matter,
        kind="hearing",
        title="Hearing",
        due_date=today.replace(day=1) + timedelta(days=14),
        due_time=time(7, 15),
        created_by=attorney,
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    phone = open_context(**PHONE)
    phone.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(phone, base, ATTORNEY, demo)
    phone.goto(base + reverse("cases:calendar"))
    entry = phone.get_by_role("link", name=f"07:15 Hearing · {matter.number}")
    expect(entry).to_be_visible()
    expect(phone.get_by_text("Hearing (Hearing)")).to_have_count(0)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360, "no sideways scroll"
    # The day reads as a date in words, not a lone number in a column.
    day = phone.locator("td", has=entry)
    expect(day.locator(".month__long")).to_be_visible()
    expect(day.locator(".month__number")).to_be_hidden()
    phone.screenshot(path=str(SCREENSHOTS / "calendar-360.png"), full_page=True)

    phone.get_by_role("button", name="Get a calendar address").click()
    field = phone.get_by_label("Calendar address")
    expect(field).to_be_visible()
    assert field.input_value().startswith("webcal://")
    expect(phone.get_by_role("link", name="Subscribe in your calendar app")).to_have_attribute(
        "href", field.input_value()
    )
    phone.get_by_role("button", name="Copy address").click()
    expect(phone.get_by_role("status").filter(has_text="Address copied.")).to_be_visible()
    assert phone.evaluate("navigator.clipboard.readText()") == field.input_value()

    desk = open_context(viewport={"width": 1280, "height": 900})
    sign_in(desk, base, ATTORNEY, demo)
    desk.goto(base + reverse("cases:calendar"))
    table = desk.get_by_role("table")
    expect(table.get_by_role("columnheader")).to_have_count(7)
    expect(table.get_by_role("columnheader").first).to_have_text("Monday")
    expect(table.get_by_role("link", name=f"07:15 Hearing · {matter.number}")).to_be_visible()
    desk.screenshot(path=str(SCREENSHOTS / "calendar-1280.png"), full_page=True)
    hearing.delete()
