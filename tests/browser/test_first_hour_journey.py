"""What intake staff, coordinators and attorneys hit in their first hour (issue 17), in
Chromium: errors that take focus, Quick exit on a phone, survivor fields, Spanish dates."""

import re
from datetime import timedelta

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
    page.get_by_label("Language", exact=True).select_option("es")
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


def test_a_time_out_warns_extends_and_loses_nothing_typed(
    open_context, live_server, demo, settings, time_machine
):
    """The idle limit is 30 minutes; the page's clock and the server's are moved on."""
    settings.AFTERCARE_SESSION_IDLE_MINUTES = 30
    page = open_context(**PHONE)
    page.clock.install()
    sign_in(page, live_server.url, INTAKE_WORKER, demo)
    page.goto(live_server.url + reverse("survivors:intake"))
    page.get_by_label("Legal name").fill("Ana Timeout")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Origin and languages").wait_for()
    step_url = page.url
    status = page.get_by_role("status")

    languages = page.get_by_label("Languages")
    languages.press_sequentially("Igbo")
    page.clock.run_for(1000)  # the autosave waits for a pause in typing
    expect(status).to_contain_text("Draft saved at")
    first_save = status.inner_text()

    # 28 minutes later: the warning, and "Stay signed in" restarts the clock.
    time_machine.move_to(timezone.now() + timedelta(minutes=28), tick=True)
    page.clock.fast_forward("28:01")
    warning = page.get_by_role("dialog", name="You are about to be signed out")
    expect(warning).to_be_visible()
    stay = warning.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    page.keyboard.press("Enter")
    expect(warning).to_be_hidden()

    languages.press_sequentially(", French")
    page.clock.run_for(1000)
    expect(status).not_to_have_text(first_save)  # saved again, 28 minutes later
    expect(status).to_have_text(re.compile(r"^Draft saved at \d\d:\d\d\.$"))
    saved_at = re.search(r"\d\d:\d\d", status.inner_text())[0]

    # The laptop slept past the limit: the next autosave is told so, in words, in JSON.
    time_machine.move_to(timezone.now() + timedelta(minutes=31), tick=True)
    languages.press_sequentially(" and English")
    page.clock.run_for(1000)
    expect(status).to_contain_text(f"Signed out — saved up to {saved_at}.")
    expect(status).to_contain_text("Sign in again to go on")
    expect(status.locator("form, h1, input")).to_have_count(0)

    # At the limit the page makes way for the sign-in page; signing in finds what was saved.
    page.clock.fast_forward("31:00")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    sign_in(page, live_server.url, INTAKE_WORKER, demo)
    page.goto(step_url)
    expect(page.get_by_label("Languages")).to_have_value("Igbo, French")


def test_the_first_step_is_kept_as_a_draft_while_typing(open_context, live_server, demo):
    from survivors.models import Survivor

    drafts_before = Survivor.objects.filter(status=Survivor.Status.DRAFT).count()
    page = open_context(**PHONE)
    sign_in(page, live_server.url, INTAKE_WORKER, demo)
    page.goto(live_server.url + reverse("survivors:intake"))

    page.get_by_label("Legal name").press_sequentially("Zora Quillon Mbeki")
    page.get_by_label("Gender").press_sequentially("female")

    status = page.get_by_role("status")
    expect(status).to_contain_text("Draft saved at")
    expect(page).to_have_url(re.compile(r"/survivors/\d+/intake/1/$"))
    draft = Survivor.objects.get(pk=re.search(r"/survivors/(\d+)/", page.url)[1])
    assert draft.status == Survivor.Status.DRAFT
    assert draft.legal_name.startswith("Z")  # saved while it was typed

    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Origin and languages").wait_for()
    expect(page).to_have_url(re.compile(rf"/survivors/{draft.pk}/intake/2/$"))
    draft.refresh_from_db()
    assert (draft.legal_name, draft.gender) == ("Zora Quillon Mbeki", "female")
    assert Survivor.objects.filter(status=Survivor.Status.DRAFT).count() == drafts_before + 1
