"""Harbor's coordinator merges a duplicate found by the duplicate check, in Chromium: from
the record, to the compare page, a choice where the records disagree, the code typed to
confirm; then the duplicate's address leads to the kept record."""

from datetime import date

import pytest
from playwright.sync_api import expect

from aftercare.models import AuditEvent, Organization
from survivors.models import Survivor
from tests.browser.conftest import sign_in
from tests.factories import make_survivor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HARBOR_COORDINATOR = "coordinator@harbor.example"


def test_the_coordinator_merges_a_duplicate_and_its_address_leads_to_the_kept_record(
    page, live_server, demo
):
    harbor = Organization.objects.get(contact_email="intake@harbor.example")
    born = date(1988, 2, 14)
    kept = make_survivor(harbor, legal_name="Mirela Dragan", date_of_birth=born, gender="Woman")
    merged = make_survivor(
        harbor,
        legal_name="Mirela Dragan",
        date_of_birth=born,
        gender="Female",
        nationality="Romanian",
        aliases=["Mira Dragomir"],
    )
    base = live_server.url

    sign_in(page, base, HARBOR_COORDINATOR, demo)
    page.goto(f"{base}/survivors/{kept.pk}/")
    page.get_by_role("link", name="Merge with a duplicate").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Duplicates of record {kept.code}")
    page.get_by_role("row", name=merged.code).get_by_role("link", name="Compare and merge").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Merge record {merged.code} into record {kept.code}"
    )
    page.get_by_role("button", name="Merge the records").click()
    # Nothing chosen where they disagree, no code typed: refused, nothing merged.
    expect(page.get_by_text("The code does not match.")).to_be_hidden()
    expect(page.get_by_text("This field is required.").first).to_be_visible()
    page.get_by_label(f"{merged.code}: Female").check()
    page.get_by_label(f"Type the code {merged.code} to confirm").fill(merged.code)
    page.get_by_role("button", name="Merge the records").click()

    expect(
        page.get_by_role("status").filter(has_text="was merged into this record")
    ).to_be_visible()
    assert page.url.rstrip("/").endswith(f"/survivors/{kept.pk}")
    expect(page.get_by_text("Mira Dragomir")).to_be_visible()  # the duplicate's alias moved
    kept.refresh_from_db()
    assert (kept.gender, kept.nationality) == ("Female", "Romanian")
    assert Survivor.objects.get(pk=merged.pk).merged_into_id == kept.pk
    assert AuditEvent.objects.filter(action="survivors.survivor.merged").count() == 1

    page.goto(f"{base}/survivors/{merged.pk}/")
    expect(
        page.get_by_role("status").filter(
            has_text=f"Record {merged.code} was merged into record {kept.code}."
        )
    ).to_be_visible()
    assert page.url.rstrip("/").endswith(f"/survivors/{kept.pk}")
