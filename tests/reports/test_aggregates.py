"""The report from the aggregate tables equals the live computation, table for table and
cell for cell, before and after publishing (suppression included): over the hand-counted
quarter with every other test's data on it (breakdowns, turnaround, grants) and a person
served twice with a break, birthdays on the period's last day, a client file, a revoked
consent and an erasure; for whole quarters, odd periods and each filter; rebuilt, and
then kept fresh change by change. The live computation (`report_build`) is the reference.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from cases.models import Deadline, Matter, MatterOutcome, TimeEntry
from reports import signals
from reports.aggregate_report import report_build_aggregated
from reports.aggregates import organization_rebuild, person_key, survivor_refresh
from reports.models import GapTally, ReportPerson, ReportReady, ReportSpelling, Tally
from reports.periods import Period
from reports.queries import report_build
from reports.tables import publish
from reports.tasks import aggregates_refresh_task
from survivors.models import Consent, Engagement, Purpose, Survivor
from tests.factories import make_survivor
from tests.reports.conftest import NY, _matter, at
from tests.reports.test_breakdowns import described  # noqa: F401 (a fixture)
from tests.reports.test_hours_by_grant import charged  # noqa: F401 (a fixture)
from tests.reports.test_report_page import table_of
from tests.reports.test_turnaround import referred  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

THRESHOLD = 11
PERIODS = [
    Period(datetime.date(2027, 1, 1), datetime.date(2027, 3, 31)),  # the quarter
    Period(datetime.date(2027, 1, 15), datetime.date(2027, 3, 10)),  # odd days
    Period(datetime.date(2027, 2, 1), datetime.date(2027, 2, 1)),  # one day
    Period(datetime.date(2026, 11, 20), datetime.date(2027, 4, 30)),  # past today
    Period(datetime.date(2027, 1, 21), datetime.date(2027, 2, 9)),  # inside a break
    Period(datetime.date(2020, 1, 1), datetime.date(2022, 12, 31)),  # nothing at all
]


def _snapshot(report) -> list:
    """Every table as built (values, distinct total, cells marked small) and as published."""
    tables = [*report.tables, report.left_out]
    built = [
        (
            t.key,
            [str(r) for r in t.rows],
            [str(c) for c in t.columns],
            t.values,
            t.distinct_total,
            sorted(t.small_cells),
            sorted(t.none_cells),
            t.hide_grand_total,
            str(t.note),
        )
        for t in tables
    ]
    published = [
        [(label, [(c.value, c.state) for c in cells]) for label, cells in p.rows]
        for p in (publish(t, threshold=THRESHOLD) for t in tables)
    ]
    return [built, published]


def assert_same(
    organization_id: int, period: Period, kind: str = "", grant_id=None, change=None
) -> None:
    arguments = {
        "organization_id": organization_id,
        "period": period,
        "kind": kind,
        "grant_id": grant_id,
        "hour_value": Decimal("31.50"),
        "threshold": THRESHOLD,
    }
    live = _snapshot(report_build(**arguments))
    aggregated = _snapshot(report_build_aggregated(**arguments))
    for (key, *live_table), (_k, *table) in zip(live[0], aggregated[0], strict=True):
        assert table == live_table, (key, period, kind, grant_id, change)
    assert aggregated == live


def _tallies(organization_id: int) -> set:
    return {
        *Tally.objects.filter(organization_id=organization_id)
        .exclude(n=0, total=0)
        .values_list("scope", "measure", "value", "level", "bucket", "n", "total"),
        *GapTally.objects.filter(organization_id=organization_id)
        .exclude(n=0)
        .values_list("scope", "dimension", "value", "last_day", "next_day", "n"),
    }


@pytest.fixture
def varied(described, referred, charged, coordinator, time_machine):  # noqa: F811
    """Every report test's data at Harbor, and more of what makes distinct counts hard."""
    quarter = described
    harbor, lead = quarter.harbor, quarter.attorney.user
    # An own client served twice, with a break from 21 Jan to 9 Feb.

    twice = make_survivor(harbor, legal_name="Twice Served")
    first = _matter(harbor, twice, lead, "t_visa", at(2026, 12, 1), "closed")
    Matter.objects.filter(pk=first.pk).update(closed_at=at(2027, 1, 20))
    _matter(harbor, twice, lead, "tvpra_damages", at(2027, 2, 10), "intake")
    Survivor.objects.filter(pk=twice.pk).update(
        created_at=at(2026, 12, 1), closed_at=at(2027, 1, 20), status=Survivor.Status.CLOSED
    )
    # Birthdays about the periods' last days (18 on 31 March 2027, 17 the day after...).
    for n, born in enumerate(
        [
            datetime.date(2009, 3, 31),
            datetime.date(2009, 4, 1),
            datetime.date(2002, 3, 31),
            datetime.date(2002, 3, 10),
            datetime.date(2002, 3, 11),
            datetime.date(1977, 3, 31),
            datetime.date(1992, 2, 29),
        ]
    ):
        client = make_survivor(
            harbor,
            legal_name=f"Birthday {n}",
            date_of_birth=born,
            country_of_origin=["Eritrea", "eritrea ", "Viet  Nam"][n % 3],
            languages=["Tigrinya, English", "", "Vietnamese"][n % 3],
            trafficking_kinds=[["labor"], ["sex", "labor"], []][n % 3],
        )
        matter = _matter(harbor, client, lead, "u_visa", at(2027, 1, 2 + n), "filed")
        if n % 2:
            Matter.objects.filter(pk=matter.pk).update(closed_at=at(2027, 3, 1 + n))
        Deadline.objects.create(
            matter=matter,
            kind="filing",
            due_date=datetime.date(2027, 3, 20 + n),
            status=["open", "done", "missed"][n % 3],
            created_by=lead,
        )
        MatterOutcome.objects.create(
            matter=matter,
            kind="collected",
            date=datetime.date(2027, 2, 1 + n),
            amount=Decimal("100.25") * (n + 1),
            currency=["USD", "EUR"][n % 2],
            recorded_by=lead,
        )
        Matter.objects.filter(pk=matter.pk).update(grant=charged)
    Survivor.objects.filter(legal_name__startswith="Birthday").update(created_at=at(2027, 1, 2))
    # A client file of Harbor's for one shared person (its own birth date and country).
    Engagement.objects.create(
        survivor=quarter.matters["reporting"][2].client,
        organization=harbor,
        engaged_on=datetime.date(2027, 1, 2),
        scope="T visa",
        recorded_by=coordinator.user,
        legal_name="Client File Name",
        date_of_birth=datetime.date(1985, 5, 5),
        country_of_origin="Guatemala",
    )
    # A revoked reporting consent, and an erasure.
    Consent.objects.filter(
        survivor=quarter.matters["reporting"][3].client, purpose=Purpose.REPORTING
    ).update(revoked_at=timezone.now())
    from survivors.services.retention import survivor_erase
    from tests.actors import actor_of

    survivor_erase(actor=actor_of(coordinator), survivor=quarter.matters["own"][1].client)
    return quarter


