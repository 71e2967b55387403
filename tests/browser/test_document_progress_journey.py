"""The document service is down when the paralegal asks for a PDF: the page says it is
queued, then, without a reload, that the service did not answer, and offers to try again;
when the worker is back, the same live region says the PDF is ready (one region, updated
in place, so a screen reader hears each step once)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import DocumentDraft, Matter
from cases.services.documents import document_render_run
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARALEGAL = "paralegal@harbor.example"


def test_a_worker_that_does_not_answer_is_reported_and_a_retry_succeeds(page, live_server, demo):
    matter = Matter.objects.filter(sub_kind="t_visa", user_grants__user__email=PARALEGAL).first()
    sign_in(page, live_server.url, PARALEGAL, demo)
    page.goto(f"{live_server.url}/matters/{matter.pk}/documents/")
    page.get_by_label("Declaration in support of a T-visa application").check()
    page.get_by_role("button", name="Start").click()
    page.get_by_label("Attorney's bar number").fill("NY-5551234")
    page.get_by_label("Statement", exact=False).fill("I was recruited in 2024.")
    page.get_by_role("button", name="Generate the PDF").click()  # no worker is running

    progress = page.get_by_role("region", name="The PDF")
    status = progress.get_by_role("status")
    expect(status).to_contain_text("Queued")
    expect(progress.get_by_role("link", name="Check again")).to_be_hidden()  # the script polls
    page.evaluate("document.getElementById('document-status').dataset.probe = 'kept'")

    draft = DocumentDraft.objects.get(matter=matter)
    long_ago = timezone.now() - DocumentDraft.QUEUE_PATIENCE - timedelta(seconds=1)
    DocumentDraft.objects.filter(pk=draft.pk).update(status_changed_at=long_ago)
    expect(status).to_contain_text("The document service did not answer", timeout=10_000)
    assert page.evaluate("document.getElementById('document-status').dataset.probe") == "kept"

    progress.get_by_role("button", name="Try again").click()
    expect(status).to_contain_text("Queued")
    page.evaluate("document.getElementById('document-status').dataset.probe = 'kept'")
    document_render_run(draft_id=draft.pk, user_id=draft.created_by_id)  # the worker is back
    expect(status).to_contain_text("Version 1 is ready", timeout=10_000)
    expect(status.get_by_role("link", name="Download the PDF")).to_be_visible()
    assert page.evaluate("document.getElementById('document-status').dataset.probe") == "kept"

    page.get_by_role("link", name="Documents").first.click()
    drafts = page.get_by_role("region", name="Drafts")
    expect(drafts).to_contain_text("Declaration in support of a T-visa application")
    expect(drafts).not_to_contain_text("t_visa_declaration")
