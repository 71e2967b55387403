"""People served by kind of trafficking, age group, first language and country of origin,
for the hand-counted quarter: values read only where the basis allows it, rare spellings
pooled, small cells suppressed so that the margins give none away."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from reports.tables import HIDDEN, SHOWN, SMALL
from survivors.models import Consent, Purpose
from tests.reports.test_report_page import chart_of, table_of
from tests.reports.test_suppression import attack

pytestmark = pytest.mark.django_db


def _set(survivor, **fields):
    for name, value in fields.items():
        setattr(survivor, name, value)
    survivor.save()


@pytest.fixture
def described(quarter):
    """The 12 shared people (reporting consent covers identity only): 11 born in 1995
    (31 at the end of March 2027), one in 2010 (16); 11 from Mexico in two spellings, one
    from Honduras; languages as typed at intake. Their kinds of trafficking are recorded
    but not shared for reporting. Harbor's own 3 clients: born 1970 (57), labor; one also
    sex trafficking; no country or language recorded. The 2 unconsented people: never."""
    for n, matter in enumerate(quarter.matters["reporting"]):
        _set(
            matter.client,
            date_of_birth=datetime.date(2010, 6, 1) if n == 0 else datetime.date(1995, 3, 31),
            country_of_origin="Honduras" if n == 0 else ["Mexico", "Mexico", " mexico"][n % 3],
            languages="Spanish (native), English (basic)" if n % 2 else "spanish",
            trafficking_kinds=["labor"],
        )
    for n, matter in enumerate(quarter.matters["own"]):
        _set(
            matter.client,
            date_of_birth=datetime.date(1970, 1, 1),
            trafficking_kinds=["labor", "sex"] if n == 0 else ["labor"],
        )
    for matter in quarter.matters["no_consent"]:
        _set(matter.client, country_of_origin="Ruritania", date_of_birth=datetime.date(1960, 1, 1))
    return quarter


@pytest.fixture
def page(described, coordinator, client_for):
    return client_for(coordinator).get(reverse("reports:page")).text


def test_people_by_age_group_at_the_end_of_the_period(page):
    assert table_of(page, "age") == {
        "Under 18": ["fewer than 11"],
        "18 to 24": ["0"],
        "25 to 34": ["11"],  # two small cells: neither can be solved from the total
        "35 to 49": ["0"],
        "50 and over": ["fewer than 11"],
        "Not recorded": ["0"],
        "Not shared for reporting": ["0"],
        "Total": ["15"],
    }
    assert chart_of(page, "age")["Under 18"] == "fewer than 11"


def test_kinds_of_trafficking_are_counted_only_where_the_consent_covers_them(page):
    assert table_of(page, "trafficking") == {
        "Sex trafficking": ["0"],
        "Labor trafficking": ["fewer than 11"],
        "Child trafficking": ["0"],
        "Forced marriage": ["0"],
        "More than one kind": ["fewer than 11"],
        "Not recorded": ["0"],
        "Not shared for reporting": ["12"],
        "Total": ["15"],
    }


def test_spellings_are_merged_and_rare_ones_pooled(page):
    assert table_of(page, "country") == {
        "Mexico": ["11"],
        "Other countries": ["fewer than 11"],
        "Not recorded": ["fewer than 11"],
        "Not shared for reporting": ["0"],
        "Total": ["15"],
    }
    assert "Honduras" not in page and "Ruritania" not in page
    language = table_of(page, "language")
    # 12 would give the 3 away from the total of 15: hidden too.
    assert language["Spanish"] == ["not shown"]
    assert language["Not recorded"] == ["fewer than 11"]


def test_a_reporting_consent_without_identity_shares_no_age_or_origin(
    described, coordinator, client_for
):
    Consent.objects.filter(purpose=Purpose.REPORTING).update(categories=["situation"])
    page = client_for(coordinator).get(reverse("reports:page")).text
    age = table_of(page, "age")
    assert age["Under 18"] == age["25 to 34"] == ["0"]
    assert age["Not shared for reporting"] == ["not shown"]  # 12, next to a small 3
    assert "Mexico" not in table_of(page, "country")
    assert table_of(page, "trafficking")["Labor trafficking"] == ["not shown"]


@pytest.mark.parametrize("key", ["age", "trafficking", "country", "language"])
def test_no_suppressed_breakdown_can_be_worked_out_from_the_margins(page, key):
    """The attacker reads the table and the number of people served in the period from
    the people table, and solves the column: every small count keeps several values."""
    rows = list(table_of(page, key).values())
    served = int(table_of(page, "people")["Whole period (each person once)"][0])
    published, states = [], []
    for (text,) in rows:
        published.append([int(text) if text.isdigit() else None])
        states.append(
            [SMALL if text.startswith("fewer") else HIDDEN if text == "not shown" else SHOWN]
        )
    assert published[-1] in ([served], [None])
    published[-1], states[-1] = [served], [SHOWN]
    # One column with a total: each row is its own line too, so a column of one entry.
    seen = attack([[*row, *row] for row in published], [[*s, *s] for s in states])
    for (r, _c), values in seen.items():
        if states[r][0] == SMALL:
            assert len(values) > 1, (key, rows[r], values)


def test_the_breakdowns_read_in_spanish(described, coordinator, client_for):
    page = client_for(coordinator).get(reverse("reports:page"), HTTP_ACCEPT_LANGUAGE="es").text
    assert "Personas atendidas por grupo de edad" in page
    assert "No compartido para informes" in page


def test_when_a_month_is_small_the_breakdowns_hide_their_total_too(
    described, coordinator, client_for
):
    """Five shared matters closed in January: February and March have 10 people each, so
    the people table hides its whole-period figure; the breakdowns' totals are that same
    15, and an attacker who reads them all cannot solve any small count."""
    from cases.models import Matter
    from tests.reports.conftest import at

    closed = [m.pk for m in described.matters["reporting"][1:6]]
    Matter.objects.filter(pk__in=closed).update(closed_at=at(2027, 1, 15))
    page = client_for(coordinator).get(reverse("reports:page")).text
    people = table_of(page, "people")
    assert people["February 2027"] == ["fewer than 11"]
    assert people["Whole period (each person once)"] == ["not shown"]
    for key in ("age", "trafficking", "country", "language"):
        rows = list(table_of(page, key).values())
        assert rows[-1] == ["not shown"], key
        published = [[int(t) if t.isdigit() else None] for (t,) in rows]
        states = [
            [SMALL if t.startswith("fewer") else HIDDEN if t == "not shown" else SHOWN]
            for (t,) in rows
        ]
        seen = attack([[*r, *r] for r in published], [[*s, *s] for s in states], bound=20)
        for (r, _c), values in seen.items():
            if states[r][0] == SMALL:
                assert len(values) > 1, (key, rows[r], values)


def test_a_client_file_gives_its_own_birth_date_whatever_the_consent(
    described, coordinator, client_for
):
    """One shared person engaged Harbor: her client file (born 1985, Guatemala) is
    Harbor's own, so it counts even once the reporting consent covers nothing of
    identity; the other eleven are then not shared for reporting."""
    from survivors.models import Engagement

    client = described.matters["reporting"][1].client
    Engagement.objects.create(
        survivor=client,
        organization=described.harbor,
        engaged_on=datetime.date(2027, 1, 2),
        scope="T visa",
        recorded_by=coordinator.user,
        legal_name="Client File Name",
        date_of_birth=datetime.date(1985, 5, 5),
        country_of_origin="Guatemala",
    )
    Consent.objects.filter(purpose=Purpose.REPORTING).update(categories=["situation"])
    page = client_for(coordinator).get(reverse("reports:page")).text
    age = table_of(page, "age")
    assert age["35 to 49"] == ["fewer than 11"]  # the client file's 41 years
    assert age["50 and over"] == ["fewer than 11"]  # the 3 own clients
    assert age["25 to 34"] == ["0"]
    assert age["Not shared for reporting"] == ["11"]
    assert "Client File Name" not in page and "Guatemala" not in page
