"""Pages that never count a whole table: counts stop at a cap ("1,000+")."""

from __future__ import annotations

from django.db.models import QuerySet

COUNT_CAP = 1000


class CappedPage:
    """One page of a queryset, with a total counted at most up to COUNT_CAP + 1 rows."""

    def __init__(self, queryset: QuerySet, number: str | None, *, per_page: int = 25):
        self.number = int(number) if number and number.isdigit() and int(number) > 0 else 1
        self.per_page = per_page
        offset = (self.number - 1) * per_page
        rows = list(queryset[offset : offset + per_page + 1])
        self.has_next = len(rows) > per_page
        self.object_list = rows[:per_page]
        self.has_previous = self.number > 1
        self.start_index = offset + 1 if self.object_list else 0
        self.end_index = offset + len(self.object_list)
        # A LIMITed count: its cost is bounded by the cap, never by the table.
        self.total = queryset.order_by()[: COUNT_CAP + 1].count()
        self.total_is_capped = self.total > COUNT_CAP

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