def test_the_aggregates_equal_the_live_report_for_every_period_and_filter(varied, charged):  # noqa: F811
    harbor = varied.harbor.pk
    organization_rebuild(harbor)
    for period in PERIODS:
        assert_same(harbor, period)
    quarter = PERIODS[0]
    for kind in ("t_visa", "u_visa", "tvpra_damages", "asylum"):
        assert_same(harbor, quarter, kind=kind)
    assert_same(harbor, quarter, grant_id=charged.pk)
    assert_same(harbor, PERIODS[1], kind="u_visa", grant_id=charged.pk)


def test_the_other_organizations_equal_theirs_and_count_nothing_of_harbor(
    varied, riverside, safehaven
):
    for org in (riverside.pk, safehaven.pk):
        organization_rebuild(org)
        for period in PERIODS[:4]:
            assert_same(org, period)


def test_the_page_reads_the_aggregates_once_rebuilt(varied, coordinator, client_for):
    before = client_for(coordinator).get(reverse("reports:page")).text
    organization_rebuild(varied.harbor.pk)
    assert ReportReady.objects.filter(organization=varied.harbor).exists()
    with mock.patch("reports.queries.report_build", side_effect=AssertionError):
        after = client_for(coordinator).get(reverse("reports:page")).text
    for key in ("people", "age", "country", "matters", "left_out", "turnaround_median"):
        assert table_of(after, key) == table_of(before, key), key


