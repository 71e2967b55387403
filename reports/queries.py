"""The numbers of one organization's report for one period: counted, never listed.

Every figure comes from the acting organization's own rows, and only from people it may
count (`survivors.reporting`): each row that hangs on a client is dropped when its
client is left out, and the report says how many people were left out and why. No
personal field is read: ids, kinds, stages, dates and amounts only. A fixed number of
queries whatever the number of rows.
"""

from __future__ import annotations

import datetime
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, Sum
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from aftercare.models import Membership, Role
from cases.kinds import Kind, Stage
from cases.models import Deadline, Grant, Matter, MatterOutcome, TimeEntry
from cases.outcomes import OutcomeKind, StatusObtained
from reports.tables import Table
from survivors import reporting
from survivors.models import Referral, Survivor, TraffickingKind

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date

    def months(self) -> list[datetime.date]:
        months, month = [], self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = (month + datetime.timedelta(days=32)).replace(day=1)
        return months


def last_quarter(today: datetime.date) -> Period:
    """The calendar quarter before the one `today` is in."""
    this_quarter = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = this_quarter - datetime.timedelta(days=1)
    return Period(datetime.date(end.year, end.month - 2, 1), end)


@dataclass
class Report:
    period: Period
    tables: list[Table]
    left_out: Table
    charts: dict[str, str] = field(default_factory=dict)  # table key -> chart title


def _month_label(month: datetime.date) -> str:
    return formats.date_format(month, "YEAR_MONTH_FORMAT")


def _active(period: Period, opened: datetime.date, closed: datetime.date | None) -> bool:
    return opened <= period.end and (closed is None or closed >= period.start)


def _date(moment: datetime.datetime | None) -> datetime.date | None:
    from django.utils import timezone

    return None if moment is None else timezone.localtime(moment).date()


