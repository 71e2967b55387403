"""A demo user signs in with password and authenticator code; quick exit leaves no way back."""

import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session

from tests.browser.conftest import PASSWORD, main_nav_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def neutral_site_is_blank(settings):
    settings.AFTERCARE_QUICK_EXIT_URL = "about:blank"


def wait_until_signed_out(timeout: float = 10.0) -> None:
    """The quick-exit beacon is asynchronous: wait until the server has ended the session."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(SESSION_KEY in s.get_decoded() for s in Session.objects.all()):
            return
        time.sleep(0.1)
    raise AssertionError("the session was still signed in after the quick exit")


def sign_in(page, base_url: str, email: str, authenticator) -> None:
    page.goto(base_url + "/")
    assert "/account/sign-in/" in page.url
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Code from your authenticator app").fill(authenticator.code_for(email))
    page.get_by_role("button", name="Sign in").click()


def test_the_attorney_signs_in_with_a_second_factor_and_reaches_the_dashboard(
    page, live_server, demo
):
    sign_in(page, live_server.url, "attorney@harbor.example", demo)
    page.get_by_role("heading", name="Dashboard").wait_for()
    assert page.get_by_text("Harbor Legal Aid").first.is_visible()


def test_quick_exit_leaves_no_way_back(page, live_server, demo):
    sign_in(page, live_server.url, "coordinator@harbor.example", demo)
    main_nav_link(page, "Organization").click()
    page.get_by_role("heading", name="Harbor Legal Aid").wait_for()

    page.get_by_role("link", name="Quick exit").click()
    page.wait_for_url("about:blank")
    wait_until_signed_out()
    page.go_back()
    page.wait_for_load_state()
    assert "Harbor Legal Aid" not in page.content()
    assert "/account/sign-in/" in page.url or page.url == "about:blank"


def test_escape_twice_is_a_quick_exit_too(page, live_server, demo):
    sign_in(page, live_server.url, "paralegal@harbor.example", demo)
    page.get_by_role("heading", name="Dashboard").wait_for()
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.wait_for_url("about:blank")
    wait_until_signed_out()
    page.goto(live_server.url + "/")
    assert "/account/sign-in/" in page.url
