"""Referral turnaround: days from sent to accepted, by month sent, for the referrals an
organization sent and those it received, with the median per month."""

from __future__ import annotations

import datetime
import statistics
from collections import Counter, defaultdict
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from reports.periods import Period, local_date, month_label
from reports.tables import Table
from survivors import reporting

CENT = Decimal("0.01")


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


def turnaround_days(organization_id: int, rows) -> dict[tuple[str, datetime.date], list[int]]:
    """{(way, month sent): [days from sent to accepted, ...]} of the given referrals
    (survivor id, referral id, sending organization id, sent at): those accepted only."""
    accepted = reporting.referral_acceptances(referral_ids=[r[1] for r in rows])
    days: dict[tuple[str, datetime.date], list[int]] = defaultdict(list)
    for _client, pk, sender, sent_at, *_rest in rows:
        if pk not in accepted:
            continue  # not accepted (yet): no turnaround to measure
        sent = local_date(sent_at)
        way = SENT if sender == organization_id else RECEIVED
        days[(way, sent.replace(day=1))].append(days_between(sent, local_date(accepted[pk])))
    return days


def days_between(sent: datetime.date, accepted: datetime.date) -> int:
    return max((accepted - sent).days, 0)


def turnaround_tables(period: Period, days: dict, threshold: int) -> list[Table]:
    """Referrals the organization sent, and those it received, by the month they were
    sent: how many days until the receiver accepted them, and the median."""
    days = defaultdict(list, days)
    months = period.months()
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
                rows=[month_label(m) for m in months],
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
        rows=[*(month_label(m) for m in months), _("Whole period")],
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
