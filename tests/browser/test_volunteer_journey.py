"""A volunteer from invitation to a matter and back out.

Harbor's coordinator invites a paralegal by email. The paralegal sets a password and an
authenticator, fills in the profile and uploads a training certificate; the coordinator
verifies it. The paralegal sees an anonymized opportunity, confirms no conflict and reads the
details; the coordinator assigns them from the ranked list. They write a note on the matter.
The coordinator unassigns them, and their very next click is a 404.
"""

import re
import time
from base64 import b32decode

import pytest
from django.core import mail
from django_otp.oath import TOTP
from playwright.sync_api import expect
from pypdf import PdfWriter

from cases.models import Matter
from tests.browser.conftest import PHONE, main_nav_link, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COORDINATOR = "coordinator@harbor.example"
NEWCOMER = "nadia.newcomer@volunteer.example"
PASSWORD = "my own long volunteer passphrase"
LANGUAGE = "Tigrinya"  # the opportunity this test posts, told apart from the demo's
NOTE = "Reviewed the timeline with the client; two gaps to ask about."


def code_from(secret: str, after_step: int = -1) -> tuple[str, int]:
    totp = TOTP(b32decode(secret + "=" * (-len(secret) % 8)), step=30, t0=0)
    totp.time = time.time()
    while totp.t() <= after_step:
        time.sleep(0.25)
        totp.time = time.time()
    return f"{totp.token():06d}", totp.t()


def certificate_pdf(path) -> str:
    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    writer.add_metadata({"/Author": "Nadia Newcomer personal laptop"})
    with open(path, "wb") as out:
        writer.write(out)
    return str(path)


def an_adult_agency_matter() -> Matter:
    """A demo matter a paralegal with a confidentiality training may take: an adult client
    of known age (unknown age is protected as a minor)."""
    matters = Matter.objects.filter(
        closed_at__isnull=True, client__is_minor=False, opportunities__isnull=True
    ).select_related("client")
    return next(m for m in matters.order_by("id") if m.client.date_of_birth is not None)


