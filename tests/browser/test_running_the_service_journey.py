"""Running the service, from nothing to a working organization.

The platform administrator creates an organization and invites its first admin; the
admin joins with a password and an authenticator and invites an attorney, who joins
the same way and lands in the organization as an attorney. The platform administrator
never sees an organization's records.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD as DEMO_PASSWORD
from tests.browser.conftest import PHONE, main_nav_link
from tests.browser.test_volunteer_journey import code_from

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLATFORM = "platform@aftercare.example"
ADMIN = "lee.admin@lakeside.example"
ATTORNEY = "ari.attorney@lakeside.example"


def join(page, base_url: str, link: str, name: str, password: str) -> None:
    """Open an invitation link, create the account, connect the authenticator."""
    page.goto(base_url + link)
    page.get_by_label("Your full name").fill(name)
    page.get_by_label("Choose a password").fill(password)
    page.get_by_label("The same password again").fill(password)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    code, _ = code_from(page.locator("code.secret").inner_text().strip())
    page.get_by_label("6-digit code shown by your authenticator app").fill(code)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def last_link() -> str:
    return re.search(r"/account/join/\S+/", mail.outbox[-1].body).group(0)


def test_a_platform_admin_starts_an_organization_whose_admin_invites_an_attorney(
    demo, open_context, live_server
):
    platform = open_context()
    platform.goto(live_server.url + "/")
    platform.get_by_label("Email address").fill(PLATFORM)
    platform.get_by_label("Password").fill(DEMO_PASSWORD)
    platform.get_by_role("button", name="Continue").click()
    platform.get_by_label("Code from your authenticator app").fill(demo.code_for(PLATFORM))
    platform.get_by_role("button", name="Sign in").click()
    expect(platform.get_by_role("heading", name="Organizations")).to_be_visible()

    platform.get_by_role("link", name="New organization").click()
    platform.get_by_label("Name").fill("Lakeside Legal Aid")
    platform.get_by_label("Kind").select_option(label="Legal aid organization")
    platform.get_by_label("Country").select_option(label="Canada")
    platform.get_by_role("button", name="Create the organization").click()
    expect(platform.get_by_role("status")).to_contain_text("The organization was created.")
    expect(platform.get_by_role("heading", level=1)).to_have_text("Lakeside Legal Aid")
    expect(platform.get_by_text("Canada", exact=True)).to_be_visible()
    platform.get_by_label("Email address of its first admin").fill(ADMIN)
    platform.get_by_role("button", name="Send the invitation").click()
    expect(platform.get_by_role("status")).to_contain_text("The invitation is on its way.")

    admin = open_context(**PHONE)
    join(admin, live_server.url, last_link(), "Lee Admin", "lee's own long admin passphrase")
    expect(admin.get_by_text("Lakeside Legal Aid · Organization admin")).to_be_visible()
    main_nav_link(admin, "Members").click()
    admin.get_by_role("link", name="Invite staff").click()
    admin.get_by_label("Email address").fill(ATTORNEY)
    admin.get_by_label("Role").select_option(label="Attorney")
    admin.get_by_role("button", name="Send the invitation").click()
    expect(admin.get_by_role("status")).to_contain_text("The invitation is on its way.")
    expect(admin.get_by_text(re.compile(f"{ATTORNEY} · Attorney .* waiting"))).to_be_visible()

    attorney = open_context()
    join(attorney, live_server.url, last_link(), "Ari Attorney", "ari's own long passphrase")
    expect(attorney.get_by_text("Lakeside Legal Aid · Attorney")).to_be_visible()

    # The platform administrator sees the new admin counted, and no organization's records.
    platform.get_by_role("link", name="Organizations").first.click()
    row = platform.get_by_role("row", name=re.compile("Lakeside Legal Aid"))
    expect(row).to_contain_text("1")
    response = platform.goto(live_server.url + "/survivors/")
    assert response.status == 404
