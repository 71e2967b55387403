"""One organization's report for one period, read from the aggregate tables.

The same `Counts` as the live computation (`reports.queries.report_build`), from four
queries over small tables, whatever the number of people: the sums of each tally up to
a few cut-off days (years, then months, then days: at most ~55 rows per value and
cut-off), the breaks inside the period, and the labels of the spellings shown.
"""

from __future__ import annotations

import datetime
import functools
from collections import Counter, defaultdict
from decimal import Decimal

from django.db import connections, router, transaction
from django.utils import timezone

from cases.outcomes import OutcomeKind
from reports.aggregates import (
    BIRTH_DAY,
    BIRTH_MONTH,
    BIRTH_YEAR,
    COUNTRY,
    LANGUAGE,
    LEFT_OUT,
    PEOPLE,
    REFERRALS,
    TRAFFICKING,
    scope_of,
    special_key,
    value_key,
)
from reports.models import DAY, EVER, MONTH, YEAR, ReportSpelling, Tally
from reports.periods import Period
from reports.queries import Counts, Report, assemble, month_period
from survivors import reporting
from survivors.models import TraffickingKind

ONE_DAY = datetime.timedelta(days=1)
# Every measure but the birth months and days (read for a few values only).
MEASURES = [
    *(
        f"{edge}.{d}"
        for d in (PEOPLE, TRAFFICKING, BIRTH_YEAR, LANGUAGE, COUNTRY, LEFT_OUT)
        for edge in ("s", "e")
    ),
    *("mo", "mc", "oc", "om", "dl", "vh", "gh", "rt"),
]
# Matters opened and closed by each lead attorney: read up to the period's end only, as
# they have a value per attorney (thousands in a large organization).
LEAD_MEASURES = ["lo", "lc"]


def report_for(
    *,
    organization_id: int,
    period: Period,
    kind: str = "",
    grant_id: int | None = None,
    hour_value: Decimal,
    threshold: int,
    caseload_limit: int | None = None,
) -> Report:
    """The report from the aggregate tables once they are complete for the organization
    (rebuilt since they were added, or created with it); from the live rows until then."""
    from reports.aggregates import is_ready
    from reports.queries import report_build

    build = report_build_aggregated if is_ready(organization_id) else report_build
    return build(
        organization_id=organization_id,
        period=period,
        kind=kind,
        grant_id=grant_id,
        hour_value=hour_value,
        threshold=threshold,
        caseload_limit=caseload_limit,
    )


def report_build_aggregated(**arguments) -> Report:
    """The report from the tallies (arguments: those of `report_for`)."""
    database = router.db_for_read(Tally)
    # Every read in one transaction, so that PostgreSQL is told once not to start
    # parallel workers for a few index ranges: they cost more to start than the queries.
    with transaction.atomic(using=database):
        with connections[database].cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        return _from_tallies(**arguments)