def report_build(
    *,
    organization_id: int,
    period: Period,
    kind: str = "",
    grant_id: int | None = None,
    hour_value: Decimal,
    threshold: int,
) -> Report:
    matters = Matter.objects.filter(organization_id=organization_id)
    if kind:
        matters = matters.filter(kind=kind)
    if grant_id is not None:
        matters = matters.filter(grant_id=grant_id)
    matter_rows = list(
        matters.filter(
            Q(closed_at__isnull=True) | Q(closed_at__date__gte=period.start),
            opened_at__date__lte=period.end,
        ).values_list("client_id", "kind", "stage", "opened_at", "closed_at", "lead_attorney_id")
    )
    outcome_rows = list(
        MatterOutcome.objects.filter(
            matter__in=matters, date__gte=period.start, date__lte=period.end
        ).values_list("matter__client_id", "matter__kind", "kind", "status", "amount", "currency")
    )
    deadline_rows = list(
        Deadline.objects.filter(
            matter__in=matters, due_date__gte=period.start, due_date__lte=period.end
        ).values_list("matter__client_id", "status", "due_date")
    )
    hour_rows = list(
        TimeEntry.objects.filter(
            matter__in=matters,
            date__gte=period.start,
            date__lte=period.end,
            person__volunteer_profile__isnull=False,
        ).values_list("matter__client_id", "date", "minutes")
    )
    # Every hour on the organization's matters (staff and volunteers), by client and grant.
    grant_rows = list(
        TimeEntry.objects.filter(matter__in=matters, date__gte=period.start, date__lte=period.end)
        .values_list("matter__client_id", "grant_id")
        .annotate(minutes=Sum("minutes"))
        .order_by()
    )
    own_rows = []
    if not kind and grant_id is None:  # a record alone is no kind of matter, and no grant
        own_rows = list(
            Survivor.objects.filter(
                Q(closed_at__isnull=True) | Q(closed_at__date__gte=period.start),
                organization_id=organization_id,
                status__in=[Survivor.Status.ACTIVE, Survivor.Status.CLOSED],
                created_at__date__lte=period.end,
            ).values_list("pk", "created_at", "closed_at")
        )
    # Referrals sent or received in the period: not matters, so no kind or grant narrows
    # them (the turnaround tables say so).
    referral_rows = list(
        Referral.objects.filter(
            Q(from_organization_id=organization_id) | Q(to_organization_id=organization_id),
            sent_at__date__gte=period.start,
            sent_at__date__lte=period.end,
        ).values_list("survivor_id", "pk", "from_organization_id", "sent_at")
    )
    people = (
        {r[0] for r in matter_rows}
        | {r[0] for r in referral_rows}
        | {r[0] for r in outcome_rows}
        | {r[0] for r in deadline_rows}
        | {r[0] for r in hour_rows}
        | {r[0] for r in grant_rows}
        | {r[0] for r in own_rows}
    )
    basis = reporting.reporting_basis(organization_id=organization_id, survivor_ids=people)

    def counted(pk: int) -> bool:
        return basis.get(pk) == reporting.COUNTED

    served = [(r[0], _date(r[3]), _date(r[4])) for r in matter_rows if counted(r[0])]
    served += [(r[0], _date(r[1]), _date(r[2])) for r in own_rows if counted(r[0])]
    in_period = {r[0] for r in matter_rows} | {r[0] for r in own_rows}
    in_period |= {r[0] for r in referral_rows}
    people_served = _people_by_month(period, served)
    breakdowns = reporting.reporting_breakdowns(
        organization_id=organization_id,
        survivor_ids={pk for pk, opened, closed in served if _active(period, opened, closed)},
        on=period.end,
    )
    # The people table hides its "whole period" figure when a month is small; the
    # breakdowns' totals are that very number, so they hide it then too.
    whole_period_hidden = any(0 < row[0] < threshold for row in people_served.values)
    tables = [
        people_served,
        *_breakdown_tables(breakdowns, threshold, hide_total=whole_period_hidden),
        _matters_by_kind_and_stage([r for r in matter_rows if counted(r[0])]),
        _outcomes_by_kind([r for r in outcome_rows if counted(r[0])]),
        _statuses([r for r in outcome_rows if counted(r[0])]),
        _money([r for r in outcome_rows if counted(r[0])], threshold),
        _deadlines([r for r in deadline_rows if counted(r[0])]),
        *_turnaround(
            organization_id, period, [r for r in referral_rows if counted(r[0])], threshold
        ),
        _volunteer_hours(period, [r for r in hour_rows if counted(r[0])], hour_value),
        _caseload(organization_id, period, [r for r in matter_rows if counted(r[0])]),
        _hours_by_grant(
            organization_id, period, [r for r in grant_rows if counted(r[0])], hour_value
        ),
    ]
    left = Counter(basis[pk] for pk in in_period if pk in basis and not counted(pk))
    left_out = Table(
        key="left_out",
        title=_("People left out of this report"),
        row_header=_("Why"),
        rows=[reporting.REASONS[code] for code in reporting.REASONS],
        columns=[_("People")],
        values=[[left.get(code, 0)] for code in reporting.REASONS],
        totals=False,
    )
    return Report(period, tables, left_out)


