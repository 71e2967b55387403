"""The reports page: for a hand-counted quarter, the figures a coordinator reads, the
charts that repeat them, who may open it, and what is never counted."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from aftercare.models import AuditEvent
from tests.reports.conftest import QUARTER

pytestmark = pytest.mark.django_db


def table_of(html: str, key: str) -> dict[str, list[str]]:
    """{row label: [cell texts]} of the table `key`, read from the page as a reader would."""
    block = html.split(f'data-table="{key}"', 1)[1].split("</table>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", block, flags=re.S):
        header = re.search(r'<th scope="row">(.*?)</th>', row, flags=re.S)
        if header:
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
            rows[header.group(1).strip()] = [c.strip() for c in cells]
    return rows


def chart_of(html: str, key: str) -> dict[str, str]:
    """{bar label: the number or words it shows}, parsed from the SVG."""
    svg = re.search(rf'<svg [^>]*data-chart="{key}".*?</svg>', html, flags=re.S).group(0)
    root = ET.fromstring(svg)  # noqa: S314  (our own page)
    ns = "{http://www.w3.org/2000/svg}"
    bars = {}
    for group in root.iter(f"{ns}g"):
        texts = [t.text for t in group.iter(f"{ns}text")]
        bars[texts[0]] = texts[1]
        has_bar = group.find(f"{ns}rect") is not None
        assert has_bar == (texts[1] not in ("fewer than 11", "not shown"))
    return bars


@pytest.fixture
def page(quarter, coordinator, client_for):
    response = client_for(coordinator).get(reverse("reports:page"))
    assert response.status_code == 200
    return response.text


def test_the_default_period_is_the_last_quarter(page):
    assert 'value="2027-01-01"' in page and 'value="2027-03-31"' in page


def test_people_served_per_month_match_the_hand_count(page):
    assert table_of(page, "people") == {
        "January 2027": ["12"],
        "February 2027": ["15"],
        "March 2027": ["15"],
        "Whole period (each person once)": ["15"],
    }
    assert chart_of(page, "people") == {
        "January 2027": "12",
        "February 2027": "15",
        "March 2027": "15",
    }


def test_small_cells_are_suppressed_and_their_complements_hidden(page):
    matters = table_of(page, "matters")
    assert matters["Civil claim"] == ["fewer than 11", "0", "fewer than 11"]
    # 12 and 3 would give the 3 away from the grand total of 15: the 12s are hidden too.
    assert matters["Immigration"] == ["0", "not shown", "not shown"]
    assert matters["Total"] == ["fewer than 11", "not shown", "15"]
    assert "12" not in str(matters) and "3" not in str(matters).replace("15", "")


def test_outcomes_count_only_the_quarter_and_never_another_organization(page):
    outcomes = table_of(page, "outcomes")
    # Columns: Approved, Amount recovered, Status obtained, Total. "Filed" was in December.
    # The 2 recoveries are few; the column of totals would give them away from the grand
    # total, so the immigration total is hidden, and with it one immigration count.
    assert outcomes["Immigration"] == ["not shown", "0", "12", "not shown"]
    assert outcomes["Civil claim"] == ["0", "fewer than 11", "0", "fewer than 11"]
    assert outcomes["Total"] == ["not shown", "fewer than 11", "12", "26"]
    assert table_of(page, "statuses")["T nonimmigrant"] == ["12"]
    money = table_of(page, "money")
    assert money["USD"] == ["from fewer than 11 outcomes", "0.00"]


def test_deadlines_met_and_missed(page):
    assert table_of(page, "deadlines") == {
        "Met": ["not shown"],
        "Missed": ["fewer than 11"],
        "Past due, still open": ["0"],
        "Total": ["12"],
    }


def test_volunteer_hours_are_valued_at_the_rate_chosen(quarter, coordinator, client_for):
    page = client_for(coordinator).get(reverse("reports:page"), {**QUARTER, "hour_value": "40"})
    assert table_of(page.text, "hours") == {
        "January 2027": ["1.50", "60.00"],
        "February 2027": ["0.00", "0.00"],
        "March 2027": ["0.50", "20.00"],
        "Total": ["2.00", "80.00"],
    }
    assert chart_of(page.text, "hours")["January 2027"] == "1.50"


def test_caseload_per_attorney(page, quarter):
    caseload = table_of(page, "caseload")
    lead = quarter.attorney.user.full_name or quarter.attorney.user.email
    assert caseload[lead] == ["15"]
    assert caseload["Total"] == ["15"]


def test_the_report_says_who_was_left_out_and_why(page):
    left = table_of(page, "left_out")
    assert left == {
        "shared with the organization without a current consent to reporting": ["fewer than 11"],
        "erased on request": ["0"],
    }


def test_no_name_appears_anywhere(page):
    for name in ("Shared Person", "Own Client", "Unconsented", "Riverside Client"):
        assert name not in page


def test_a_partner_ngo_sees_only_its_own_people_and_no_legal_outcomes(
    quarter, partner_coordinator, client_for
):
    page = client_for(partner_coordinator).get(reverse("reports:page")).text
    assert table_of(page, "people")["January 2027"] == ["14"]
    assert table_of(page, "outcomes")["Total"][-1] == "0"
    assert table_of(page, "matters")["Total"][-1] == "0"


def test_a_kind_filter_narrows_the_matters(quarter, coordinator, client_for):
    page = client_for(coordinator).get(reverse("reports:page"), {**QUARTER, "kind": "civil"})
    assert table_of(page.text, "matters")["Total"][-1] == "fewer than 11"
    assert table_of(page.text, "people")["January 2027"] == ["0"]


def test_bad_dates_are_a_message_and_keep_what_was_typed(coordinator, client_for):
    page = client_for(coordinator).get(
        reverse("reports:page"), {"start": "2027-03-01", "end": "2027-01-01"}
    )
    assert page.status_code == 200
    assert "The end comes after the start." in page.text
    assert 'value="2027-03-01"' in page.text
    assert "data-table=" not in page.text


@pytest.mark.parametrize("persona", ["coordinator", "org_admin", "partner_coordinator"])
def test_coordinators_and_admins_open_the_reports(persona, request, client_for):
    member = request.getfixturevalue(persona)
    page = client_for(member).get(reverse("dashboard"))
    assert reverse("reports:page") in page.text  # the navigation offers it
    assert client_for(member).get(reverse("reports:page")).status_code == 200


@pytest.mark.parametrize("persona", ["attorney", "paralegal", "intake_worker"])
@pytest.mark.parametrize(
    "url", ["reports:page", "reports:export_csv", "reports:export_xlsx", "reports:export_pdf"]
)
def test_everyone_else_gets_404_and_a_denied_event(persona, url, request, client_for):
    member = request.getfixturevalue(persona)
    client = client_for(member, sudo=True)
    assert reverse("reports:page") not in client.get(reverse("dashboard")).text
    assert client.get(reverse(url)).status_code == 404
    event = AuditEvent.objects.filter(action="aftercare.access.denied").latest("id")
    assert event.actor == member.user


def test_the_page_reads_as_many_queries_with_more_rows(quarter, coordinator, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_matter, make_survivor

    client = client_for(coordinator)
    client.get(reverse("reports:page"))
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("reports:page"))
    for n in range(3):
        make_matter(quarter.harbor, client=make_survivor(quarter.harbor, legal_name=f"More {n}"))
    with CaptureQueriesContext(connection) as after:
        client.get(reverse("reports:page"))
    assert len(after.captured_queries) <= len(before.captured_queries) + 1  # one attorney more
    assert len(before.captured_queries) <= 30


@pytest.mark.parametrize(
    "params",
    [
        {"start": "0001-01-01"},
        {"end": "9999-12-31"},
        {"start": "2000-01-01", "end": "2027-01-01"},
        {"hour_value": "NaN"},
        {"hour_value": "1e999"},
        {"hour_value": "-5"},
        {"kind": "nonsense"},
        {"start": "²"},
    ],
)
def test_hostile_input_is_a_message_not_an_error(params, coordinator, client_for):
    page = client_for(coordinator).get(reverse("reports:page"), params)
    assert page.status_code == 200
    assert "usa-error-message" in page.text
    assert "data-table=" not in page.text


def test_a_revoked_reporting_consent_or_an_erasure_takes_the_person_out(
    quarter, coordinator, client_for
):
    from django.utils import timezone

    from survivors.models import Consent, Purpose
    from survivors.services.retention import survivor_erase
    from tests.actors import actor_of

    revoked = quarter.matters["reporting"][0].client
    Consent.objects.filter(survivor=revoked, purpose=Purpose.REPORTING).update(
        revoked_at=timezone.now()
    )
    survivor_erase(actor=actor_of(coordinator), survivor=quarter.matters["own"][0].client)
    page = client_for(coordinator).get(reverse("reports:page")).text
    assert table_of(page, "people") == {
        "January 2027": ["11"],
        "February 2027": ["13"],
        "March 2027": ["13"],
        "Whole period (each person once)": ["13"],
    }
    assert table_of(page, "left_out") == {
        "shared with the organization without a current consent to reporting": ["fewer than 11"],
        "erased on request": ["fewer than 11"],
    }
    assert table_of(page, "statuses")["T nonimmigrant"] == ["11"]


def test_every_chart_parses_and_shows_the_numbers_of_its_table(page):
    keys = re.findall(r'data-chart="(\w+)"', page)
    assert sorted(keys) == sorted(
        [
            "people",
            "trafficking",
            "age",
            "matters",
            "outcomes",
            "deadlines",
            "turnaround_sent",
            "turnaround_received",
            "hours",
            "caseload",
        ]
    )
    for key in keys:
        bars, table = chart_of(page, key), table_of(page, key)
        header = re.findall(
            r'<th scope="col">(.*?)</th>',
            page.split(f'data-table="{key}"', 1)[1].split("</thead>")[0],
        )[1:]
        for label, text in bars.items():
            if key in ("outcomes", "turnaround_sent", "turnaround_received"):  # per column
                assert table["Total"][header.index(label)] == text
            elif key == "matters":  # a bar per kind: its total
                assert table[label][-1] == text
            else:
                assert table[label][0] == text


def test_the_report_reads_in_spanish(quarter, coordinator, client_for):
    page = client_for(coordinator).get(reverse("reports:page"), HTTP_ACCEPT_LANGUAGE="es").text
    assert "Personas atendidas por mes" in page
    assert "menos de 11" in page and "no se muestra" in page
    assert "enero de 2027" in page


def test_a_large_staff_shows_the_busiest_attorneys_and_the_others_on_one_line(
    quarter, coordinator, client_for, monkeypatch
):
    """The page names the busiest attorneys only (a table of every attorney of a large
    organization is unreadable, and costs time that grows with the staff); the exports
    name every one."""
    from reports import views
    from tests.factories import MembershipFactory, make_survivor
    from tests.reports.conftest import _matter, at

    monkeypatch.setattr(views, "CASELOAD_SHOWN", 2)
    second = MembershipFactory(
        organization=quarter.harbor, role="attorney", user__full_name="Second Busiest"
    ).user
    MembershipFactory(organization=quarter.harbor, role="attorney", user__full_name="Idle Third")
    client = make_survivor(quarter.harbor, legal_name="Another Own Client")
    _matter(quarter.harbor, client, second, "tvpra_damages", at(2027, 2, 10), "intake")
    lead = quarter.attorney.user.full_name or quarter.attorney.user.email

    page = client_for(coordinator).get(reverse("reports:page"), QUARTER).text
    caseload = table_of(page, "caseload")
    # The lead (15), the second (1), then the volunteer attorney and the idle one (0).
    assert list(caseload) == [lead, "Second Busiest", "2 other attorneys", "Total"]
    assert caseload["2 other attorneys"] == ["0"]
    assert list(chart_of(page, "caseload")) == [lead, "Second Busiest", "2 other attorneys"]
    assert "the 2 with the most" in page
    assert "Idle Third" not in page

    exporter = client_for(coordinator, sudo=True)
    body = exporter.get(reverse("reports:export_csv"), QUARTER).content.decode()
    assert "Idle Third" in body and "other attorneys" not in body