def _from_tallies(
    *,
    organization_id: int,
    period: Period,
    kind: str = "",
    grant_id: int | None = None,
    hour_value: Decimal,
    threshold: int,
    caseload_limit: int | None = None,
) -> Report:
    scope = scope_of(kind, grant_id)
    start, end = period.start, period.end
    today = timezone.localdate()
    before = start - ONE_DAY
    overdue_until = min(end, today - ONE_DAY)
    sums = _sums(
        organization_id,
        [scope, REFERRALS],
        [before, end, overdue_until] if overdue_until >= start else [before, end],
        few={f"{edge}.{d}": keys for d, keys in _turning_keys(end).items() for edge in ("s", "e")},
    )
    months = [(max(start, m), min(end, month_period(m).end)) for m in period.months()]
    monthly = _sums(
        organization_id,
        [scope, REFERRALS],
        sorted({d for s, e in months for d in (s - ONE_DAY, e)}),
        measures=["s.p", "e.p", "vh", "rt"],
    )
    gaps = _gaps(organization_id, [scope, REFERRALS], start, end)

    def n(scope_, measure, value, upto) -> int:
        return sums.get((scope_, measure, value, upto), (0, 0))[0]

    def between(table, scope_, measure, value, first, last, which=0):
        upto = table.get((scope_, measure, value, last), (0, 0))[which]
        below = table.get((scope_, measure, value, first - ONE_DAY), (0, 0))[which]
        return upto - below

    def values(table, scope_, measure) -> set[str]:
        return {k[2] for k in table if k[0] == scope_ and k[1] == measure}

    def people(scope_, dimension) -> Counter:
        """People served (or left out) in the period, by value."""
        counts = Counter()
        for value in values(sums, scope_, f"s.{dimension}"):
            counts[value] = n(scope_, f"s.{dimension}", value, end) - n(
                scope_, f"e.{dimension}", value, before
            )
        for (s_, d, value, last, following), k in gaps.items():
            if s_ == scope_ and d == dimension and last >= start and following <= end:
                counts[value] -= k
        return +counts

    # People served per month, and over the period.
    served_per_month = []
    for first, last in months:
        # starts up to `last`, less ends before `first`, less breaks inside the month
        count = (
            monthly.get((scope, "s.p", "", last), (0, 0))[0]
            - monthly.get((scope, "e.p", "", first - ONE_DAY), (0, 0))[0]
        )
        for (s_, d, _v, gap_last, following), k in gaps.items():
            if s_ == scope and d == PEOPLE and gap_last >= first and following <= last:
                count -= k
        served_per_month.append(count)
    served = people(scope, PEOPLE).get("", 0)

    # Matters, caseload, outcomes, money, deadlines, hours.
    matters = Counter()
    for value in values(sums, scope, "mo"):
        kind_, stage = value.split("|")
        matters[(kind_, stage)] = n(scope, "mo", value, end) - n(scope, "mc", value, before)
    open_at_end = Counter()
    for value, count in _open_by_lead(organization_id, scope, end):
        open_at_end[int(value) if value else None] = count
    outcomes, statuses = Counter(), Counter()
    for value in values(sums, scope, "oc"):
        mkind, okind, status = value.split("|")
        count = between(sums, scope, "oc", value, start, end)
        outcomes[(mkind, okind)] += count
        if okind == OutcomeKind.STATUS:
            statuses[status] += count
    money, made_of = {}, Counter()
    for value in values(sums, scope, "om"):
        currency, okind = value.split("|")
        count = between(sums, scope, "om", value, start, end)
        if count:
            made_of[(currency, okind)] = count
            money[(currency, okind)] = between(sums, scope, "om", value, start, end, which=1)
    deadlines = Counter(
        met=between(sums, scope, "dl", "done", start, end),
        missed=between(sums, scope, "dl", "missed", start, end),
    )
    if overdue_until >= start:
        deadlines["overdue"] = between(sums, scope, "dl", "open", start, overdue_until)
    volunteer_minutes = Counter()
    turnaround: dict = defaultdict(list)
    for month, (first, last) in zip(period.months(), months, strict=True):
        volunteer_minutes[month] = int(between(monthly, scope, "vh", "", first, last, which=1))
        for value in values(monthly, REFERRALS, "rt"):
            way, days = value.split("|")
            count = between(monthly, REFERRALS, "rt", value, first, last)
            turnaround[(way, month)] += [int(days)] * count
    for key in turnaround:
        turnaround[key].sort()
    grant_minutes = Counter()
    for value in values(sums, scope, "gh"):
        minutes = int(between(sums, scope, "gh", value, start, end, which=1))
        if minutes:
            grant_minutes[int(value) if value else None] = minutes

    left_out = people(scope, LEFT_OUT) + people(REFERRALS, LEFT_OUT)
    return assemble(
        organization_id=organization_id,
        period=period,
        threshold=threshold,
        hour_value=hour_value,
        caseload_limit=caseload_limit,
        counts=Counts(
            served_per_month=served_per_month,
            served=served,
            breakdowns=_breakdowns(
                {
                    d: people(scope, d)
                    for d in (TRAFFICKING, BIRTH_YEAR, BIRTH_MONTH, BIRTH_DAY, LANGUAGE, COUNTRY)
                },
                end,
            ),
            matters=matters,
            outcomes=outcomes,
            statuses=statuses,
            money=money,
            money_made_of=made_of,
            deadlines=deadlines,
            turnaround=turnaround,
            volunteer_minutes=volunteer_minutes,
            open_at_end=open_at_end,
            grant_minutes=grant_minutes,
            left_out=left_out,
        ),
    )


