"""A report's period, its months, and the local dates of moments."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import formats, timezone


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


def month_label(month: datetime.date) -> str:
    return formats.date_format(month, "YEAR_MONTH_FORMAT")


def active(period: Period, opened: datetime.date, closed: datetime.date | None) -> bool:
    return opened <= period.end and (closed is None or closed >= period.start)


def local_date(moment: datetime.datetime | None) -> datetime.date | None:
    return None if moment is None else timezone.localtime(moment).date()
