"""From a partner's referral to a working matter: accept, check conflicts, open, compute, work.

Harbor's coordinator accepts a referral from Safe Haven, runs the conflict check and opens a
T visa matter for Alex Attorney. The attorney computes an RFE deadline (with the steps shown
and a confirmation), writes a privileged note and logs time. Safe Haven never sees the matter.
"""

import re
from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import main_nav_link, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


HARBOR_COORDINATOR = "coordinator@harbor.example"
ATTORNEY = "attorney@harbor.example"
INTAKE_WORKER = "intake@safehaven.example"

TRAFFICKER = "Viktor Hollander"  # synthetic
SURVIVOR_CODE = re.compile(r"AC-\d{4}-[2-9A-HJ-NP-Z]{6}")
MATTER_NUMBER = re.compile(r"M-\d{4}-\d{4}")

RFE_RULE = "Response to a request for evidence"
RFE_NOTICE_DATE = date(2026, 3, 2)  # a Monday
# 84 days later is Monday 25 May 2026, Memorial Day; the 3 mail days carry it to Thursday.
DUE_BY_MAIL = "Thursday, May 28, 2026"
# Without the mail days the date falls on Memorial Day itself and rolls to the Tuesday.
DUE_IN_HAND = "Tuesday, May 26, 2026"

NOTE = "Client describes recruitment in 2024; corroborate with pay stubs."


@pytest.fixture
def open_browser(open_context):
    return lambda: open_context()


# --- Small helpers ----------------------------------------------------------------------------


def open_from_main_navigation(page, name: str) -> None:
    main_nav_link(page, name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def value_of(page, term: str):
    """The <dd> that follows the <dt> named `term` in a details list."""
    return page.locator("dl.details dt", has_text=re.compile(rf"^{term}$")).locator("+ dd")


def message_says(page, text: str) -> None:
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def deadline_card(page, due: str):
    """The card of the RFE deadline due on `due` (both computed deadlines share the title)."""
    return page.locator("article.deadline-card").filter(
        has=page.get_by_role("heading", name=RFE_RULE, exact=True), has_text=due
    )


# --- The coordinator: referral, conflict check, matter -----------------------------------------


def accept_a_sent_referral(page) -> str:
    open_from_main_navigation(page, "Referrals")
    received = page.get_by_role("region", name="Received")
    sent = received.get_by_role("row").filter(has=page.get_by_role("cell", name="Sent", exact=True))
    expect(sent.first).to_be_visible()
    link = sent.first.get_by_role("link")
    code = link.inner_text()
    assert SURVIVOR_CODE.fullmatch(code)
    link.click()
    expect(page.get_by_role("heading", name=f"Referral of {code}")).to_be_visible()
    expect(value_of(page, "From")).to_have_text("Safe Haven Shelter")
    expect(value_of(page, "Status")).to_have_text("Sent")

    update = page.locator("form").filter(
        has=page.get_by_role("heading", name="Update the referral")
    )
    update.get_by_label("Status").select_option(label="Accepted")
    update.get_by_role("button", name="Save").click()
    message_says(page, "Referral updated.")
    expect(value_of(page, "Status")).to_have_text("Accepted")
    return code


def run_the_conflict_check_naming_the_trafficker(page, code: str) -> None:
    open_from_main_navigation(page, "Conflict checks")
    waiting = page.get_by_role("region", name="Referrals for representation without a matter")
    waiting.get_by_role("link", name=f"Check {code} (from Safe Haven Shelter)").click()
    expect(page.get_by_role("heading", name=f"Conflict check for {code}")).to_be_visible()
    first_party = page.get_by_role("group", name="Other party 1")
    first_party.get_by_label("Role").select_option(label="Trafficker")
    first_party.get_by_label("Name", exact=True).fill(TRAFFICKER)
    page.get_by_role("button", name="Run the check").click()
    expect(page.get_by_role("heading", name="Possible conflicts")).to_be_visible()


def clear_the_check(page) -> None:
    expect(page.locator(".badges")).to_have_text("Waiting for a decision")
    page.get_by_role("group", name="Decision").get_by_label("Cleared: no conflict").check()
    if not page.get_by_text("No matches were found.").is_visible():
        # Demo names may share a token with another client: say why it is someone else.
        page.get_by_label("Reason").fill("Different person: checked dates of birth")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".badges")).to_have_text("Cleared: no conflict")
    expect(page.get_by_text("Decided by Casey Coordinator")).to_be_visible()


