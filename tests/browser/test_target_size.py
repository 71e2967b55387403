"""Tick boxes and radio buttons are at least 24 by 24 CSS pixels (WCAG 2.2, 2.5.8): the
documents page's template choice was 20 px, the one finding axe reported (issue #17)."""

import pytest
from django.urls import reverse

from cases.models import Matter
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ATTORNEY = "attorney@harbor.example"


def test_every_radio_and_tick_box_on_the_documents_page_is_big_enough(page, live_server, demo):
    matter = Matter.objects.filter(lead_attorney__email=ATTORNEY, closed_at__isnull=True).first()
    sign_in(page, live_server.url, ATTORNEY, demo)
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(live_server.url + reverse("cases:documents", args=[matter.pk]))
    targets = page.locator('input[type="radio"], input[type="checkbox"]')
    assert targets.count() > 0
    for box in (targets.nth(i).bounding_box() for i in range(targets.count())):
        assert box["width"] >= 24 and box["height"] >= 24, box