def test_nothing_readable_of_a_person_is_stored(varied):
    """No survivor id, no plaintext spelling, birth date or kind of trafficking: the
    tables hold keyed hashes; the spellings' dictionary is encrypted and linked to no one."""
    organization_rebuild(varied.harbor.pk)
    harbor = varied.harbor.pk
    stored = " ".join(
        str(v)
        for row in Tally.objects.filter(organization_id=harbor).values_list("scope", "value")
        for v in row
    )
    for plain in ("Mexico", "mexico", "Eritrea", "Tigrinya", "Spanish", "1995", "labor", "sex"):
        assert plain not in stored
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM reports_reportspelling")
        raw = " ".join(r[0] for r in cursor.fetchall())
    assert raw and "Mexico" not in raw and "Eritrea" not in raw
    assert {s.text for s in ReportSpelling.objects.all()} >= {"Mexico", "Eritrea", "Spanish"}
    client = varied.matters["reporting"][5].client
    assert ReportPerson.objects.filter(key=person_key(harbor, client.pk)).exists()


@pytest.fixture
def synchronous(django_capture_on_commit_callbacks):
    """Commits run their callbacks, and the refresh task runs at once."""

    def run(survivor_ids, organization_ids):
        aggregates_refresh_task.apply(args=(survivor_ids, organization_ids)).get()

    # Marks made while the fixtures were set up wait for a commit that never comes.
    connection.__dict__.pop("_report_pending", None)
    with mock.patch.object(signals, "enqueue", side_effect=run):
        yield django_capture_on_commit_callbacks


def test_every_relevant_write_keeps_the_aggregates_equal(varied, charged, synchronous):  # noqa: F811
    """After a rebuild, each write refreshes the people it touches on commit: the report
    stays equal to the live one, and the tallies to a fresh rebuild's."""
    from survivors.services.retention import survivor_erase
    from tests.actors import actor_of

    harbor = varied.harbor
    organization_rebuild(harbor.pk)
    shared = [m.client for m in varied.matters["reporting"]]
    matter = varied.matters["reporting"][4]
    lead = varied.attorney.user
    changes = [
        lambda: Matter.objects.get(pk=matter.pk).save(),  # nothing changed
        lambda: _save(matter, stage="approved"),
        lambda: _save(matter, closed_at=at(2027, 2, 14)),
        lambda: _save(varied.matters["own"][0], grant=charged),
        lambda: MatterOutcome.objects.create(
            matter=matter,
            kind="recovered",
            date=datetime.date(2027, 3, 3),
            amount=Decimal("75.00"),
            currency="USD",
            recorded_by=lead,
        ),
        lambda: _save(Deadline.objects.filter(matter=matter).first(), status="open"),
        lambda: TimeEntry.objects.create(
            matter=matter,
            person=lead,
            date=datetime.date(2027, 2, 2),
            minutes=45,
            activity="drafting",
        ),
        lambda: TimeEntry.objects.filter(matter=varied.matters["reporting"][0]).first().delete(),
        lambda: Consent.objects.get(survivor=shared[6], purpose=Purpose.REPORTING).save(),
        lambda: _save(
            Consent.objects.get(survivor=shared[7], purpose=Purpose.REPORTING),
            revoked_at=timezone.now(),
        ),
        lambda: _save(
            Consent.objects.get(survivor=shared[8], purpose=Purpose.REPORTING),
            categories=["identity", "situation"],
        ),
        lambda: _save(
            shared[9], country_of_origin="Belize", date_of_birth=datetime.date(2009, 3, 30)
        ),
        lambda: survivor_erase(
            actor=actor_of(varied.attorney), survivor=varied.matters["own"][2].client
        ),
        lambda: _matter(harbor, shared[10], lead, "asylum", at(2027, 3, 30), "intake"),
    ]
    for n, change in enumerate(changes):
        with synchronous(execute=True):
            change()
        for period in PERIODS[:5]:
            assert_same(harbor.pk, period, change=n)
        assert_same(harbor.pk, PERIODS[0], kind="t_visa")
        assert_same(harbor.pk, PERIODS[0], grant_id=charged.pk)
    refreshed = _tallies(harbor.pk)
    organization_rebuild(harbor.pk)
    assert _tallies(harbor.pk) == refreshed