def _people_by_month(period: Period, served) -> Table:
    months = period.months()
    by_month = {month: set() for month in months}
    everyone = set()
    for pk, opened, closed in served:
        for month in months:
            month_end = (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(
                days=1
            )
            if _active(Period(month, month_end), opened, closed) and _active(
                period, opened, closed
            ):
                by_month[month].add(pk)
                everyone.add(pk)
    return Table(
        key="people",
        title=_("People served per month"),
        row_header=_("Month"),
        rows=[_month_label(m) for m in months],
        columns=[_("People served")],
        values=[[len(by_month[m])] for m in months],
        totals=False,
        distinct_total=len(everyone),
        distinct_label=_("Whole period (each person once)"),
        note=_(
            "A person is served in a month when a matter of theirs is open, or their record "
            "with the organization is, at some time in that month."
        ),
    )


def _breakdown_tables(
    breakdowns: reporting.Breakdowns, threshold: int, *, hide_total: bool
) -> list[Table]:
    """People served in the period by kind of trafficking, age group, language, country."""
    note_common = _("Each person served in the period once.")
    trafficking = [*TraffickingKind.values, reporting.MORE_THAN_ONE]
    labels = {**dict(TraffickingKind.choices), **reporting.LABELS}
    ages = [code for code, _youngest in reporting.AGE_GROUPS]
    tables = [
        _one_way(
            "trafficking",
            _("People served by kind of trafficking"),
            _("Kind of trafficking"),
            trafficking,
            labels,
            breakdowns.trafficking,
            note=_("%(common)s A person recorded with more than one kind is counted once.")
            % {"common": note_common},
        ),
        _one_way(
            "age",
            _("People served by age group"),
            _("Age at the end of the period"),
            ages,
            labels,
            breakdowns.age,
            note=note_common,
        ),
        _free_text(
            "language",
            _("People served by first language"),
            _("Language"),
            breakdowns,
            threshold,
            note=_(
                "%(common)s The first language recorded, spelled as recorded. Languages "
                "spoken by fewer than %(n)s people are counted together as other languages."
            )
            % {"common": note_common, "n": threshold},
        ),
        _free_text(
            "country",
            _("People served by country of origin"),
            _("Country of origin"),
            breakdowns,
            threshold,
            note=_(
                "%(common)s Countries of fewer than %(n)s people are counted together as "
                "other countries."
            )
            % {"common": note_common, "n": threshold},
        ),
    ]
    for table in tables:
        table.hide_grand_total = hide_total
    return tables


def _one_way(key, title, row_header, codes, labels, counts, note="") -> Table:
    """Counts by code, then the people of whom it is not recorded or not shared."""
    codes = [*codes, reporting.NOT_RECORDED, reporting.NOT_SHARED]
    return Table(
        key=key,
        title=title,
        row_header=row_header,
        rows=[str(labels[code]) for code in codes],
        columns=[_("People")],
        values=[[counts[code]] for code in codes],
        note=note,
    )


def _free_text(key, title, row_header, breakdowns, threshold: int, note="") -> Table:
    """A free-text dimension: each spelling with enough people, alphabetically, then the
    rare ones pooled (a rare country's name alone could point at a person)."""
    counts = getattr(breakdowns, key)
    special = (reporting.NOT_RECORDED, reporting.NOT_SHARED)
    common = sorted(
        (k for k, n in counts.items() if k not in special and n >= threshold),
        key=lambda k: breakdowns.label(key, k).casefold(),
    )
    other = sum(n for k, n in counts.items() if k not in special and n < threshold)
    labels = {k: breakdowns.label(key, k) for k in common}
    labels |= {OTHER_KEY: OTHER[key], **reporting.LABELS}
    merged = Counter({k: counts[k] for k in (*common, *special)})
    merged[OTHER_KEY] = other
    return _one_way(key, title, row_header, [*common, OTHER_KEY], labels, merged, note=note)


OTHER_KEY = ("other",)  # not a string: no spelling can take its place
OTHER = {"language": _("Other languages"), "country": _("Other countries")}


def _two_way(key, title, row_header, row_codes, row_labels, col_codes, col_labels, pairs, note=""):
    counts = Counter(pairs)
    used = [c for c in col_codes if any(counts[(r, c)] for r in row_codes)] or list(col_codes)
    return Table(
        key=key,
        title=title,
        row_header=row_header,
        rows=[str(row_labels[r]) for r in row_codes],
        columns=[str(col_labels[c]) for c in used],
        values=[[counts[(r, c)] for c in used] for r in row_codes],
        note=note,
    )


def _matters_by_kind_and_stage(rows) -> Table:
    return _two_way(
        "matters",
        _("Matters by kind and stage"),
        _("Kind"),
        Kind.values,
        dict(Kind.choices),
        Stage.values,
        dict(Stage.choices),
        [(r[1], r[2]) for r in rows],
        note=_("Matters open at some time in the period, by the stage they are in now."),
    )


def _outcomes_by_kind(rows) -> Table:
    return _two_way(
        "outcomes",
        _("Outcomes by kind of matter"),
        _("Kind"),
        Kind.values,
        dict(Kind.choices),
        OutcomeKind.values,
        dict(OutcomeKind.choices),
        [(r[1], r[2]) for r in rows],
        note=_("Outcomes dated in the period."),
    )


def _statuses(rows) -> Table:
    counts = Counter(r[3] for r in rows if r[2] == OutcomeKind.STATUS)
    return Table(
        key="statuses",
        title=_("Immigration status obtained"),
        row_header=_("Status"),
        rows=[label for _code, label in StatusObtained.choices],
        columns=[_("Outcomes")],
        values=[[counts[code]] for code in StatusObtained.values],
    )


def _money(rows, threshold: int) -> Table:
    """Sums by currency; a sum of fewer outcomes than the threshold is not shown."""
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    made_of: Counter = Counter()
    for _client, _kind, outcome, _status, amount, currency in rows:
        if amount is not None and outcome in (OutcomeKind.RECOVERED, OutcomeKind.COLLECTED):
            sums[(currency, outcome)] += amount
            made_of[(currency, outcome)] += 1
    currencies = sorted({c for c, _o in sums}) or ["USD"]
    kinds = (OutcomeKind.RECOVERED, OutcomeKind.COLLECTED)
    return Table(
        small_cells=frozenset(
            (r, c)
            for r, currency in enumerate(currencies)
            for c, outcome in enumerate(kinds)
            if 0 < made_of[(currency, outcome)] < threshold
        ),
        small_text=_("from fewer than %(n)s outcomes"),
        key="money",
        title=_("Money recovered and collected"),
        row_header=_("Currency"),
        rows=currencies,
        columns=[OutcomeKind.RECOVERED.label, OutcomeKind.COLLECTED.label],
        values=[
            [sums[(c, OutcomeKind.RECOVERED)], sums[(c, OutcomeKind.COLLECTED)]] for c in currencies
        ],
        totals=False,
        suppress=False,
        decimals=True,
        note=_("Amounts recorded as outcomes dated in the period."),
    )


def _deadlines(rows) -> Table:
    from django.utils import timezone

    today = timezone.localdate()
    counts = Counter()
    for _client, status, due in rows:
        if status == Deadline.Status.DONE:
            counts["met"] += 1
        elif status == Deadline.Status.MISSED:
            counts["missed"] += 1
        elif due < today:
            counts["overdue"] += 1
    labels = {
        "met": _("Met"),
        "missed": _("Missed"),
        "overdue": _("Past due, still open"),
    }
    return Table(
        key="deadlines",
        title=_("Deadlines met and missed"),
        row_header=_("Deadlines due in the period"),
        rows=list(labels.values()),
        columns=[_("Deadlines")],
        values=[[counts[code]] for code in labels],
    )


BUCKETS = (  # (fewest days, most days, label) from sent to accepted, in local dates
    (0, 0, _("Same day")),
    (1, 2, _("1 to 2 days")),
    (3, 7, _("3 to 7 days")),
    (8, 30, _("8 to 30 days")),
    (31, None, _("More than 30 days")),
)
SENT, RECEIVED = "sent", "received"


def _bucket(days: int) -> int:
    return next(n for n, (low, high, _l) in enumerate(BUCKETS) if high is None or days <= high)


def _turnaround(organization_id: int, period: Period, rows, threshold: int) -> list[Table]:
    """Referrals the organization sent, and those it received, by the month they were
    sent: how many days until the receiver accepted them, and the median."""
    accepted = reporting.referral_acceptances(referral_ids=[r[1] for r in rows])
    months = period.months()
    days: dict[tuple[str, datetime.date], list[int]] = defaultdict(list)
    for _client, pk, sender, sent_at, *_rest in rows:
        if pk not in accepted:
            continue  # not accepted (yet): no turnaround to measure
        sent = _date(sent_at)
        way = SENT if sender == organization_id else RECEIVED
        days[(way, sent.replace(day=1))].append(max((_date(accepted[pk]) - sent).days, 0))
    titles = {
        SENT: _("Referrals sent: days until accepted"),
        RECEIVED: _("Referrals received: days until accepted"),
    }
    tables = []
    for way in (SENT, RECEIVED):
        counts = [Counter(_bucket(d) for d in days[(way, m)]) for m in months]
        tables.append(
            Table(
                key=f"turnaround_{way}",
                title=titles[way],
                row_header=_("Month sent"),
                rows=[_month_label(m) for m in months],
                columns=[label for _low, _high, label in BUCKETS],
                values=[[c[n] for n in range(len(BUCKETS))] for c in counts],
                note=_(
                    "Referrals sent in the period and accepted since, by the days between "
                    "the day sent and the day accepted. A kind or grant chosen above does "
                    "not narrow referrals: they are not matters."
                ),
            )
        )
    tables.append(_median_days(months, days, threshold))
    return tables


def _median_days(months, days, threshold: int) -> Table:
    """The median days per month and way; a median of fewer referrals than the threshold
    is not shown (with one referral, it is that referral's time)."""
    lines = [[days[(way, m)] for way in (SENT, RECEIVED)] for m in months]
    lines.append([[d for m in months for d in days[(way, m)]] for way in (SENT, RECEIVED)])
    return Table(
        key="turnaround_median",
        title=_("Median days from sent to accepted"),
        row_header=_("Month sent"),
        rows=[*(_month_label(m) for m in months), _("Whole period")],
        columns=[_("Referrals sent"), _("Referrals received")],
        values=[
            [Decimal(statistics.median(d)).quantize(CENT) if d else Decimal(0) for d in line]
            for line in lines
        ],
        small_cells=frozenset(
            (r, c)
            for r, line in enumerate(lines)
            for c, d in enumerate(line)
            if 0 < len(d) < threshold
        ),
        small_text=_("from fewer than %(n)s referrals"),
        none_cells=frozenset(
            (r, c) for r, line in enumerate(lines) for c, d in enumerate(line) if not d
        ),
        none_text=_("no referral accepted"),
        totals=False,
        suppress=False,
        decimals=True,
    )


def _volunteer_hours(period: Period, rows, hour_value: Decimal) -> Table:
    minutes = Counter()
    for _client, day, spent in rows:
        minutes[day.replace(day=1)] += spent
    months = period.months()
    values = []
    for month in months:
        hours = (Decimal(minutes[month]) / 60).quantize(CENT, ROUND_HALF_UP)
        values.append([hours, (hours * hour_value).quantize(CENT, ROUND_HALF_UP)])
    return Table(
        key="hours",
        title=_("Volunteer hours and their value"),
        row_header=_("Month"),
        rows=[_month_label(m) for m in months],
        columns=[_("Hours"), _("Value (USD)")],
        values=values,
        row_totals=False,
        suppress=False,
        decimals=True,
        note=_("Hours logged by volunteers on the organization's matters, at %(rate)s USD an hour.")
        % {"rate": hour_value},
    )


def _caseload(organization_id: int, period: Period, rows) -> Table:
    attorneys = list(
        Membership.objects.active()
        .filter(organization_id=organization_id, role=Role.ATTORNEY)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    open_at_end = Counter(
        lead
        for _c, _k, _s, _o, closed, lead in rows
        if closed is None or _date(closed) > period.end
    )
    return Table(
        key="caseload",
        title=_("Caseload per attorney"),
        row_header=_("Attorney"),
        rows=[m.user.full_name or m.user.email for m in attorneys],
        columns=[_("Open matters as lead")],
        values=[[open_at_end[m.user_id]] for m in attorneys],
        note=_("Matters open at the end of the period, by lead attorney."),
    )


def _hours_by_grant(organization_id: int, period: Period, rows, hour_value: Decimal) -> Table:
    """Hours of everyone on the organization's matters, by the grant each entry carries:
    the grants running in the period (or carried by hours in it), then hours of none."""
    minutes: Counter = Counter()
    for _client, grant_id, spent in rows:
        minutes[grant_id] += spent
    grants = list(
        Grant.objects.filter(organization_id=organization_id).filter(
            Q(starts_on__lte=period.end, ends_on__gte=period.start)
            | Q(pk__in=[pk for pk in minutes if pk is not None])
        )
    )
    keys = [g.pk for g in grants] + [None]
    labels = [f"{g.code} · {g.name}" for g in grants] + [str(_("No grant"))]
    values = []
    for key in keys:
        hours = (Decimal(minutes[key]) / 60).quantize(CENT, ROUND_HALF_UP)
        values.append([hours, (hours * hour_value).quantize(CENT, ROUND_HALF_UP)])
    return Table(
        key="grants",
        title=_("Hours by grant"),
        row_header=_("Grant"),
        rows=labels,
        columns=[_("Hours"), _("Value (USD)")],
        values=values,
        row_totals=False,
        suppress=False,
        decimals=True,
        note=_(
            "Hours logged in the period on the organization's matters, by staff and "
            "volunteers, by the grant each entry carries, valued at %(rate)s USD an hour."
        )
        % {"rate": hour_value},
    )
