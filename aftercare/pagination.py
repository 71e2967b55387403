"""Pages that never count a whole table: counts stop at a cap ("1,000+")."""

from __future__ import annotations

import re

from django.db.models import QuerySet

COUNT_CAP = 1000
# No one pages this far by hand; a larger number is typed or forged, and its offset
# would overflow the database's 64-bit integer.
MAX_PAGE = 100_000
_PAGE = re.compile(r"[0-9]+")  # ASCII digits only: "²".isdigit() is true, int("²") fails


def page_number(text: str | None) -> int:
    """The page a `?page=` asks for: anything that is not a plain positive number is page
    1, and an absurdly large one is MAX_PAGE (CappedPage then shows the last page)."""
    if not text or not _PAGE.fullmatch(text):
        return 1
    if len(text) > len(str(MAX_PAGE)):  # int() of thousands of digits is refused
        return MAX_PAGE
    return min(max(int(text), 1), MAX_PAGE)


class CappedPage:
    """One page of a queryset, with a total counted at most up to COUNT_CAP + 1 rows."""

    def __init__(self, queryset: QuerySet, number: str | None, *, per_page: int = 25):
        self.per_page = per_page
        # A LIMITed count: its cost is bounded by the cap, never by the table.
        self.total = queryset.order_by()[: COUNT_CAP + 1].count()
        self.total_is_capped = self.total > COUNT_CAP
        self.number = page_number(number)
        if not self.total_is_capped:
            # Past the end (a typed or stale number): the last page, not an empty one.
            last = max((self.total + per_page - 1) // per_page, 1)
            self.number = min(self.number, last)
        offset = (self.number - 1) * per_page
        rows = list(queryset[offset : offset + per_page + 1])
        self.has_next = len(rows) > per_page
        self.object_list = rows[:per_page]
        self.has_previous = self.number > 1
        self.start_index = offset + 1 if self.object_list else 0
        self.end_index = offset + len(self.object_list)

    @property
    def total_display(self) -> str:
        return f"{COUNT_CAP:,}+" if self.total_is_capped else f"{self.total:,}"

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    def __iter__(self):
        return iter(self.object_list)
