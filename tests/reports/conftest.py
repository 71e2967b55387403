"""A hand-counted quarter at Harbor (Q1 2027), seen from 15 April 2027.

- 12 people recorded by Safe Haven whose consent to Harbor covers reporting, each with a
  T visa matter opened 1 Dec 2026, filed; each approved on 1 Feb 2027 with T status; a
  deadline on 10 Mar 2027 met by 11 of them and missed by one.
- 3 of Harbor's own clients (recorded 5 Feb 2027), each a TVPRA matter opened 10 Feb
  2027 at intake; two recovered money on 1 Mar 2027 (1,000 and 2,500 USD).
- 2 people shared with Harbor for legal representation only (no reporting consent), with
  T visa matters opened 5 Jan 2027 and approved: left out of every figure.
- Riverside's 4 clients with matters and outcomes in the quarter: never counted.
- A volunteer logs 90 minutes on 20 Jan and 30 on 5 Mar; the attorney logs 60 (staff).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from aftercare.models import Role
from cases.models import Deadline, Matter, MatterOutcome, TimeEntry
from survivors.models import Consent, Purpose, Survivor
from tests.factories import MembershipFactory, make_matter, make_survivor, make_volunteer

NY = ZoneInfo("America/New_York")
TODAY = datetime.datetime(2027, 4, 15, 10, 0, tzinfo=NY)
QUARTER = {"start": "2027-01-01", "end": "2027-03-31"}


def at(y, m, d) -> datetime.datetime:
    return datetime.datetime(y, m, d, 12, 0, tzinfo=NY)


@dataclass
class Quarter:
    harbor: object
    attorney: object
    volunteer: object
    matters: dict


def _consent(survivor, recipient, purpose, by):
    Consent.objects.create(
        survivor=survivor,
        recipient=recipient,
        purpose=purpose,
        categories=["identity"],
        method=Consent.Method.WRITTEN,
        given_on=datetime.date(2026, 11, 1),
        recorded_by=by,
    )


def _matter(org, client, lead, sub_kind, opened, stage):
    matter = make_matter(org, client=client, lead=lead, sub_kind=sub_kind)
    Matter.objects.filter(pk=matter.pk).update(opened_at=opened, stage=stage)
    return matter


def _outcome(matter, kind, day, **fields):
    MatterOutcome.objects.create(
        matter=matter, kind=kind, date=day, recorded_by=matter.lead_attorney, **fields
    )


@pytest.fixture
def quarter(time_machine, harbor, safehaven, riverside, attorney, coordinator, intake_worker):
    time_machine.move_to(TODAY, tick=False)
    lead = attorney.user
    matters = {"reporting": [], "own": [], "no_consent": []}
    for n in range(12):
        person = make_survivor(safehaven, legal_name=f"Shared Person {n}")
        _consent(person, harbor, Purpose.REPORTING, intake_worker.user)
        _consent(person, harbor, Purpose.LEGAL_REPRESENTATION, intake_worker.user)
        matter = _matter(harbor, person, lead, "t_visa", at(2026, 12, 1), "filed")
        _outcome(matter, "filed", datetime.date(2026, 12, 15))
        _outcome(matter, "approved", datetime.date(2027, 2, 1))
        _outcome(matter, "status", datetime.date(2027, 2, 1), status="t_nonimmigrant")
        Deadline.objects.create(
            matter=matter,
            kind="filing",
            due_date=datetime.date(2027, 3, 10),
            status="missed" if n == 0 else "done",
            created_by=lead,
        )
        matters["reporting"].append(matter)
    for n in range(3):
        person = make_survivor(harbor, legal_name=f"Own Client {n}")
        matter = _matter(harbor, person, lead, "tvpra_damages", at(2027, 2, 10), "intake")
        if n < 2:
            amount = Decimal("1000.00") if n == 0 else Decimal("2500.00")
            _outcome(matter, "recovered", datetime.date(2027, 3, 1), amount=amount, currency="USD")
        matters["own"].append(matter)
    for n in range(2):
        person = make_survivor(safehaven, legal_name=f"Unconsented Person {n}")
        _consent(person, harbor, Purpose.LEGAL_REPRESENTATION, intake_worker.user)
        matter = _matter(harbor, person, lead, "t_visa", at(2027, 1, 5), "filed")
        _outcome(matter, "approved", datetime.date(2027, 2, 1))
        matters["no_consent"].append(matter)
    river_lead = MembershipFactory(organization=riverside, role=Role.ATTORNEY).user
    for n in range(4):
        person = make_survivor(riverside, legal_name=f"Riverside Client {n}")
        matter = _matter(riverside, person, river_lead, "t_visa", at(2027, 1, 5), "filed")
        _outcome(matter, "approved", datetime.date(2027, 2, 1))
    # Records exist from before the quarter; Harbor's own from 5 Feb.
    Survivor.objects.filter(organization=safehaven).update(created_at=at(2026, 10, 1))
    Survivor.objects.filter(organization=riverside).update(created_at=at(2026, 10, 1))
    Survivor.objects.filter(organization=harbor).update(created_at=at(2027, 2, 5))
    volunteer = make_volunteer(harbor)
    first = matters["reporting"][0]
    for day, minutes, person in (
        (datetime.date(2027, 1, 20), 90, volunteer.user),
        (datetime.date(2027, 3, 5), 30, volunteer.user),
        (datetime.date(2027, 3, 6), 60, lead),
    ):
        TimeEntry.objects.create(
            matter=first, person=person, date=day, minutes=minutes, activity="drafting"
        )
    assert timezone.localdate() == datetime.date(2027, 4, 15)
    return Quarter(harbor, attorney, volunteer, matters)
