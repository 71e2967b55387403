"""Real Chromium through Playwright, against Django's live test server.

Debian's /usr/bin/chromium, never Playwright's own download. A failed test
leaves a screenshot in var/test-artifacts/ (git-ignored).
"""

import io
import os
import time
from base64 import b32decode
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django_otp.oath import TOTP

from tests.conftest import chromium_path, require_service

# Playwright's sync API runs an event loop in this thread; the ORM calls made by
# the tests themselves are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(settings.BASE_DIR) / "var" / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    require_service(executable is not None, "Chromium at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _new_page(browser, request, **context_options):
    context = browser.new_context(**context_options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    return context, page


@pytest.fixture
def page(browser, request, live_server):
    context, page = _new_page(browser, request)
    yield page
    _screenshot_if_failed(request, page)
    context.close()


@pytest.fixture
def phone_page(browser, request, live_server):
    """A 360-pixel-wide phone screen, as intake workers in the field use."""
    context, page = _new_page(
        browser, request, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
    )
    yield page
    _screenshot_if_failed(request, page)
    context.close()


def _screenshot_if_failed(request, page) -> None:
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed and not page.is_closed():
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)


# The demo users' credentials in browser tests (seed_demo --password --totp-secret).
PASSWORD = "demo passphrase for browser tests"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


class Authenticator:
    """The demo users' authenticator app. A code is accepted once per user and 30-second step,
    so a user signing in again waits for the next step (different users share a code)."""

    def __init__(self) -> None:
        self.last_step: dict[str, int] = {}

    def code_for(self, email: str) -> str:
        totp = TOTP(b32decode(TOTP_SECRET), step=30, t0=0)
        totp.time = time.time()
        while totp.t() <= self.last_step.get(email, -1):
            time.sleep(0.25)
            totp.time = time.time()
        self.last_step[email] = totp.t()
        return f"{totp.token():06d}"


@pytest.fixture
def demo():
    """The whole demo (organizations, users, survivors, matters) with known credentials."""
    call_command("seed_demo", password=PASSWORD, totp_secret=TOTP_SECRET, stdout=io.StringIO())
    return Authenticator()


@pytest.fixture
def open_context(browser, request):
    """Open fresh browsers (new cookies), desktop or phone; screenshots if the test fails."""
    contexts = []

    def open_(**options):
        context = browser.new_context(**options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_
    report = getattr(request.node, "report_call", None)
    for n, context in enumerate(contexts, start=2):
        for page in context.pages:
            if report is not None and report.failed:
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(
                    path=str(ARTIFACTS / f"{request.node.name}-{n}.png"), full_page=True
                )
        context.close()


def sign_in(page, base_url: str, email: str, authenticator: Authenticator) -> None:
    """Sign in as a demo user with password and authenticator code; land on the dashboard."""
    page.goto(base_url + "/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Code from your authenticator app").fill(authenticator.code_for(email))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Dashboard").wait_for()


def main_nav_link(page, name: str, *, keyboard: bool = False):
    """A link of the main menu, unfolded first where it is folded: behind "Menu" on a
    phone, under "More" for the pages used less often. By keyboard if asked."""
    nav = page.get_by_role("navigation", name="Main")
    link = nav.get_by_role("link", name=name, exact=True)

    def press(control) -> None:
        if keyboard:
            control.focus()
            page.keyboard.press("Enter")
        else:
            control.click()

    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible():
        press(menu)
        nav.wait_for(state="visible")
    if not link.is_visible():
        press(nav.get_by_role("button", name="More"))
        link.wait_for(state="visible")
    return link