def _from_the_end(cutoff: datetime.date) -> bool:
    """A sum up to a recent day is the all-time total less what came after it: a few
    rows per value, however long the history (and however many values, such as lead
    attorneys, it has)."""
    return cutoff.year >= timezone.localdate().year - 2


def _cut(cutoff: datetime.date) -> tuple[str, list, list]:
    """SQL for the sum of everything up to and including `cutoff` (of n, or of total),
    and the bucket ranges, level by level, it reads."""
    year, month = cutoff.replace(month=1, day=1), cutoff.replace(day=1)
    if _from_the_end(cutoff):
        next_year = year.replace(year=year.year + 1)
        next_month = (month + datetime.timedelta(days=32)).replace(day=1)
        return (
            "CASE WHEN level = %s THEN {v} WHEN (level = %s AND bucket > %s)"
            " OR (level = %s AND bucket > %s AND bucket < %s)"
            " OR (level = %s AND bucket > %s AND bucket < %s) THEN -{v} ELSE 0 END",
            [EVER, YEAR, year, MONTH, month, next_year, DAY, cutoff, next_month],
            _spans(
                (YEAR, next_year, None),
                (MONTH, next_month, _month_before(next_year)),
                (DAY, cutoff + ONE_DAY, next_month - ONE_DAY),
            ),
        )
    return (
        "CASE WHEN (level = %s AND bucket < %s) OR (level = %s AND bucket >= %s AND bucket < %s)"
        " OR (level = %s AND bucket >= %s AND bucket <= %s) THEN {v} ELSE 0 END",
        [YEAR, year, MONTH, year, month, DAY, month, cutoff],
        _spans(
            (YEAR, None, year.replace(year=year.year - 1)),
            (MONTH, year, _month_before(month)),
            (DAY, month, cutoff),
        ),
    )


def _month_before(first: datetime.date) -> datetime.date:
    return (first - ONE_DAY).replace(day=1)


def _spans(*spans) -> list[tuple]:
    """The bucket ranges a sum reads, exactly the rows its CASE counts (a row read and
    then discarded costs as much as one counted: at a million people, the year's own
    rows and the cut-off month's were a third of what was read), empty ones left out."""
    return [(level, low, high) for level, low, high in spans if not (low and high and low > high)]


def _sums(organization_id, scopes, cutoffs, measures=None, few=None) -> dict:
    """{(scope, measure, value, cutoff): (n, total)}: each tally summed up to each cut-off.
    `few`: {measure: values}, the only values read of those measures, and only in the
    first scope (the matters' one: people's birth months and days)."""
    cuts = [_cut(c) for c in cutoffs]
    columns = ", ".join(
        f"SUM({sql.format(v='n')}), SUM({sql.format(v='total')})" for sql, _p, _r in cuts
    )
    params = [p for _sql, ps, _r in cuts for p in ps * 2]
    # The rows each cut-off reads, level by level: ranges merged where they overlap, so
    # that each row is read once without sorting the rows to drop duplicates.
    ranges = _disjoint([span for _s, _p, r in cuts for span in r])
    if any(_from_the_end(c) for c in cutoffs):
        ranges.append((EVER, None, None))

    def rows(measure_sql: str, measure_params: list, scopes: list[str], wanted=()) -> list:
        """`wanted`: (measure, value) pairs, the table `wanted` of `measure_sql`."""
        branches, args = [], []
        for level, low, high in ranges:
            branches.append(
                f"SELECT scope, measure, value, level, bucket, n, total "  # noqa: S608
                f"FROM {Tally._meta.db_table} WHERE organization_id = %s AND scope = ANY(%s) "
                f"AND level = %s AND {measure_sql} "
                + ("AND bucket >= %s " if low else "")
                + ("AND bucket <= %s" if high else "")
            )
            args += [organization_id, scopes, level, *measure_params]
            args += [b for b in (low, high) if b]
        query = (
            f"SELECT scope, measure, value, {columns} FROM ("  # noqa: S608
            + " UNION ALL ".join(branches)
            + ") cells GROUP BY scope, measure, value"
        )
        if not wanted:
            return _rows(query, [*params, *args])
        # The pairs once, not once per branch: the query's text was most of its cost.
        wanted_sql = (
            "WITH wanted (measure, value) AS MATERIALIZED "
            "(SELECT * FROM unnest(%s::varchar[], %s::varchar[])) "
        )
        query = f"{wanted_sql}{query}"
        pairs = [[m for m, _v in wanted], [v for _m, v in wanted]]
        return _rows(query, [*pairs, *params, *args])

    found = rows("measure = ANY(%s)", [measures or MEASURES], scopes)
    if few:
        # One index descent per (measure, value) pair, rather than one per measure, value
        # and scope of every combination (PostgreSQL 15 multiplies ANY lists out).
        found += rows(
            "measure = ANY(%s) AND (measure, value) IN (SELECT measure, value FROM wanted)",
            [list(few)],
            scopes[:1],
            wanted=[(measure, value) for measure, values in few.items() for value in values],
        )
    result = {}
    for row in found:
        scope, measure, value = row[:3]
        for i, cutoff in enumerate(cutoffs):
            count, total = row[3 + 2 * i], row[4 + 2 * i]
            result[(scope, measure, value, cutoff)] = (int(count or 0), total or Decimal(0))
    return result


