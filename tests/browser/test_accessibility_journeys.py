"""Each persona's day on a 360-pixel phone, by keyboard, in English and then in Spanish, with
axe-core run on every page visited, forms shown with their errors included: no violation of
any impact (issue #17). The main pages are also photographed at 360 and 1280 px into
var/screenshots/ (git-ignored) for people to look at.

One signed-in browser per persona: a second sign-in of the same person would wait for the
next authenticator code. The language is switched with the language menu in the footer, by
keyboard, as a person would. Pages are reached by their address (this is not a test of the
navigation); wherever the journey acts, it does so as a keyboard user: focus, type, Space to
tick, Enter to submit.
"""

from __future__ import annotations

import re
from base64 import b32decode

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from aftercare.models import Organization, User
from cases.models import Matter
from survivors.models import Referral, Survivor
from tests.browser.axe import AXE_CONTEXT, AxeAudit, screenshot
from tests.browser.conftest import PASSWORD, TOTP_SECRET

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The language menu names each language in itself; typing its first letters chooses it.
LANGUAGES = [("en", "En"), ("es", "Es")]


# --- Keyboard only --------------------------------------------------------------------------


def type_into(field, text: str) -> None:
    field.focus()
    field.page.keyboard.type(text)


def press_enter_on(control) -> None:
    """Press a button or follow a link as a keyboard user does, and wait for the next page."""
    control.focus()
    with control.page.expect_navigation():
        control.page.keyboard.press("Enter")


def submit(form) -> None:
    """Submit a form with its (last) submit button, by keyboard; a form folded away in a
    <details> is first unfolded with Enter on its summary."""
    if form.evaluate("f => f.closest('details') !== null && !f.closest('details').open"):
        form.locator("xpath=ancestor::details[1]/summary").focus()
        form.page.keyboard.press("Enter")
        expect(form).to_be_visible()
    press_enter_on(form.locator("button[type=submit], input[type=submit]").last)


def choose_first(select) -> None:
    """Choose the first real option of a closed <select> with the arrow keys."""
    select.focus()
    select.page.keyboard.press("Home")
    select.page.keyboard.press("ArrowDown")
    expect(select).not_to_have_value("")


