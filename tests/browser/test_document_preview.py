"""The paralegal previews a draft on pleading paper: the page loads everything it asks for
under its own Content-Security-Policy, in our court font, and says which wording applies."""

import pytest
from playwright.sync_api import expect

from cases.models import Matter
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARALEGAL = "paralegal@harbor.example"


def test_the_preview_breaks_no_content_security_policy_and_uses_the_court_font(
    page, live_server, demo
):
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.on("requestfailed", lambda r: refused.append(r.url))
    matter = Matter.objects.filter(sub_kind="t_visa", user_grants__user__email=PARALEGAL).first()
    sign_in(page, live_server.url, PARALEGAL, demo)
    page.goto(f"{live_server.url}/matters/{matter.pk}/documents/")
    page.get_by_label("Declaration in support of a T-visa application").check()
    page.get_by_role("button", name="Start").click()
    page.get_by_label("Statement", exact=False).fill("First fact.\n\nSecond fact.")
    page.get_by_label("Pleading paper (28 numbered lines)").check()
    page.get_by_role("button", name="Save the draft").click()

    page.get_by_role("link", name="Preview").click()
    preview = page.get_by_role("article", name="Document preview")
    expect(preview.get_by_role("listitem")).to_have_count(2)
    expect(preview).to_contain_text("Verify against local rules.")
    expect(preview).to_contain_text("The PDF is on pleading paper")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.fonts.check('12pt \"Court Serif\"')")
    assert page.evaluate(
        "[...document.fonts].some(f => f.family.includes('Court Serif') && f.status === 'loaded')"
    )
    assert refused == []