def _open_by_lead(organization_id: int, scope: str, end: datetime.date) -> list[tuple]:
    """(lead attorney, matters open at `end`) where some are: opened less closed, summed
    in the database, a number per attorney (thousands in a large organization) rather
    than two sums each sent back and added up here."""
    sql, params, spans = _cut(end)
    ranges = _disjoint(spans) + ([(EVER, None, None)] if _from_the_end(end) else [])
    branches, args = [], []
    for level, low, high in ranges:
        branches.append(
            f"SELECT measure, value, level, bucket, n FROM {Tally._meta.db_table} "  # noqa: S608
            "WHERE organization_id = %s AND scope = %s AND level = %s AND measure = ANY(%s)"
            + (" AND bucket >= %s" if low else "")
            + (" AND bucket <= %s" if high else "")
        )
        args += [organization_id, scope, level, LEAD_MEASURES, *(b for b in (low, high) if b)]
    counted = sql.format(v="n")
    query = (
        f"SELECT value, SUM(CASE WHEN measure = 'lo' THEN {counted} ELSE -{counted} END) AS open "  # noqa: S608
        "FROM (" + " UNION ALL ".join(branches) + ") cells GROUP BY value"
    )
    rows = _rows(query, [*params, *params, *args])
    return [(value, int(count)) for value, count in rows if count]


def _disjoint(spans) -> list[tuple]:
    """(level, low, high) bucket ranges, inclusive, None unbounded: those of a level that
    overlap merged into one."""
    merged: list[list] = []
    lowest = datetime.date.min
    for level, low, high in sorted(spans, key=lambda s: (s[0], s[1] or lowest)):
        last = merged[-1] if merged else None
        if last and last[0] == level and (last[2] is None or (low or lowest) <= last[2]):
            last[2] = None if high is None or last[2] is None else max(last[2], high)
            continue
        merged.append([level, low, high])
    return [tuple(span) for span in merged]


def _rows(query: str, args: list) -> list:
    with connections[router.db_for_read(Tally)].cursor() as cursor:
        cursor.execute(query, args)
        return cursor.fetchall()


def _turning(on: datetime.date) -> tuple[set[int], set[tuple[int, int]]]:
    """The birth years, and months, whose people's age group on `on` needs a finer look."""
    years = {on.year - youngest for _code, youngest in reporting.AGE_GROUPS if youngest}
    return years, {(year, on.month) for year in years}


def _turning_keys(on: datetime.date) -> dict[str, list[str]]:
    years, months = _turning(on)
    days = []
    for year, month in months:
        day = datetime.date(year, month, 1)
        while day.month == month:
            days.append(value_key(BIRTH_DAY, day.isoformat()))
            day += ONE_DAY
    return {
        BIRTH_MONTH: [
            value_key(BIRTH_MONTH, f"{year:04d}-{month:02d}")
            for year in years
            for month in range(1, 13)
        ],
        BIRTH_DAY: days,
    }


