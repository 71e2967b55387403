"""Referral turnaround: for referrals Harbor received and sent in the hand-counted quarter,
the days from sent to accepted by month sent, the median, and the chart that repeats
the table. Sent and accepted through the real services, on a moving clock."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from reports.tables import HIDDEN, SHOWN, SMALL
from survivors.models import Purpose, Referral
from survivors.services.sharing import referral_move, referral_send
from tests.actors import actor_of
from tests.reports.conftest import NY, TODAY, _consent
from tests.reports.test_report_page import chart_of, table_of
from tests.reports.test_suppression import attack

pytestmark = pytest.mark.django_db

# Received from Safe Haven: 11 sent on 10 Jan (5 accepted the same day, 3 after 2 days,
# 2 after 5, one after 40), one sent on 3 Feb and accepted after 10 days.
RECEIVED = [(1, 10, d) for d in (0, 0, 0, 0, 0, 2, 2, 2, 5, 5, 40)] + [(2, 3, 10)]


def _at(month, day, hour=9):
    return datetime.datetime(2027, month, day, hour, 0, tzinfo=NY)


def _refer(time_machine, *, by, survivor, to, when, accepted_by=None, after=None):
    time_machine.move_to(when, tick=False)
    referral = referral_send(
        actor=actor_of(by),
        survivor=survivor,
        to_organization=to,
        purpose=Purpose.LEGAL_REPRESENTATION,
    )
    if accepted_by is not None:
        time_machine.move_to(when + datetime.timedelta(days=after, hours=1), tick=False)
        referral_move(
            actor=actor_of(accepted_by), referral=referral, status=Referral.Status.ACCEPTED
        )
    return referral


@pytest.fixture
def referred(quarter, time_machine, intake_worker, coordinator, partner_coordinator, safehaven):
    harbor = quarter.harbor
    for matter, (month, day, after) in zip(quarter.matters["reporting"], RECEIVED, strict=True):
        _refer(
            time_machine,
            by=intake_worker,
            survivor=matter.client,
            to=harbor,
            when=_at(month, day),
            accepted_by=coordinator,
            after=after,
        )
    # Shared without a reporting consent: accepted, but never counted.
    _refer(
        time_machine,
        by=intake_worker,
        survivor=quarter.matters["no_consent"][0].client,
        to=harbor,
        when=_at(1, 10),
        accepted_by=coordinator,
        after=0,
    )
    # Sent by Harbor for its own 3 clients on 1 March: one accepted the next day.
    for matter in quarter.matters["own"]:
        _consent(matter.client, safehaven, Purpose.LEGAL_REPRESENTATION, coordinator.user)
    # Sent in December, accepted in January: outside the quarter. Completed in February,
    # so the same client may be referred to Safe Haven again in March.
    december = _refer(
        time_machine,
        by=coordinator,
        survivor=quarter.matters["own"][0].client,
        to=safehaven,
        when=datetime.datetime(2026, 12, 20, 9, 0, tzinfo=NY),
        accepted_by=partner_coordinator,
        after=20,
    )
    time_machine.move_to(_at(2, 1), tick=False)
    december.refresh_from_db()
    referral_move(
        actor=actor_of(partner_coordinator), referral=december, status=Referral.Status.COMPLETED
    )
    for n, matter in enumerate(quarter.matters["own"]):
        _refer(
            time_machine,
            by=coordinator,
            survivor=matter.client,
            to=safehaven,
            when=_at(3, 1),
            accepted_by=partner_coordinator if n == 0 else None,
            after=1,
        )
    time_machine.move_to(TODAY, tick=False)
    return quarter


@pytest.fixture
def page(referred, coordinator, client_for):
    return client_for(coordinator).get(reverse("reports:page")).text


def test_the_median_days_match_the_hand_count(page):
    assert table_of(page, "turnaround_median") == {
        "January 2027": ["no referral accepted", "2.00"],
        "February 2027": ["no referral accepted", "from fewer than 11 referrals"],
        "March 2027": ["from fewer than 11 referrals", "no referral accepted"],
        # Received: 0 0 0 0 0 2 | 2 2 5 5 10 40.
        "Whole period": ["from fewer than 11 referrals", "2.00"],
    }


def test_received_referrals_by_days_until_accepted(page):
    table = table_of(page, "turnaround_received")
    assert table["Total"][-1] == "12"  # the unconsented person's referral is left out
    assert table["March 2027"] == ["0"] * 6
    # January's 11 are all shown as small or hidden: no bucket has 11 or more.
    assert all(text in ("0", "fewer than 11", "not shown") for text in table["January 2027"][:5])
    assert table_of(page, "turnaround_sent")["Total"][-1] == "fewer than 11"


@pytest.mark.parametrize("key", ["turnaround_sent", "turnaround_received"])
def test_the_chart_shows_the_numbers_of_the_line_of_totals(page, key):
    bars, table = chart_of(page, key), table_of(page, key)
    assert list(bars) == [
        "Same day",
        "1 to 2 days",
        "3 to 7 days",
        "8 to 30 days",
        "More than 30 days",
    ]
    assert list(bars.values()) == table["Total"][:-1]


@pytest.mark.parametrize("key", ["turnaround_sent", "turnaround_received"])
def test_no_suppressed_turnaround_can_be_worked_out_from_the_margins(page, key):
    rows = list(table_of(page, key).values())
    published = [[int(t) if t.isdigit() else None for t in row] for row in rows]
    states = [
        [SMALL if t.startswith("fewer") else HIDDEN if t == "not shown" else SHOWN for t in row]
        for row in rows
    ]
    seen = attack(published, states, bound=15)
    for (r, c), values in seen.items():
        if states[r][c] == SMALL:
            assert len(values) > 1, (key, r, c, values)


def test_the_turnaround_reads_in_spanish(referred, coordinator, client_for):
    page = client_for(coordinator).get(reverse("reports:page"), HTTP_ACCEPT_LANGUAGE="es").text
    assert "Mediana de días desde el envío hasta la aceptación" in page
    assert "ninguna derivación aceptada" in page
