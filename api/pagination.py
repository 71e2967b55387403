"""Cursor pages: no count over the whole table, and a stable page while rows arrive."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class NewestFirstCursor(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-id",)


class OldestFirstCursor(CursorPagination):
    """For a feed polled from where the caller stopped: the next page is what is new."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("id",)
