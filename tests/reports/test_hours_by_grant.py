"""Hours by grant on the reports page and in its exports, for the hand-counted quarter.

The quarter's hours (tests/reports/conftest.py) are all on one T visa matter of a
client counted by consent: a volunteer's 90 minutes on 20 Jan and 30 on 5 Mar, the
attorney's 60 on 6 Mar. Here the volunteer's are charged to OVC, the attorney's to
none; a Riverside grant and the hours of an uncounted client never show.
"""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cases.models import Grant, TimeEntry
from tests.reports.conftest import QUARTER
from tests.reports.test_exports import csv_sections
from tests.reports.test_report_page import table_of

pytestmark = pytest.mark.django_db


def _grant(org, code, start, end):
    return Grant.objects.create(
        organization=org,
        funder="Funder",
        code=code,
        name=f"{code} award",
        starts_on=start,
        ends_on=end,
        matter_kinds=["immigration"],
        activities=["drafting"],
    )


@pytest.fixture
def charged(quarter, riverside):
    ovc = _grant(quarter.harbor, "OVC-1", datetime.date(2026, 10, 1), datetime.date(2027, 9, 30))
    _grant(quarter.harbor, "OLD-1", datetime.date(2020, 1, 1), datetime.date(2020, 12, 31))
    _grant(riverside, "RIVER-1", datetime.date(2026, 1, 1), datetime.date(2027, 12, 31))
    TimeEntry.objects.filter(person=quarter.volunteer.user).update(grant=ovc)
    # An uncounted client's hours on the same grant: left out like every figure of theirs.
    TimeEntry.objects.create(
        matter=quarter.matters["no_consent"][0],
        person=quarter.attorney.user,
        date=datetime.date(2027, 2, 2),
        minutes=600,
        activity="drafting",
        grant=ovc,
    )
    return ovc


def test_hours_by_grant_match_the_hand_count(charged, coordinator, client_for):
    page = client_for(coordinator).get(reverse("reports:page"), {**QUARTER, "hour_value": "40"})
    assert table_of(page.text, "grants") == {
        "OVC-1 · OVC-1 award": ["2.00", "80.00"],
        "No grant": ["1.00", "40.00"],
        "Total": ["3.00", "120.00"],
    }
    assert "Hours by grant" in page.text
    assert "RIVER-1" not in page.text  # another organization's grant, not even as a filter
    # A grant of another period is a filter to choose, not a line of this table.
    assert re.search(r'<option value="\d+">OLD-1</option>', page.text)


def test_a_kind_filter_narrows_the_hours(charged, coordinator, client_for):
    page = client_for(coordinator).get(reverse("reports:page"), {**QUARTER, "kind": "civil"})
    assert table_of(page.text, "grants")["Total"] == ["0.00", "0.00"]


def test_hours_by_grant_are_exported_like_every_table(charged, coordinator, client_for):
    client = client_for(coordinator, sudo=True)
    params = {**QUARTER, "hour_value": "25"}
    body = client.get(reverse("reports:export_csv"), params).content.decode()
    assert csv_sections(body)["Hours by grant"] == [
        ["Grant", "Hours", "Value (USD)"],
        ["OVC-1 · OVC-1 award", "2.00", "50.00"],
        ["No grant", "1.00", "25.00"],
        ["Total", "3.00", "75.00"],
    ]
    book = load_workbook(io.BytesIO(client.get(reverse("reports:export_xlsx"), params).getvalue()))
    rows = list(book["Hours by grant"].iter_rows(values_only=True))
    assert rows[1] == ("Grant", "Hours", "Value (USD)")
    assert rows[2][0] == "OVC-1 · OVC-1 award" and float(rows[2][1]) == 2.0


def test_hours_by_grant_read_in_spanish(charged, coordinator, client_for):
    page = (
        client_for(coordinator)
        .get(reverse("reports:page"), QUARTER, HTTP_ACCEPT_LANGUAGE="es")
        .text
    )
    assert "Horas por subvención" in page and "Sin subvención" in page