def sign_in(page, base_url: str, email: str, authenticator, audit=None) -> None:
    """Password, then the authenticator's code, by keyboard; with an audit, axe checks the
    sign-in page in both languages and the code page (in Spanish)."""
    page.goto(base_url + reverse("account:login"))
    if audit is not None:
        audit.check(page, "sign-in")
        screenshot(page, "sign-in")
        use_language(page, "es", "Es")
        audit.check(page, "sign-in")
        screenshot(page, "sign-in")
    type_into(page.locator("input[name=username], input[type=email]").first, email)
    type_into(page.locator("input[type=password]"), PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    if audit is not None:
        audit.check(page, "sign-in-code")
    type_into(page.locator("input[autocomplete=one-time-code]"), authenticator.code_for(email))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(base_url + "/")


def use_language(page, code: str, typed: str) -> None:
    """Choose the language in the footer's menu by keyboard, unless it is already in use."""
    if page.locator("html").get_attribute("lang") == code:
        return
    menu = page.locator("#language-select")
    menu.focus()
    page.keyboard.type(typed)
    expect(menu).to_have_value(code)
    page.keyboard.press("Tab")  # to the menu's button
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", code)


def has_errors(page) -> None:
    """The page shows a form's errors: the error summary has the focus, the title says so."""
    expect(page.locator("[role=alert]").first).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: "))  # the same word in Spanish


class Journey:
    """A signed-in phone, the pages it visits, and axe on each of them."""

    def __init__(self, page, base_url: str) -> None:
        self.page = page
        self.base = base_url
        self.audit = AxeAudit(base_url)

    def visit(self, url: str, name: str, *, photo: bool = False) -> None:
        response = self.page.goto(self.base + url)
        assert response.status == 200, f"{url}: {response.status}"
        self.check(name, photo=photo)

    def check(self, name: str, *, photo: bool = False) -> None:
        self.audit.check(self.page, name)
        if photo:
            screenshot(self.page, name)

    def each_language(self):
        for code, typed in LANGUAGES:
            use_language(self.page, code, typed)
            yield code


@pytest.fixture
def journey_as(open_context, live_server, demo):
    def start(email: str, *, check_sign_in: bool = False) -> Journey:
        page = open_context(**AXE_CONTEXT)
        journey = Journey(page, live_server.url)
        sign_in(page, live_server.url, email, demo, journey.audit if check_sign_in else None)
        return journey

    return start


# --- The personas -------------------------------------------------------------------------


def test_intake_worker_takes_an_intake_to_the_review_and_saves_it(journey_as):
    journey = journey_as("intake@safehaven.example", check_sign_in=True)
    page = journey.page
    for language in journey.each_language():
        journey.check("dashboard", photo=True)
        journey.visit(reverse("survivors:intake"), "intake-1", photo=True)
        form = page.locator("main form[data-autosave]")
        submit(form)  # nothing typed yet
        has_errors(page)
        journey.check("intake-1-errors")
        type_into(page.locator("input[name=legal_name]"), f"Aroha Keyboard {language}")
        submit(form)
        for step in range(2, 7):
            if "/intake/review/" in page.url:
                break
            expect(page).to_have_url(re.compile(rf"/intake/{step}/$"))
            journey.check(f"intake-{step}", photo=step == 4)  # safe contact: the busiest
            submit(page.locator("main form[data-autosave]"))
        expect(page).to_have_url(re.compile(r"/intake/review/$"))
        journey.check("intake-review", photo=True)
        submit(page.locator("main form[action$='/intake/finish/']"))
        expect(page).to_have_url(re.compile(r"/survivors/\d+/$"))
        journey.check("survivor-after-intake")
    journey.audit.assert_clean()


def consented_to_riverside(count: int) -> list[Survivor]:
    """Harbor clients who consented to share their identity with Riverside for legal
    representation: the referral the coordinator sends by keyboard may then go."""
    from aftercare.demo import acting_as
    from survivors.models import Consent, DataCategory, Purpose
    from survivors.services.sharing import consent_record

    actor = acting_as("coordinator@harbor.example", "Harbor Legal Aid").actor
    riverside = Organization.objects.get(name="Riverside Legal Clinic")
    clients = Survivor.objects.filter(
        organization__name="Harbor Legal Aid", status="active", is_minor=False
    ).order_by("pk")[:count]
    for client in clients:
        consent_record(
            actor=actor,
            survivor=client,
            data={
                "recipient": riverside,
                "purpose": Purpose.LEGAL_REPRESENTATION,
                "categories": [DataCategory.IDENTITY],
                "method": Consent.Method.WRITTEN,
                "given_on": timezone.localdate(),
            },
        )
    return list(clients)


def test_coordinator_lists_opens_refers_answers_reports_and_plans(journey_as):
    clients = consented_to_riverside(len(LANGUAGES))
    waiting = list(
        Referral.objects.filter(
            to_organization__name="Harbor Legal Aid", status=Referral.Status.SENT
        ).order_by("pk")
    )
    journey = journey_as("coordinator@harbor.example")
    page = journey.page
    for n, _language in enumerate(journey.each_language()):
        journey.check("dashboard", photo=True)
        journey.visit(reverse("survivors:list"), "survivors", photo=True)
        journey.visit(reverse("survivors:detail", args=[clients[n].pk]), "survivor", photo=True)

        # Send a referral: first with nothing chosen, then to the shelter.
        journey.visit(reverse("survivors:refer", args=[clients[n].pk]), "refer")
        form = page.locator("main form[method=post]").last
        submit(form)
        has_errors(page)
        journey.check("refer-errors")
        choose_first(page.locator("select[name=to_organization]"))  # Riverside
        submit(page.locator("main form[method=post]").last)
        expect(page).to_have_url(re.compile(r"/survivors/referrals/\d+/$"))
        journey.check("referral-sent")

        # Answer a referral received from the shelter: without a status, then accepted.
        journey.visit(reverse("survivors:referrals"), "referrals", photo=True)
        journey.visit(reverse("survivors:referral", args=[waiting[n].pk]), "referral")
        answer = page.locator("main form[method=post]").last
        submit(answer)
        has_errors(page)
        journey.check("referral-errors")
        choose_first(page.locator("select[name=status]"))
        submit(page.locator("main form[method=post]").last)
        journey.check("referral-answered")
        waiting[n].refresh_from_db()
        assert waiting[n].status != Referral.Status.SENT

        journey.visit(reverse("volunteers:list"), "volunteers", photo=True)
        journey.visit(reverse("reports:page"), "reports", photo=True)
        journey.visit(reverse("cases:calendar"), "calendar", photo=True)
    journey.audit.assert_clean()


def test_attorney_works_matters_deadlines_documents_and_time(journey_as):
    attorney = "attorney@harbor.example"
    matter = Matter.objects.filter(lead_attorney__email=attorney, closed_at__isnull=True).first()
    journey = journey_as(attorney)
    page = journey.page
    for _language in journey.each_language():
        journey.visit(reverse("cases:list"), "matters", photo=True)
        journey.visit(reverse("cases:detail", args=[matter.pk]), "matter", photo=True)

        # A deadline with nothing filled in, then the page with its errors.
        submit(
            page.locator(f"form[action='{reverse('cases:deadline_new', args=[matter.pk])}']").last
        )
        has_errors(page)
        journey.check("deadline-errors")

        # Time logged without minutes: the error, on the matter page.
        journey.visit(reverse("cases:detail", args=[matter.pk]), "matter")
        submit(page.locator(f"form[action='{reverse('cases:time_add', args=[matter.pk])}']"))
        has_errors(page)
        journey.check("time-errors")

        journey.visit(reverse("cases:calendar"), "calendar")
        journey.visit(reverse("cases:documents", args=[matter.pk]), "documents", photo=True)
        # Start a document: the first template, chosen with Space.
        first = page.locator("main input[type=radio][name=template]").first
        first.focus()
        page.keyboard.press("Space")
        submit(page.locator("main form[method=post]").first)
        expect(page).to_have_url(re.compile(r"/matters/documents/\d+/$"))
        journey.check("document-draft", photo=True)
    journey.audit.assert_clean()


def test_paralegal_prepares_documents_and_a_packet(journey_as):
    paralegal = User.objects.get(email="paralegal@harbor.example")
    matter = (
        Matter.objects.filter(user_grants__user=paralegal, closed_at__isnull=True)
        .order_by("pk")
        .first()
    )
    journey = journey_as(paralegal.email)
    page = journey.page
    for _language in journey.each_language():
        journey.check("dashboard")
        journey.visit(reverse("cases:documents", args=[matter.pk]), "documents")
        journey.visit(reverse("cases:packets", args=[matter.pk]), "packets", photo=True)
        submit(page.locator("main form[method=post]").first)  # New packet
        expect(page).to_have_url(re.compile(r"/matters/packets/\d+/$"))
        journey.check("packet", photo=True)
    journey.audit.assert_clean()


def test_volunteer_sees_their_profile_and_assignments(journey_as):
    from volunteers.models import Assignment

    volunteer = Assignment.objects.active().order_by("pk").first().user
    volunteer.set_password(PASSWORD)
    volunteer.save(update_fields=["password"])
    TOTPDevice.objects.create(
        user=volunteer, name="Authenticator", key=b32decode(TOTP_SECRET).hex(), confirmed=True
    )
    matter = Assignment.objects.active().filter(user=volunteer).first().matter
    journey = journey_as(volunteer.email)
    page = journey.page
    for _language in journey.each_language():
        journey.check("volunteer-dashboard", photo=True)
        journey.visit(reverse("volunteers:me"), "volunteer-profile", photo=True)
        # A bar admission with nothing filled in: the errors.
        submit(page.locator(f"form[action='{reverse('volunteers:admission_add')}']"))
        has_errors(page)
        journey.check("admission-errors")
        journey.visit(reverse("volunteers:opportunities"), "opportunities", photo=True)
        journey.visit(reverse("cases:detail", args=[matter.pk]), "volunteer-matter")
    journey.audit.assert_clean()


def test_org_admin_manages_members_and_invitations(journey_as):
    journey = journey_as("admin@harbor.example")
    page = journey.page
    admin = User.objects.get(email="admin@harbor.example")
    for _language in journey.each_language():
        journey.visit(reverse("member_list"), "members", photo=True)
        member = admin.memberships.get().pk
        journey.visit(reverse("member_detail", args=[member]), "member")
        journey.visit(reverse("staff_invitations"), "invitations", photo=True)
        submit(page.locator("main form[method=post]").first)
        has_errors(page)
        journey.check("invitation-errors")
        journey.visit(reverse("organization"), "organization", photo=True)
        journey.visit(reverse("audit_trail"), "audit-trail")
    journey.audit.assert_clean()
