"""The attorney corrects a receipt number and a hearing's date, and finds both in History."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from cases.models import Deadline, Matter
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ATTORNEY = "attorney@harbor.example"
RECEIPT = "IOE0912345678"


def test_the_attorney_corrects_a_receipt_number_and_sees_it_in_history(page, live_server, demo):
    matter = (
        Matter.objects.filter(lead_attorney__email=ATTORNEY, deadlines__kind="hearing")
        .order_by("-pk")
        .first()
    )
    before = matter.receipt_number or "—"
    hearing = matter.deadlines.filter(kind="hearing").first()
    sign_in(page, live_server.url, ATTORNEY, demo)
    page.goto(f"{live_server.url}/matters/{matter.pk}/")

    page.get_by_role("link", name="Correct the details").click()
    page.get_by_label("Receipt number").fill(RECEIPT)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(matter.number)
    expect(page.locator("dl.details")).to_contain_text(RECEIPT)

    # The hearing moves a week: the date picker sends the date as browsers do.
    moved = hearing.due_date + timedelta(days=7)
    page.locator(f"a[href='/matters/deadlines/{hearing.pk}/edit/']").click()
    page.get_by_label("Due date").fill(moved.isoformat())
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Deadline saved.")).to_be_visible()
    assert Deadline.objects.get(pk=hearing.pk).due_date == moved

    page.get_by_role("link", name="History", exact=True).first.click()
    table = page.get_by_role("table")
    receipt_row = table.get_by_role("row").filter(has_text="Receipt number")
    expect(receipt_row).to_contain_text(RECEIPT)
    expect(receipt_row).to_contain_text(before)
    expect(receipt_row).to_contain_text("Alex Attorney")  # who
    expect(table.get_by_role("row").filter(has_text="Due date").first).to_be_visible()