def open_a_t_visa_matter_for_alex(page) -> str:
    opening = page.locator("form").filter(has=page.get_by_role("heading", name="Open a matter"))
    opening.get_by_label("Type of matter").select_option(label="T visa (I-914)")
    opening.get_by_label("Lead attorney").select_option(label="Alex Attorney")
    opening.get_by_role("button", name="Open the matter").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^M-\d{4}-\d{4} · T visa \(I-914\)$"))
    number = MATTER_NUMBER.search(heading.inner_text()).group(0)
    message_says(page, f"Matter {number} opened.")
    expect(value_of(page, "Lead attorney")).to_have_text("Alex Attorney")
    expect(page).to_have_url(re.compile(r"/matters/\d+/$"))
    return number


# --- The attorney: deadlines, notes, hours ------------------------------------------------------


def open_the_matter_from_the_docket(page, number: str, matter_url: str) -> None:
    docket = page.get_by_role("region", name="Docket")
    expect(docket).to_contain_text("Intake and facts:")  # the new matter is in intake
    open_from_main_navigation(page, "Matters")
    page.get_by_role("link", name=number, exact=True).click()
    expect(page).to_have_url(matter_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{number} · T visa (I-914)")
    expect(page.locator(".badges")).to_have_text("Intake and facts")


def compute_the_rfe_deadline(page, *, by_mail: bool) -> None:
    deadlines = page.get_by_role("region", name="Deadlines and hearings")
    deadlines.get_by_text("Compute a deadline from a rule").click()
    form = deadlines.locator("form").filter(has=page.get_by_role("button", name="Compute"))
    form.get_by_label("Rule").select_option(label=RFE_RULE)
    form.get_by_label("Date it counts from").fill(RFE_NOTICE_DATE.isoformat())
    mailed = form.get_by_label("The notice came by mail")
    mailed.set_checked(by_mail)
    form.get_by_role("button", name="Compute").click()
    message_says(page, "Deadline computed. Check how, then confirm it.")


def the_mailed_deadline_shows_how_it_was_computed(page) -> None:
    card = deadline_card(page, DUE_BY_MAIL)
    expect(card).to_have_count(1)
    expect(card.get_by_text(DUE_BY_MAIL)).to_be_visible()
    expect(card.locator("details")).to_have_attribute("open", "")
    steps = card.locator("ol.computation li")
    expect(steps).to_have_text(
        [
            "Counted from: Date of the RFE notice, March 2, 2026.",
            "Plus 84 days: May 25, 2026.",
            "Plus 3 days because the notice came by mail: May 28, 2026.",
        ]
    )
    expect(card.get_by_text("Verify against local rules")).to_be_visible()
    expect(card.get_by_role("button", name="I checked it: confirm this date")).to_be_visible()


def confirm_the_mailed_deadline(page) -> None:
    card = deadline_card(page, DUE_BY_MAIL)
    card.get_by_role("button", name="I checked it: confirm this date").click()
    card = deadline_card(page, DUE_BY_MAIL)
    expect(card.get_by_text("Confirmed by Alex Attorney")).to_be_visible()
    expect(card.get_by_role("button", name="I checked it: confirm this date")).to_have_count(0)
    expect(card.locator("details")).not_to_have_attribute("open", "")


def the_deadline_in_hand_rolls_past_memorial_day(page) -> None:
    card = deadline_card(page, DUE_IN_HAND)
    expect(card).to_have_count(1)
    expect(card.locator("details")).to_have_attribute("open", "")
    expect(card.locator("ol.computation li")).to_have_text(
        [
            "Counted from: Date of the RFE notice, March 2, 2026.",
            "Plus 84 days: May 25, 2026.",
            "May 25, 2026 is a court holiday (Memorial Day): moved to May 26, 2026.",
        ]
    )
    expect(card.get_by_role("button", name="I checked it: confirm this date")).to_be_visible()


def add_a_privileged_note(page) -> None:
    notes = page.get_by_role("region", name="Privileged notes")
    notes.get_by_label("Note (privileged)").fill(NOTE)
    notes.get_by_role("button", name="Add note").click()
    notes = page.get_by_role("region", name="Privileged notes")
    note = notes.locator("article.note")
    expect(note).to_have_count(1)
    expect(note).to_contain_text(NOTE)
    expect(note).to_contain_text("Alex Attorney")


def log_ninety_minutes_of_drafting(page) -> None:
    hours = page.get_by_role("region", name="Hours")
    expect(hours.get_by_text("Total: 0 minutes.")).to_be_visible()
    hours.get_by_label("Date", exact=True).fill(timezone.localdate().isoformat())
    hours.get_by_label("Minutes").fill("90")
    hours.get_by_label("Activity").select_option(label="Drafting")
    hours.get_by_role("button", name="Log time").click()
    message_says(page, "Time recorded.")
    hours = page.get_by_role("region", name="Hours")
    expect(hours.get_by_text("Total: 1 hour 30 minutes.")).to_be_visible()
    expect(hours.get_by_role("listitem")).to_contain_text(
        ["Alex Attorney · 1 hour 30 minutes · Drafting"]
    )


# --- The test -----------------------------------------------------------------------------------


def test_a_referral_becomes_a_matter_with_a_computed_deadline_notes_and_hours(
    page, open_browser, live_server, demo
):
    base = live_server.url

    # 1. Harbor's coordinator accepts a referral Safe Haven sent.
    sign_in(page, base, HARBOR_COORDINATOR, demo)
    code = accept_a_sent_referral(page)

    # 2. The conflict check, naming the trafficker, is cleared.
    run_the_conflict_check_naming_the_trafficker(page, code)
    clear_the_check(page)

    # 3. A T visa matter opens for Alex Attorney.
    number = open_a_t_visa_matter_for_alex(page)
    matter_url = page.url
    expect(value_of(page, "Client")).to_have_text(code)
    expect(page.get_by_role("region", name="Parties")).to_contain_text(f"Trafficker: {TRAFFICKER}")
    page.context.close()

    # 4. The attorney finds the matter and computes the RFE deadline, then confirms it.
    page = open_browser()
    sign_in(page, base, ATTORNEY, demo)
    open_the_matter_from_the_docket(page, number, matter_url)
    compute_the_rfe_deadline(page, by_mail=True)
    the_mailed_deadline_shows_how_it_was_computed(page)
    confirm_the_mailed_deadline(page)
    compute_the_rfe_deadline(page, by_mail=False)
    the_deadline_in_hand_rolls_past_memorial_day(page)
    expect(
        deadline_card(page, DUE_BY_MAIL).get_by_text("Confirmed by Alex Attorney")
    ).to_be_visible()

    # 5. A privileged note and an hour and a half of drafting.
    add_a_privileged_note(page)
    log_ninety_minutes_of_drafting(page)
    page.context.close()

    # 6. Safe Haven referred the survivor, but the matter is Harbor's privileged work.
    page = open_browser()
    sign_in(page, base, INTAKE_WORKER, demo)
    response = page.goto(matter_url)
    assert response.status == 404
    expect(page.locator("main")).not_to_contain_text(number)
    expect(page.locator("main")).not_to_contain_text(NOTE)
