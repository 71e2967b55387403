"""The pages on the U.S. Web Design System (static/vendor/uswds/): every main page loads
its styles, scripts, fonts and icons from our own origin with nothing refused by the
Content-Security-Policy and no static file missing; the header holds one line on a
desktop and folds behind "Menu" on a phone, and that menu works by keyboard.

Screenshots of each page at both widths go to var/test-artifacts/screens/ (git-ignored)
for people to look at."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cases.models import Matter
from survivors.models import Survivor
from tests.browser.conftest import ARTIFACTS, PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COORDINATOR = "coordinator@harbor.example"
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
SCREENS = ARTIFACTS / "screens"


def _main_pages() -> dict[str, str]:
    matter = Matter.objects.filter(organization__name__icontains="harbor").order_by("pk").first()
    survivor = matter.client if matter else Survivor.objects.order_by("pk").first()
    pages = {
        "dashboard": reverse("dashboard"),
        "survivors": reverse("survivors:list"),
        "survivor": reverse("survivors:detail", args=[survivor.pk]),
        "intake": reverse("survivors:intake"),
        "referrals": reverse("survivors:referrals"),
        "matters": reverse("cases:list"),
        "calendar": reverse("cases:calendar"),
        "conflicts": reverse("cases:conflicts"),
        "volunteers": reverse("volunteers:list"),
        "organization": reverse("organization"),
        "members": reverse("member_list"),
        "reports": reverse("reports:page"),
        "audit-trail": reverse("audit_trail"),
        "notifications": reverse("notifications"),
    }
    if matter:
        pages["matter"] = reverse("cases:detail", args=[matter.pk])
        pages["documents"] = reverse("cases:documents", args=[matter.pk])
    return pages


class Watch:
    """What a page did wrong while it loaded: refused by the CSP, or a static file missing."""

    def __init__(self, page) -> None:
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("response", self._response)
        page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.problems.append(f"CSP: {message.text}")

    def _response(self, response) -> None:
        if "/static/" in response.url and response.status >= 400:
            self.problems.append(f"{response.status}: {response.url}")


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_main_pages_load_with_nothing_refused_and_no_static_file_missing(
    open_context, live_server, demo, device
):
    page = open_context(**(DESKTOP if device == "desktop" else PHONE))
    watch = Watch(page)
    sign_in(page, live_server.url, COORDINATOR, demo)
    SCREENS.mkdir(parents=True, exist_ok=True)
    pages = [*_main_pages().items(), ("volunteer", None)]
    for name, path in pages:
        if path is None:  # a volunteer's profile, from the list of volunteers
            page.goto(live_server.url + reverse("volunteers:list"))
            page.locator("table th a").first.click()
        else:
            page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        # The USWDS script ran (it marks itself present), so its components work.
        assert page.evaluate("window.uswdsPresent === true"), name
        page.screenshot(path=str(SCREENS / f"{name}-{device}.png"), full_page=True)
        assert watch.problems == [], (name, watch.problems)
        # Nothing wider than the screen.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], (name, width)


def test_the_header_is_one_line_on_a_desktop(open_context, live_server, demo):
    page = open_context(**DESKTOP)
    sign_in(page, live_server.url, COORDINATOR, demo)
    header = page.locator("header.site-header")
    assert header.bounding_box()["height"] <= 90
    nav = page.get_by_role("navigation", name="Main")
    items = [nav.get_by_role("link", name=name) for name in ("Dashboard", "Referrals")]
    items += [nav.get_by_role("button", name=name) for name in ("More", "Sign out")]
    items += [
        page.get_by_role("link", name="Notifications"),
        page.get_by_role("link", name="Quick exit"),
    ]
    middles = [box["y"] + box["height"] / 2 for box in (item.bounding_box() for item in items)]
    assert max(middles) - min(middles) <= 8, middles
    expect(page.get_by_role("link", name="Quick exit")).to_be_in_viewport()
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()


def test_on_a_phone_the_menu_folds_behind_a_button_that_works_by_keyboard(
    open_context, live_server, demo
):
    page = open_context(**PHONE)
    sign_in(page, live_server.url, COORDINATOR, demo)
    header = page.locator("header.site-header")
    assert header.bounding_box()["height"] <= 80, "the header takes too much of a phone screen"
    nav = page.get_by_role("navigation", name="Main")
    matters = nav.get_by_role("link", name="Matters")
    expect(matters).to_be_hidden()

    menu = page.get_by_role("button", name="Menu")
    menu.focus()
    page.keyboard.press("Enter")
    expect(matters).to_be_visible()
    # "More" opens the rest of the menu.
    nav.get_by_role("button", name="More").focus()
    page.keyboard.press("Enter")
    expect(nav.get_by_role("link", name="Reports")).to_be_visible()
    page.keyboard.press("Escape")
    expect(matters).to_be_hidden()
    expect(menu).to_be_focused()

    menu.click()
    matters.click()
    expect(page).to_have_url(live_server.url + reverse("cases:list"))
    expect(page.get_by_role("link", name="Quick exit")).to_be_in_viewport()


def test_on_a_phone_the_referral_tables_stack_instead_of_scrolling_sideways(
    open_context, live_server, demo
):
    page = open_context(**PHONE)
    sign_in(page, live_server.url, COORDINATOR, demo)
    page.goto(live_server.url + reverse("survivors:referrals"))
    tables = page.locator("table.usa-table--stacked")
    assert tables.count() >= 1
    for n in range(tables.count()):
        wrap = page.locator(".table-wrap").nth(n)
        assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth"), n
    # Each stacked cell says what it holds, as its column heading did.
    first_row = tables.first.locator("tbody tr").first
    labels = first_row.locator("[data-label]").evaluate_all(
        "cells => cells.map(c => c.dataset.label)"
    )
    assert labels[0] == "Survivor" and "Status" in labels