def _save(instance, **fields):
    instance.refresh_from_db()
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.save()


def test_a_referral_accepted_reaches_the_turnaround(
    quarter, synchronous, intake_worker, coordinator, time_machine
):
    from survivors.models import Referral
    from survivors.services.sharing import referral_move, referral_send
    from tests.actors import actor_of

    harbor = quarter.harbor
    organization_rebuild(harbor.pk)
    client = quarter.matters["reporting"][0].client
    time_machine.move_to(datetime.datetime(2027, 2, 3, 9, tzinfo=NY), tick=False)
    with synchronous(execute=True):
        referral = referral_send(
            actor=actor_of(intake_worker),
            survivor=client,
            to_organization=harbor,
            purpose=Purpose.LEGAL_REPRESENTATION,
        )
    time_machine.move_to(datetime.datetime(2027, 2, 6, 9, tzinfo=NY), tick=False)
    with synchronous(execute=True):
        referral_move(
            actor=actor_of(coordinator), referral=referral, status=Referral.Status.ACCEPTED
        )
    time_machine.move_to(datetime.datetime(2027, 4, 15, 10, tzinfo=NY), tick=False)
    report = report_build_aggregated(
        organization_id=harbor.pk,
        period=PERIODS[0],
        hour_value=Decimal(1),
        threshold=THRESHOLD,
    )
    received = next(t for t in report.tables if t.key == "turnaround_received")
    assert received.values[1] == [0, 0, 1, 0, 0]  # February: 3 days
    assert_same(harbor.pk, PERIODS[0])


def test_a_person_no_longer_linked_is_taken_out_where_they_were_counted(quarter):
    """A matter deleted leaves no row linking its client to the organization: the keyed
    hashes still find where the person was counted."""
    harbor = quarter.harbor.pk
    organization_rebuild(harbor)
    matter = quarter.matters["own"][0]
    client = matter.client_id
    Matter.objects.filter(pk=matter.pk).update(client=quarter.matters["own"][1].client)
    Survivor.objects.filter(pk=client).update(
        organization=quarter.matters["reporting"][0].client.organization
    )
    survivor_refresh(client)
    survivor_refresh(quarter.matters["own"][1].client_id)
    assert_same(harbor, PERIODS[0])


def test_a_new_organization_reads_its_aggregates_from_the_start(
    django_capture_on_commit_callbacks,
):
    from aftercare.models import Organization

    with django_capture_on_commit_callbacks(execute=True):
        org = Organization.objects.create(
            name="Brand New", kind=Organization.Kind.LEGAL_AID, country="US"
        )
    assert ReportReady.objects.filter(organization=org).exists()


def test_the_rebuild_command_rebuilds_one_or_every_organization(varied):
    from django.core.management import call_command

    ReportReady.objects.all().delete()
    call_command(
        "report_aggregates_rebuild",
        "--organization",
        str(varied.harbor.pk),
        "--batch",
        "3",
        verbosity=0,
    )
    assert list(ReportReady.objects.values_list("organization_id", flat=True)) == [varied.harbor.pk]
    one = _tallies(varied.harbor.pk)
    call_command("report_aggregates_rebuild", verbosity=0)
    assert _tallies(varied.harbor.pk) == one
    assert_same(varied.harbor.pk, PERIODS[0])


def test_an_expired_consent_stops_counting_the_next_day(quarter, time_machine):
    from reports.tasks import aggregates_consents_expired_task

    harbor = quarter.harbor.pk
    client = quarter.matters["reporting"][0].client
    Consent.objects.filter(survivor=client, purpose=Purpose.REPORTING).update(
        expires_on=datetime.date(2027, 4, 15)
    )
    organization_rebuild(harbor)
    assert_same(harbor, PERIODS[0])
    time_machine.move_to(datetime.datetime(2027, 4, 16, 0, 10, tzinfo=NY), tick=False)
    assert aggregates_consents_expired_task() == 1
    assert_same(harbor, PERIODS[0])