def test_a_volunteer_is_invited_onboards_is_assigned_and_loses_access_at_once(
    demo, open_context, live_server, tmp_path
):
    matter = an_adult_agency_matter()
    coordinator = open_context()
    sign_in(coordinator, live_server.url, COORDINATOR, demo)

    # The coordinator invites by email.
    main_nav_link(coordinator, "Volunteers").click()
    coordinator.get_by_role("link", name="Invite a volunteer").click()
    coordinator.get_by_label("Email address").fill(NEWCOMER)
    coordinator.get_by_label("Role").select_option(label="Paralegal")
    coordinator.get_by_role("button", name="Send the invitation").click()
    expect(coordinator.get_by_role("status")).to_contain_text("The invitation is on its way.")
    link = re.search(r"/volunteers/join/\S+/", mail.outbox[-1].body).group(0)

    # The volunteer joins on a phone: password, then the authenticator.
    volunteer = open_context(**PHONE)
    volunteer.goto(live_server.url + link)
    expect(volunteer.get_by_role("heading", name="Volunteer with Harbor Legal Aid")).to_be_visible()
    volunteer.get_by_label("Your full name").fill("Nadia Newcomer")
    volunteer.get_by_label("Choose a password").fill(PASSWORD)
    volunteer.get_by_label("The same password again").fill(PASSWORD)
    volunteer.get_by_role("button", name="Create my account").click()
    expect(volunteer.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    secret = volunteer.locator("code.secret").inner_text().strip()
    code, _ = code_from(secret)
    volunteer.get_by_label("6-digit code shown by your authenticator app").fill(code)
    volunteer.get_by_role("button", name="Confirm").click()
    expect(volunteer.get_by_role("heading", name="Recovery codes")).to_be_visible()
    volunteer.get_by_role("link", name="Continue").click()
    expect(volunteer.get_by_role("heading", name="Dashboard")).to_be_visible()

    # The profile, and a certificate.
    volunteer.get_by_role("link", name="Complete your profile").click()
    volunteer.get_by_label("Languages").fill(f"{LANGUAGE} (native), English (fluent)")
    volunteer.get_by_label("Immigration").check()
    volunteer.get_by_role("button", name="Save profile").click()
    expect(volunteer.get_by_role("status")).to_contain_text("Your profile is saved.")
    volunteer.get_by_text("Add a training or check").click()
    volunteer.get_by_label("Training or check").select_option(label="Confidentiality training")
    volunteer.get_by_label("Completed on").fill("2026-09-01")
    volunteer.get_by_label("Certificate (optional)").set_input_files(
        certificate_pdf(tmp_path / "certificate.pdf")
    )
    volunteer.get_by_role("button", name="Save", exact=True).click()
    expect(
        volunteer.get_by_role("row", name=re.compile("Confidentiality training"))
    ).to_contain_text("awaiting verification")

    # The coordinator verifies it and posts an opportunity on a matter.
    main_nav_link(coordinator, "Volunteers").click()
    coordinator.get_by_role("link", name="Nadia Newcomer").click()
    coordinator.get_by_role("button", name="Verify Confidentiality training").click()
    expect(coordinator.get_by_role("status")).to_contain_text("Verified.")
    coordinator.goto(f"{live_server.url}/matters/{matter.pk}/")
    coordinator.get_by_role("link", name="Find and assign volunteers").click()
    coordinator.get_by_label("Role needed").select_option(label="Paralegal")
    coordinator.get_by_label("Language needed").fill(LANGUAGE)
    coordinator.get_by_label("What the work involves").fill("Gather documents for the filing.")
    coordinator.get_by_role("button", name="Post the opportunity").click()
    expect(coordinator.get_by_role("status")).to_contain_text("Volunteers can see this opportunity")

    # The volunteer sees it anonymized, confirms no conflict, reads the details.
    main_nav_link(volunteer, "Dashboard").click()
    volunteer.get_by_role("link", name=re.compile("open opportunit")).click()
    card = volunteer.locator("li.card").filter(has_text=LANGUAGE)
    expect(card).not_to_contain_text(matter.client.code)
    expect(card).not_to_contain_text(matter.number)
    card.get_by_role("button", name="I am interested").click()
    expect(volunteer.get_by_text("Gather documents for the filing.")).to_have_count(0)
    volunteer.get_by_label("I confirm I have no conflict of interest").check()
    volunteer.get_by_role("button", name="Confirm and show the details").click()
    expect(volunteer.get_by_text("Gather documents for the filing.")).to_be_visible()

    # The coordinator assigns from the ranked list, where the volunteer is marked interested.
    coordinator.reload()
    entry = coordinator.locator("ol.ranked > li").filter(has_text="Nadia Newcomer")
    expect(entry).to_contain_text("interested, no conflict confirmed")
    expect(entry).to_contain_text("Carries 0 of 3 matters.")
    entry.get_by_role("button", name="Assign Nadia Newcomer").click()
    expect(coordinator.get_by_role("status")).to_contain_text("Nadia Newcomer is on the team now.")

    # The volunteer works the matter.
    main_nav_link(volunteer, "Opportunities").click()
    volunteer.get_by_role("link", name="My volunteer profile").click()
    volunteer.get_by_role("link", name=matter.number).click()
    expect(volunteer.get_by_role("heading", level=1)).to_contain_text(matter.number)
    volunteer.get_by_label("Note (privileged)").fill(NOTE)
    volunteer.get_by_role("button", name="Add note").click()
    expect(volunteer.get_by_text(NOTE)).to_be_visible()

    # The coordinator unassigns; the volunteer's next click is a 404.
    coordinator.get_by_role("button", name="Unassign Nadia Newcomer").click()
    expect(coordinator.get_by_role("status")).to_contain_text("Their access ended.")
    with volunteer.expect_response(re.compile(r"/documents/$")) as info:
        volunteer.get_by_role("link", name="Documents").click()
    response = info.value
    assert response.status == 404
    expect(volunteer.get_by_role("heading", level=1)).to_have_text("Not found")