def _gaps(organization_id, scopes, start, end) -> dict:
    """{(scope, dimension, value, last day, next day): n} of the breaks inside the period."""
    from reports.models import GapTally

    rows = (
        GapTally.objects.using(router.db_for_read(GapTally))
        .filter(
            organization_id=organization_id,
            scope__in=scopes,
            last_day__gte=start,
            last_day__lte=end,
            next_day__lte=end,
        )
        .exclude(n=0)
        .values_list("scope", "dimension", "value", "last_day", "next_day", "n")
    )
    return {row[:5]: row[5] for row in rows}


# Breakdowns: the hashes back to codes, ages and spellings -----------------------------


@functools.cache
def _codes(dimension: str, key: str) -> dict[str, str]:
    """{hash: code} of the codes a dimension can take (`key`: the hashing key in use)."""
    codes = {special_key(dimension, c): c for c in (reporting.NOT_SHARED, reporting.NOT_RECORDED)}
    if dimension == TRAFFICKING:
        for code in (*TraffickingKind.values, reporting.MORE_THAN_ONE, *codes.values()):
            codes[value_key(TRAFFICKING, code)] = code
    if dimension == BIRTH_YEAR:
        for year in range(1850, timezone.localdate().year + 2):
            codes[value_key(BIRTH_YEAR, f"{year:04d}")] = f"{year:04d}"
    return codes


_spellings: dict[str, str] = {}


def _spelling_texts(keys: set[str]) -> dict[str, str]:
    missing = keys - set(_spellings)
    if missing:
        for key, text in (
            ReportSpelling.objects.using(router.db_for_read(ReportSpelling))
            .filter(pk__in=list(missing))
            .values_list("key", "text")
        ):
            _spellings[key] = text
    return {k: _spellings[k] for k in keys if k in _spellings}


def _breakdowns(counts: dict[str, Counter], on: datetime.date):
    from django.conf import settings

    key = settings.BLIND_INDEX_KEY
    result = reporting.Breakdowns(
        Counter(), Counter(), Counter(), Counter(), defaultdict(lambda: defaultdict(Counter))
    )
    codes = _codes(TRAFFICKING, key)
    for value, n in counts[TRAFFICKING].items():
        result.trafficking[codes[value]] += n
    # Ages: by birth year; in the years of people turning 18, 25, 35 or 50 about `on`, by
    # birth month; in those years' month of `on`, by birth day (any day of a coarser
    # bucket gives its people's age group, see `_turning`).
    years, months = _turning(on)
    for value, n in counts[BIRTH_YEAR].items():
        code = _codes(BIRTH_YEAR, key)[value]
        if code in (reporting.NOT_SHARED, reporting.NOT_RECORDED):
            result.age[code] += n
        elif int(code) not in years:
            result.age[reporting.age_group(datetime.date(int(code), 1, 1), on)] += n
    for year in years:
        for month in range(1, 13):
            if (year, month) in months:
                day = datetime.date(year, month, 1)
                while day.month == month:
                    n = counts[BIRTH_DAY].get(value_key(BIRTH_DAY, day.isoformat()), 0)
                    if n:
                        result.age[reporting.age_group(day, on)] += n
                    day += ONE_DAY
                continue
            n = counts[BIRTH_MONTH].get(value_key(BIRTH_MONTH, f"{year:04d}-{month:02d}"), 0)
            if n:
                result.age[reporting.age_group(datetime.date(year, month, 1), on)] += n
    for dimension, name in ((LANGUAGE, "language"), (COUNTRY, "country")):
        specials = {
            special_key(dimension, c): c for c in (reporting.NOT_SHARED, reporting.NOT_RECORDED)
        }
        texts = _spelling_texts({v for v in counts[dimension] if v not in specials})
        counter = getattr(result, name)
        for value, n in counts[dimension].items():
            if value in specials:
                counter[specials[value]] += n
                continue
            spelling = texts[value]
            counter[spelling.casefold()] += n
            result.spellings[name][spelling.casefold()][spelling] += n
    return result
