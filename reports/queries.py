"""The numbers of one organization's report for one period: counted, never listed.

Every figure comes from the acting organization's own rows, and only from people it may
count (`survivors.reporting`): each row that hangs on a client is dropped when its
client is left out, and the report says how many people were left out and why. No
personal field is read: ids, kinds, stages, dates and amounts only. A fixed number of
queries whatever the number of rows.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from aftercare.models import Membership, Role, User
from cases.kinds import Kind, Stage
from cases.models import Deadline, Grant, Matter, MatterOutcome, TimeEntry
from cases.outcomes import OutcomeKind, StatusObtained
from reports.breakdowns import breakdown_tables
from reports.periods import Period, active, local_date, month_label
from reports.tables import Table
from reports.turnaround import turnaround_days, turnaround_tables
from survivors import reporting
from survivors.models import Referral, Survivor

CENT = Decimal("0.01")


@dataclass
class Report:
    period: Period
    tables: list[Table]
    left_out: Table
    charts: dict[str, str] = field(default_factory=dict)  # table key -> chart title


def report_build(
    *,
    organization_id: int,
    period: Period,
    kind: str = "",
    grant_id: int | None = None,
    hour_value: Decimal,
    threshold: int,
    caseload_limit: int | None = None,
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

    served = [(r[0], local_date(r[3]), local_date(r[4])) for r in matter_rows if counted(r[0])]
    served += [(r[0], local_date(r[1]), local_date(r[2])) for r in own_rows if counted(r[0])]
    in_period = {r[0] for r in matter_rows} | {r[0] for r in own_rows}
    in_period |= {r[0] for r in referral_rows}
    per_month, everyone = _served_by_month(period, served)
    breakdowns = reporting.reporting_breakdowns(
        organization_id=organization_id,
        survivor_ids={pk for pk, opened, closed in served if active(period, opened, closed)},
        on=period.end,
    )
    matters_counted = [r for r in matter_rows if counted(r[0])]
    outcomes = [r for r in outcome_rows if counted(r[0])]
    money, made_of = _money_sums(outcomes)
    return assemble(
        organization_id=organization_id,
        period=period,
        threshold=threshold,
        hour_value=hour_value,
        caseload_limit=caseload_limit,
        counts=Counts(
            served_per_month=per_month,
            served=everyone,
            breakdowns=breakdowns,
            matters=Counter((r[1], r[2]) for r in matters_counted),
            outcomes=Counter((r[1], r[2]) for r in outcomes),
            statuses=Counter(r[3] for r in outcomes if r[2] == OutcomeKind.STATUS),
            money=money,
            money_made_of=made_of,
            deadlines=_deadline_counts([r for r in deadline_rows if counted(r[0])]),
            turnaround=turnaround_days(
                organization_id, [r for r in referral_rows if counted(r[0])]
            ),
            volunteer_minutes=_by_month((r[1], r[2]) for r in hour_rows if counted(r[0])),
            open_at_end=Counter(
                lead
                for _c, _k, _s, _o, closed, lead in matters_counted
                if closed is None or local_date(closed) > period.end
            ),
            grant_minutes=_grant_minutes([r for r in grant_rows if counted(r[0])]),
            left_out=Counter(basis[pk] for pk in in_period if pk in basis and not counted(pk)),
        ),
    )


@dataclass
class Counts:
    """Everything a report shows, counted: from live rows (`report_build`) or from the
    aggregate tables (`reports.aggregates.report_build_aggregated`)."""

    served_per_month: list[int]  # people served in each month of the period
    served: int  # each person once over the period
    breakdowns: reporting.Breakdowns
    matters: Counter  # (kind, stage) -> matters open at some time in the period
    outcomes: Counter  # (matter kind, outcome kind) -> outcomes dated in the period
    statuses: Counter  # status obtained -> outcomes
    money: dict  # (currency, outcome kind) -> sum
    money_made_of: Counter  # (currency, outcome kind) -> outcomes summed
    deadlines: Counter  # "met" / "missed" / "overdue" -> deadlines due in the period
    turnaround: dict  # (way, month sent) -> [days until accepted, ...]
    volunteer_minutes: Counter  # month -> minutes
    open_at_end: Counter  # lead attorney id -> matters open at the end of the period
    grant_minutes: Counter  # grant id or None -> minutes
    left_out: Counter  # reason -> people


def assemble(
    *,
    organization_id: int,
    period: Period,
    threshold: int,
    hour_value: Decimal,
    counts: Counts,
    caseload_limit: int | None = None,
) -> Report:
    """The report's tables from its counts; `caseload_limit`: how many attorneys the
    caseload table names (the busiest; the others on one line), None for all."""
    people_served = _people_by_month(period, counts.served_per_month, counts.served)
    # The people table hides its "whole period" figure when a month is small; the
    # breakdowns' totals are that very number, so they hide it then too.
    whole_period_hidden = any(0 < row[0] < threshold for row in people_served.values)
    tables = [
        people_served,
        *breakdown_tables(counts.breakdowns, threshold, hide_total=whole_period_hidden),
        _matters_by_kind_and_stage(counts.matters),
        _outcomes_by_kind(counts.outcomes),
        _statuses(counts.statuses),
        _money(counts.money, counts.money_made_of, threshold),
        _deadlines(counts.deadlines),
        *turnaround_tables(period, counts.turnaround, threshold),
        _volunteer_hours(period, counts.volunteer_minutes, hour_value),
        _caseload(organization_id, counts.open_at_end, caseload_limit),
        _hours_by_grant(organization_id, period, counts.grant_minutes, hour_value),
    ]
    left_out = Table(
        key="left_out",
        title=_("People left out of this report"),
        row_header=_("Why"),
        rows=[reporting.REASONS[code] for code in reporting.REASONS],
        columns=[_("People")],
        values=[[counts.left_out.get(code, 0)] for code in reporting.REASONS],
        totals=False,
    )
    return Report(period, tables, left_out)


def _served_by_month(period: Period, served) -> tuple[list[int], int]:
    months = period.months()
    by_month = {month: set() for month in months}
    everyone = set()
    for pk, opened, closed in served:
        for month in months:
            if active(month_period(month), opened, closed) and active(period, opened, closed):
                by_month[month].add(pk)
                everyone.add(pk)
    return [len(by_month[m]) for m in months], len(everyone)


def month_period(month: datetime.date) -> Period:
    """The whole calendar month that starts on `month`."""
    end = (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    return Period(month, end)


def _by_month(pairs) -> Counter:
    minutes: Counter = Counter()
    for day, spent in pairs:
        minutes[day.replace(day=1)] += spent
    return minutes


def _money_sums(rows) -> tuple[dict, Counter]:
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    made_of: Counter = Counter()
    for _client, _kind, outcome, _status, amount, currency in rows:
        if amount is not None and outcome in (OutcomeKind.RECOVERED, OutcomeKind.COLLECTED):
            sums[(currency, outcome)] += amount
            made_of[(currency, outcome)] += 1
    return sums, made_of


def _deadline_counts(rows) -> Counter:
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
    return counts


def _grant_minutes(rows) -> Counter:
    minutes: Counter = Counter()
    for _client, grant_id, spent in rows:
        minutes[grant_id] += spent
    return minutes


def _people_by_month(period: Period, per_month: list[int], everyone: int) -> Table:
    months = period.months()
    return Table(
        key="people",
        title=_("People served per month"),
        row_header=_("Month"),
        rows=[month_label(m) for m in months],
        columns=[_("People served")],
        values=[[n] for n in per_month],
        totals=False,
        distinct_total=everyone,
        distinct_label=_("Whole period (each person once)"),
        note=_(
            "A person is served in a month when a matter of theirs is open, or their record "
            "with the organization is, at some time in that month."
        ),
    )


def _two_way(key, title, row_header, row_codes, row_labels, col_codes, col_labels, counts, note=""):
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


def _matters_by_kind_and_stage(counts: Counter) -> Table:
    return _two_way(
        "matters",
        _("Matters by kind and stage"),
        _("Kind"),
        Kind.values,
        dict(Kind.choices),
        Stage.values,
        dict(Stage.choices),
        counts,
        note=_("Matters open at some time in the period, by the stage they are in now."),
    )


def _outcomes_by_kind(counts: Counter) -> Table:
    return _two_way(
        "outcomes",
        _("Outcomes by kind of matter"),
        _("Kind"),
        Kind.values,
        dict(Kind.choices),
        OutcomeKind.values,
        dict(OutcomeKind.choices),
        counts,
        note=_("Outcomes dated in the period."),
    )


def _statuses(counts: Counter) -> Table:
    return Table(
        key="statuses",
        title=_("Immigration status obtained"),
        row_header=_("Status"),
        rows=[label for _code, label in StatusObtained.choices],
        columns=[_("Outcomes")],
        values=[[counts[code]] for code in StatusObtained.values],
    )


def _money(sums: dict, made_of: Counter, threshold: int) -> Table:
    """Sums by currency; a sum of fewer outcomes than the threshold is not shown."""
    sums = defaultdict(Decimal, sums)
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


def _deadlines(counts: Counter) -> Table:
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


def _volunteer_hours(period: Period, minutes: Counter, hour_value: Decimal) -> Table:
    months = period.months()
    values = []
    for month in months:
        hours = (Decimal(minutes[month]) / 60).quantize(CENT, ROUND_HALF_UP)
        values.append([hours, (hours * hour_value).quantize(CENT, ROUND_HALF_UP)])
    return Table(
        key="hours",
        title=_("Volunteer hours and their value"),
        row_header=_("Month"),
        rows=[month_label(m) for m in months],
        columns=[_("Hours"), _("Value (USD)")],
        values=values,
        row_totals=False,
        suppress=False,
        decimals=True,
        note=_("Hours logged by volunteers on the organization's matters, at %(rate)s USD an hour.")
        % {"rate": hour_value},
    )


def _caseload(organization_id: int, open_at_end: Counter, limit: int | None) -> Table:
    """Matters open at the end of the period for each active attorney, by name; or, with
    a limit, the busiest `limit` of them, then the others on one line. An organization
    of a thousand attorneys is a table no one reads on a page, and naming each costs
    the page time that grows with the staff (the exports list everyone)."""
    attorneys = Membership.objects.active().filter(
        organization_id=organization_id, role=Role.ATTORNEY
    )
    if limit is None:
        named = [
            m.user
            for m in attorneys.select_related("user").order_by("user__full_name", "user__email")
        ]
        others = []
    else:
        ids = sorted(
            set(attorneys.order_by().values_list("user_id", flat=True)),
            key=lambda pk: (-open_at_end[pk], pk),
        )
        shown, others = ids[:limit], ids[limit:]
        named = list(User.objects.filter(pk__in=shown))
        named.sort(
            key=lambda user: (-open_at_end[user.pk], (user.full_name or user.email).casefold())
        )
    rows = [user.full_name or user.email for user in named]
    values = [[open_at_end[user.pk]] for user in named]
    if others:
        rows.append(
            ngettext("%(n)s other attorney", "%(n)s other attorneys", len(others))
            % {"n": f"{len(others):,}"}
        )
        values.append([sum(open_at_end[pk] for pk in others)])
    return Table(
        key="caseload",
        title=_("Caseload per attorney"),
        row_header=_("Attorney"),
        rows=rows,
        columns=[_("Open matters as lead")],
        values=values,
        note=_("Matters open at the end of the period, by lead attorney.")
        if not others
        else _(
            "Matters open at the end of the period, by lead attorney: the %(n)s with the "
            "most, then the others together. The exports list every attorney."
        )
        % {"n": limit},
    )


def _hours_by_grant(
    organization_id: int, period: Period, minutes: Counter, hour_value: Decimal
) -> Table:
    """Hours of everyone on the organization's matters, by the grant each entry carries:
    the grants running in the period (or carried by hours in it), then hours of none."""
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
