"""The API's documentation page works under the site's Content-Security-Policy."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_without_a_csp_refusal(page, live_server):
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.get_by_text("/api/v1/referrals/", exact=True).first.wait_for()
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("Aftercare partner API")
    refused = [text for text in messages if "Content Security Policy" in text]
    assert not refused, refused
