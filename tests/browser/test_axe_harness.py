"""The accessibility harness itself (tests/browser/axe.py): it finds what it should and
says it readably. No database, no server: a page set in the browser."""

import pytest

from tests.browser.axe import AXE_CONTEXT, assert_accessible

pytestmark = [pytest.mark.browser]


def test_axe_reports_what_it_finds_readably(browser):
    """The harness itself: a page with an unlabelled field and an image without words fails
    with the rule, its impact and the element, and a fine page passes."""
    context = browser.new_context(**AXE_CONTEXT)
    page = context.new_page()
    page.set_content(
        '<html lang="en"><head><title>T</title></head><body><main><h1>T</h1>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input id="x"></main></body></html>'
    )
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page, "sample")
    assert "sample: image-alt (critical)" in str(failure.value)
    assert "sample: label (critical)" in str(failure.value)
    assert "    img" in str(failure.value)
    page.set_content(
        '<html lang="en"><head><title>T</title></head><body><main><h1>T</h1>'
        '<label for="x">Name</label><input id="x"></main></body></html>'
    )
    assert_accessible(page, "sample")
    context.close()
