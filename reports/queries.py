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

from aftercare.models import Membership, Role
from cases.kinds import Kind, Stage
from cases.models import Deadline, Grant, Matter, MatterOutcome, TimeEntry
from cases.outcomes import OutcomeKind, StatusObtained
from reports.breakdowns import breakdown_tables
from reports.periods import Period, active, local_date, month_label
from reports.tables import Table
from reports.turnaround import turnaround_tables
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
    people_served = _people_by_month(period, served)
    breakdowns = reporting.reporting_breakdowns(
        organization_id=organization_id,
        survivor_ids={pk for pk, opened, closed in served if active(period, opened, closed)},
        on=period.end,
    )
    # The people table hides its "whole period" figure when a month is small; the
    # breakdowns' totals are that very number, so they hide it then too.
    whole_period_hidden = any(0 < row[0] < threshold for row in people_served.values)
    tables = [
        people_served,
        *breakdown_tables(breakdowns, threshold, hide_total=whole_period_hidden),
        _matters_by_kind_and_stage([r for r in matter_rows if counted(r[0])]),
        _outcomes_by_kind([r for r in outcome_rows if counted(r[0])]),
        _statuses([r for r in outcome_rows if counted(r[0])]),
        _money([r for r in outcome_rows if counted(r[0])], threshold),
        _deadlines([r for r in deadline_rows if counted(r[0])]),
        *turnaround_tables(
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
            if active(Period(month, month_end), opened, closed) and active(period, opened, closed):
                by_month[month].add(pk)
                everyone.add(pk)
    return Table(
        key="people",
        title=_("People served per month"),
        row_header=_("Month"),
        rows=[month_label(m) for m in months],
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
        rows=[month_label(m) for m in months],
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
        if closed is None or local_date(closed) > period.end
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
