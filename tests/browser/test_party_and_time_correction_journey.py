"""The attorney corrects a party's name and a time entry's hours from the matter page."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Matter, Party, TimeEntry
from cases.services.matters import party_add
from cases.services.work import time_log
from tests.actors import lead_actor
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ATTORNEY = "attorney@harbor.example"


def test_the_attorney_renames_a_party_and_corrects_hours(page, live_server, demo):
    matter = Matter.objects.filter(lead_attorney__email=ATTORNEY).order_by("-pk").first()
    actor = lead_actor(matter)
    party = party_add(actor=actor, matter=matter, role="employer", name="Wendell Orrisford")
    entry = time_log(
        actor=actor,
        matter=matter,
        date=timezone.localdate() - timedelta(days=1),
        minutes=30,
        activity="research",
    )
    sign_in(page, live_server.url, ATTORNEY, demo)
    page.goto(f"{live_server.url}/matters/{matter.pk}/")

    page.locator(f"a[href='/matters/parties/{party.pk}/edit/']").click()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Wendell Orrisford")
    page.get_by_label("Name", exact=True).fill("Wendell Orrisforde")
    page.get_by_label("Other names").fill("Del Orris")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The conflict check found no match.")).to_be_visible()
    expect(page.locator("#parties")).to_contain_text("Wendell Orrisforde")
    assert sorted(a.name for a in Party.objects.get(pk=party.pk).alias_set.all()) == ["Del Orris"]

    page.locator(f"a[href='/matters/hours/{entry.pk}/edit/']").click()
    expect(page.get_by_label("Hours")).to_have_value("0.5")
    page.get_by_label("Hours").fill("1.3")
    page.get_by_label("Activity").select_option("drafting")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Time entry saved.")).to_be_visible()
    saved = TimeEntry.objects.get(pk=entry.pk)
    assert (saved.minutes, saved.activity) == (78, "drafting")

    page.goto(f"{live_server.url}/matters/{matter.pk}/history/")
    table = page.get_by_role("table")
    expect(table.get_by_role("row").filter(has_text="Wendell Orrisforde")).to_contain_text(
        "Wendell Orrisford"
    )
    expect(table.get_by_role("row").filter(has_text="Minutes")).to_contain_text("78")
