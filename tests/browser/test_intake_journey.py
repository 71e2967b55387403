"""An intake on a phone, with the keyboard only: draft, resume, consent, referral, and who sees it.

Every field is reached with focus() and filled by typing; links and buttons are followed with
Enter, checkboxes ticked with Space, and <select>s chosen by typing an option's first letters.
"""

import re
from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, PHONE, Authenticator, main_nav_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


INTAKE_WORKER = "intake@safehaven.example"
HARBOR_COORDINATOR = "coordinator@harbor.example"
RIVERSIDE_COORDINATOR = "coordinator@riverside.example"

LEGAL_NAME = "Lucía Fernanda Ortiz Vega"
INITIALS = "L.V."  # first and last of more than two names
LANGUAGES = "Spanish (native)"
SAFETY_SITUATION = "The recruiter's cousin lives two streets from the shelter."
SAFE_LOCATION = "Room 12, Safe Haven Shelter"
GUARDIAN = "County Child Protective Services"
SURVIVOR_CODE = re.compile(r"AC-\d{4}-[2-9A-HJ-NP-Z]{6}")


@pytest.fixture
def open_phone(open_context):
    return lambda: open_context(**PHONE)


# --- Keyboard only --------------------------------------------------------------------------


def type_into(field, text: str) -> None:
    field.focus()
    field.page.keyboard.type(text)


def press_enter_on(control) -> None:
    """Follow a link or press a button: focus it, then Enter."""
    control.focus()
    control.page.keyboard.press("Enter")


def tick(checkbox) -> None:
    checkbox.focus()
    checkbox.page.keyboard.press("Space")
    expect(checkbox).to_be_checked()


def choose(select, option_text: str) -> None:
    """Choose in a closed <select> by typing the option's first letters (type-ahead)."""
    select.focus()
    select.page.keyboard.type(option_text)
    expect(select.locator("option:checked")).to_have_text(option_text)


def type_date(field, day: date) -> None:
    """A date input in Chromium's en-US locale takes the digits month, day, year."""
    field.focus()
    field.page.keyboard.type(day.strftime("%m%d%Y"))
    expect(field).to_have_value(day.isoformat())


def continue_(page) -> None:
    press_enter_on(page.get_by_role("button", name="Continue"))


# --- The journey's steps ------------------------------------------------------------------


def sign_in(page, base_url: str, email: str, authenticator: Authenticator) -> None:
    page.goto(base_url + "/")
    type_into(page.get_by_label("Email address"), email)
    type_into(page.get_by_label("Password"), PASSWORD)
    page.keyboard.press("Enter")
    type_into(page.get_by_label("Code from your authenticator app"), authenticator.code_for(email))
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Dashboard").wait_for()


def open_new_intake(page) -> None:
    press_enter_on(main_nav_link(page, "New intake", keyboard=True))
    expect(page).to_have_url(re.compile(r"/survivors/intake/$"))
    page.get_by_role("heading", name="About the person").wait_for()


def heading_is(page, title: str, position: int, total: int | None = 6) -> None:
    """The step and, once the date of birth is known (it decides the guardian step), the
    total, which never changes after."""
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    progress = f"Step {position} of {total}" if total else f"Step {position}"
    expect(page.locator(".steps__progress")).to_have_text(progress)


def fill_about_the_person(page, born: date) -> None:
    type_into(page.get_by_label("Legal name"), LEGAL_NAME)
    type_date(page.get_by_label("Date of birth"), born)
    continue_(page)
    duplicate = page.get_by_role("heading", name="This person may already be recorded")
    next_step = page.get_by_role("heading", name="Origin and languages")
    expect(next_step.or_(duplicate)).to_be_visible()
    if duplicate.is_visible():  # a demo survivor may share the birth date: a different person
        continue_(page)


def fill_origin_and_languages(page) -> None:
    heading_is(page, "Origin and languages", 2)
    type_into(page.get_by_label("Languages"), LANGUAGES)
    page.keyboard.press("Enter")
    heading_is(page, "Safety", 3)