def test_the_aggregated_page_reads_as_many_queries_with_more_people(
    varied, coordinator, client_for
):
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_matter

    harbor = varied.harbor
    organization_rebuild(harbor.pk)
    client = client_for(coordinator)
    client.get(reverse("reports:page"))
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("reports:page"))
    for n in range(5):
        make_matter(harbor, client=make_survivor(harbor, legal_name=f"More {n}"))
    organization_rebuild(harbor.pk)
    with CaptureQueriesContext(connection) as after:
        client.get(reverse("reports:page"))
    # Five more attorneys (one per matter): the caseload names the busiest whatever their number.
    assert len(after.captured_queries) <= len(before.captured_queries)
    assert len(before.captured_queries) <= 25
    report_queries = [q["sql"] for q in before.captured_queries if "reports_" in q["sql"]]
    assert len(report_queries) <= 6, report_queries
    assert not any(
        "survivors_survivor" in q["sql"] and " IN (" in q["sql"] for q in before.captured_queries
    )


@pytest.mark.django_db(transaction=True)  # the rebuild's lock is released at its commit
def test_a_refresh_during_a_long_rebuild_changes_nothing_and_tries_until_it_is_over(quarter):
    """A rebuild holds its organization's lock for minutes (14 for the largest at a
    million people): a refresh does not wait for it (a worker would be held that long),
    does not apply its change beside it (the rebuild may have read the person already),
    and tries again, however many times, until the rebuild is over."""
    import threading

    from django.db import connections, transaction

    from reports import aggregates

    harbor = quarter.harbor.pk
    organization_rebuild(harbor)
    matter = quarter.matters["own"][0]
    Matter.objects.filter(pk=matter.pk).update(stage="filed")  # past the signals
    before = sorted(Tally.objects.filter(organization_id=harbor).values_list("pk", "n"))
    holding, over = threading.Event(), threading.Event()

    def rebuild_running():  # another connection, as the rebuild's worker would be
        try:
            with transaction.atomic():
                with connections["default"].cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x5245, harbor])
                holding.set()
                over.wait(30)
        finally:
            connections.close_all()

    rebuild = threading.Thread(target=rebuild_running)
    rebuild.start()
    tallies_seen, real_lock = [], aggregates._lock

    def lock(organization_id, *, shared):
        if shared and organization_id == harbor:
            tallies_seen.append(
                sorted(Tally.objects.filter(organization_id=harbor).values_list("pk", "n"))
            )
            if len(tallies_seen) == 12:  # more tries than the task's limit for errors (8)
                over.set()
                rebuild.join()
        return real_lock(organization_id, shared=shared)

    try:
        assert holding.wait(10)
        with mock.patch("reports.aggregates._lock", lock):
            # Eagerly, each retry runs at once (a worker waits a minute between them).
            result = aggregates_refresh_task.apply(args=[[matter.client_id], [harbor]])
    finally:
        over.set()
        rebuild.join()
    assert result.state == "SUCCESS"
    assert len(tallies_seen) == 12 and all(seen == before for seen in tallies_seen)
    assert sorted(Tally.objects.filter(organization_id=harbor).values_list("pk", "n")) != before
    assert_same(harbor, PERIODS[0])


def test_a_refresh_that_meets_database_errors_fails_after_eight_retries():
    """Unlike a rebuild, a database that keeps failing is not waited for forever: the
    task fails (and is seen failing) after eight retries."""
    from django.db import OperationalError

    calls = []

    def failing(survivor_id, organization_ids):
        calls.append(survivor_id)
        raise OperationalError("the database went away")

    with mock.patch("reports.aggregates.survivor_refresh", failing):
        result = aggregates_refresh_task.apply(args=[[1], [1]])
    assert result.state == "FAILURE" and isinstance(result.result, OperationalError)
    assert len(calls) == 1 + 8


def test_expired_reporting_consents_are_refreshed_by_beat_just_after_midnight():
    from django.conf import settings

    from aftercare.celery import app

    [entry] = [
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "reports.tasks.aggregates_consents_expired_task"
    ]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
    assert entry["schedule"].hour == {0} and entry["schedule"].minute == {5}
    assert str(app.timezone) == settings.TIME_ZONE  # midnight where the staff are
