"""The working file in one sitting (issue #13): the attorney corrects a receipt number,
logs an RFE that came by mail, checks and confirms its computed response deadline, and
gives the paralegal a task; the paralegal finds it on the dashboard and completes it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from playwright.sync_api import expect

from aftercare.history import FieldChange
from aftercare.models import User
from cases.models import AgencyNotice, Deadline, Matter, Task
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ATTORNEY = "attorney@harbor.example"
PARALEGAL = "paralegal@harbor.example"
RECEIPT = "IOE0998877665"
RFE_RULE = "Response to a request for evidence"
TASK = "Gather the pay stubs the RFE asks for"


def long_date(day) -> str:
    """A date as the computation's steps show it in English."""
    with translation.override("en"):
        return date_format(day, "DATE_FORMAT")


def test_an_attorney_works_an_rfe_and_the_paralegal_finishes_the_task(
    page, open_context, live_server, demo
):
    base = live_server.url
    paralegal = User.objects.get(email=PARALEGAL)
    matter = (
        Matter.objects.filter(
            kind="immigration",
            lead_attorney__email=ATTORNEY,
            user_grants__user=paralegal,
            closed_at__isnull=True,
        )
        .exclude(notices__isnull=False)
        .order_by("pk")
        .first()
    )
    assert matter is not None, "the demo has no open immigration matter for this journey"
    sign_in(page, base, ATTORNEY, demo)
    page.goto(base + reverse("cases:detail", args=[matter.pk]))

    # 1. A mistyped receipt number is corrected, and History says from what to what.
    page.get_by_role("link", name="Correct the details").click()
    page.get_by_label("Receipt number").fill(RECEIPT)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("dl.details")).to_contain_text(RECEIPT)
    assert FieldChange.objects.of(matter).filter(field="receipt_number").exists()

    # 2. An RFE that came by mail: its response deadline is computed, step by step, and
    # waits for an attorney to check it.
    noticed = timezone.localdate() - timedelta(days=3)
    notices = page.get_by_role("region", name="Agency notices")
    notices.get_by_text("Log a notice").click()
    notices.get_by_label("Notice", exact=True).select_option(label="Request for evidence (RFE)")
    notices.get_by_label("Notice date").fill(noticed.isoformat())
    notices.get_by_label("It came by mail").check()
    notices.get_by_label("Receipt number").fill(RECEIPT)
    notices.get_by_role("button", name="Log the notice").click()
    expect(page.get_by_role("status")).to_contain_text("Its response deadline was computed")
    # The demo may hold an earlier RFE response: this one is counted from this notice.
    card = page.locator("article.deadline-card").filter(
        has=page.get_by_role("heading", name=RFE_RULE, exact=True), has_text=long_date(noticed)
    )
    steps = card.locator("ol.computation li")
    expect(steps.first).to_contain_text(long_date(noticed))
    expect(steps.nth(2)).to_contain_text("Plus 3 days because the notice came by mail")
    card.get_by_role("button", name="I checked it: confirm this date").click()
    card = page.locator("article.deadline-card").filter(
        has=page.get_by_role("heading", name=RFE_RULE, exact=True), has_text=long_date(noticed)
    )
    expect(card.get_by_text("Confirmed by Alex Attorney")).to_be_visible()
    response = AgencyNotice.objects.get(matter=matter, kind="rfe").deadline
    assert Deadline.objects.get(pk=response.pk).confirmed_by.email == ATTORNEY

    # 3. A task for the paralegal, due before the response.
    tasks = page.get_by_role("region", name="Tasks")
    tasks.get_by_text("Add a task").click()
    tasks.get_by_label("What to do").fill(TASK)
    tasks.get_by_label("Due date").fill((timezone.localdate() + timedelta(days=14)).isoformat())
    tasks.get_by_label("Who", exact=True).select_option(label=paralegal.full_name or PARALEGAL)
    tasks.get_by_role("button", name="Add the task").click()
    expect(page.get_by_role("status")).to_contain_text("Task added.")

    # 4. The paralegal sees it on the dashboard, under the matter's number, and does it.
    other = open_context()
    sign_in(other, base, PARALEGAL, demo)
    mine = other.get_by_role("region", name="Tasks").locator("li").filter(has_text=TASK)
    expect(mine).to_contain_text(matter.number)
    mine.get_by_role("button", name="Done").click()
    expect(other.get_by_role("status")).to_contain_text("Task done.")
    expect(other.get_by_text(TASK)).to_have_count(0)
    assert Task.objects.get(matter=matter, status="done").closed_by == paralegal