def resume_the_draft(page) -> None:
    drafts = page.get_by_role("region", name="Continue where you left off")
    draft = drafts.get_by_role("link", name=re.compile(rf"^AC-\d{{4}}-\w{{6}} · {INITIALS}$"))
    expect(draft).to_have_count(1)
    press_enter_on(draft)


def jump_to_step(page, number: int) -> None:
    steps = page.get_by_role("navigation", name="Jump to a step")
    press_enter_on(steps.get_by_role("link", name=str(number), exact=True))


def fill_safety(page) -> None:
    heading_is(page, "Safety", 3)
    type_into(page.get_by_label("Current safety situation"), SAFETY_SITUATION)
    type_into(page.get_by_label("Where they are staying now"), SAFE_LOCATION)
    continue_(page)


def mark_text_messages_safe(page) -> None:
    heading_is(page, "Safe contact", 4)
    tick(page.get_by_role("group", name="Text message").get_by_label("Safe to use"))
    continue_(page)


def note_shelter_as_a_need(page) -> None:
    heading_is(page, "Situation and needs", 5)
    tick(page.get_by_role("group", name="Immediate needs").get_by_label("Shelter"))
    continue_(page)


def name_the_guardian(page) -> None:
    heading_is(page, "Guardian or custodian", 6)
    type_into(page.get_by_label("Guardian, custodian or agency"), GUARDIAN)
    page.keyboard.press("Enter")


def finish_the_intake(page) -> str:
    heading = page.get_by_role("heading", name="Check before you finish")
    expect(heading).to_be_visible()
    code = heading.locator(".code").inner_text()
    assert SURVIVOR_CODE.fullmatch(code)
    expect(page.get_by_text(GUARDIAN)).to_be_visible()
    expect(page.get_by_role("heading", name="Safety", exact=True)).to_be_visible()
    expect(page.get_by_text(SAFETY_SITUATION)).to_be_visible()
    press_enter_on(page.get_by_role("button", name="Finish intake"))
    expect(page.get_by_text("Intake is complete.")).to_be_visible()
    return code


def record_consent_to_share_with_harbor(page) -> None:
    press_enter_on(
        page.get_by_role("navigation", name="Work on this record").get_by_role(
            "link", name="Consent", exact=True
        )
    )
    page.get_by_role("heading", name="Record a consent").wait_for()
    choose(page.get_by_label("Shared with"), "Harbor Legal Aid")
    choose(page.get_by_label("Purpose"), "Legal representation")
    shared = page.get_by_role("group", name="What may be shared")
    tick(shared.get_by_label("Identity: names, date of birth, origin, languages"))
    tick(shared.get_by_label("Needs, referrals and service plan"))
    choose(page.get_by_label("How consent was given"), "Written, signed")
    expect(page.get_by_label("Given on")).to_have_value(timezone.localdate().isoformat())
    tick(page.get_by_label("The minor agrees"))
    type_into(page.get_by_label("Guardian or agency consenting"), GUARDIAN)
    press_enter_on(page.get_by_role("button", name="Record consent"))
    expect(page.get_by_text("Consent recorded.")).to_be_visible()
    expect(
        page.get_by_role("heading", name="Harbor Legal Aid · Legal representation")
    ).to_be_visible()


def refer_to_harbor(page, code: str) -> str:
    press_enter_on(page.get_by_role("link", name=code, exact=True))  # the breadcrumb
    press_enter_on(
        page.get_by_role("navigation", name="Work on this record").get_by_role(
            "link", name="Refer", exact=True
        )
    )
    page.get_by_role("heading", name="Refer to another organization").wait_for()
    choose(page.get_by_label("Refer to", exact=True), "Harbor Legal Aid")
    choose(page.get_by_label("For", exact=True), "Legal representation")
    press_enter_on(page.get_by_role("button", name="Send referral"))
    expect(page.get_by_text("Referral sent.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/survivors/referrals/\d+/$"))
    return page.url


def value_of(page, term: str):
    """The <dd> that follows the <dt> named `term` in a details list."""
    return page.locator("dl.details dt", has_text=re.compile(rf"^{term}$")).locator("+ dd")


# --- The test -------------------------------------------------------------------------------


def test_a_minor_is_taken_in_on_a_phone_resumed_consented_and_referred_by_keyboard(
    phone_page, open_phone, live_server, demo
):
    base = live_server.url
    today = timezone.localdate()
    born = today.replace(year=today.year - 14, day=min(today.day, 28))  # 14 years old

    # 1-2. The intake worker starts an intake of a 14-year-old on her phone.
    page = phone_page
    sign_in(page, base, INTAKE_WORKER, demo)
    open_new_intake(page)
    heading_is(page, "About the person", 1, total=None)
    fill_about_the_person(page, born)
    survivor_path = re.search(r"/survivors/\d+/", page.url).group(0)
    fill_origin_and_languages(page)

    # 3. She closes the browser mid-way, signs in again and picks the draft up where she was.
    page.context.close()
    page = open_phone()
    sign_in(page, base, INTAKE_WORKER, demo)
    open_new_intake(page)
    resume_the_draft(page)
    expect(page).to_have_url(re.compile(rf"{survivor_path}intake/3/$"))
    heading_is(page, "Safety", 3)
    jump_to_step(page, 2)
    heading_is(page, "Origin and languages", 2)
    expect(page.get_by_label("Languages")).to_have_value(LANGUAGES)
    continue_(page)

    # 4. The remaining steps; the guardian step is asked because she is a minor.
    fill_safety(page)
    mark_text_messages_safe(page)
    note_shelter_as_a_need(page)
    name_the_guardian(page)
    code = finish_the_intake(page)
    expect(page).to_have_url(re.compile(rf"{survivor_path}$"))
    expect(page.locator(".badges").get_by_text("Minor", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(LEGAL_NAME)

    # 5-6. Consent to share identity and needs with Harbor, then the referral.
    record_consent_to_share_with_harbor(page)
    referral_url = refer_to_harbor(page, code)
    page.context.close()

    # 7. Harbor's coordinator receives it and sees what the consent covers, nothing more.
    page = open_phone()
    sign_in(page, base, HARBOR_COORDINATOR, demo)
    press_enter_on(main_nav_link(page, "Referrals", keyboard=True))
    received = page.get_by_role("region", name="Received")
    press_enter_on(received.get_by_role("link", name=code, exact=True))
    expect(page).to_have_url(referral_url)
    expect(page.get_by_role("heading", name=f"Referral of {code}")).to_be_visible()
    expect(value_of(page, "From")).to_have_text("Safe Haven Shelter")
    expect(value_of(page, "Status")).to_have_text("Sent")
    press_enter_on(page.get_by_role("link", name="Open the survivor's record"))
    expect(page).to_have_url(base + survivor_path)
    expect(page.get_by_text("Shared by Safe Haven Shelter with consent")).to_be_visible()
    expect(value_of(page, "Legal name")).to_have_text(LEGAL_NAME)
    expect(page.get_by_role("heading", name="Immediate needs")).to_be_visible()
    expect(page.get_by_role("heading", name="Safety", exact=True)).to_have_count(0)
    expect(page.get_by_role("heading", name="Current location")).to_have_count(0)
    expect(page.get_by_role("heading", name="Safe contact")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text(SAFETY_SITUATION)
    expect(page.locator("main")).not_to_contain_text(SAFE_LOCATION)
    page.context.close()

    # 8. Riverside was not referred: neither the referral nor the record exists for them.
    page = open_phone()
    sign_in(page, base, RIVERSIDE_COORDINATOR, demo)
    assert page.goto(referral_url).status == 404
    assert page.goto(base + survivor_path).status == 404
    expect(page.locator("main")).not_to_contain_text(LEGAL_NAME)
