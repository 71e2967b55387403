"""A report's tables, and how they are published: small cells suppressed, and enough
other cells hidden that no suppressed count can be worked out from the totals.

A table is a grid of counts with, optionally, a total for each row and column and a
grand total. Publishing it:

1. Primary suppression: a count from 1 to threshold - 1 (totals included) is shown as
   "fewer than N". Zero is shown: it is no one.
2. Complementary suppression: every line (a row with its total, a column with its
   total, and the line of column totals with the grand total) is an equation a reader
   can solve. A line with exactly one hidden entry gives it away, so another entry of
   that line is hidden too: the smallest non-zero count inside the grid, else a
   total. Repeated until no line has exactly one hidden entry. Such a cell says "not
   shown", never "fewer than N" (it may be large).

Published cells carry no value once hidden: a template or an export cannot print it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

SHOWN, SMALL, HIDDEN, NONE = "shown", "small", "hidden", "none"
Number = int | Decimal


@dataclass
class Table:
    """Counts (or amounts) by row and column, before publishing."""

    key: str
    title: str
    row_header: str
    rows: list[str]
    columns: list[str]
    values: list[list[Number]]
    totals: bool = True  # a total row (each column's sum)
    row_totals: bool | None = None  # a total column; by default when there are columns to add
    suppress: bool = True  # counts of people or their matters; False for hours and money
    # A last row that is not the sum of the others (each person once over the period):
    # not an equation, but it is hidden whenever a row above it is.
    distinct_total: Number | None = None
    distinct_label: str = ""
    note: str = ""
    decimals: bool = False
    # Cells shown as small whatever their value (a sum of money made of a few outcomes
    # could be one person's settlement), and what such a cell says.
    small_cells: frozenset[tuple[int, int]] = frozenset()
    small_text: str = ""
    # The grand total is not shown, whatever its value: another table hides the same
    # number (people served in the period, each once). The table's other cells are then
    # suppressed as if it were a small count.
    hide_grand_total: bool = False
    # Cells that measure nothing (a median of no referrals), and what such a cell says.
    none_cells: frozenset[tuple[int, int]] = frozenset()
    none_text: str = ""


@dataclass(frozen=True, slots=True)  # a table can hold many: no __dict__ each
class Cell:
    value: Number | None
    state: str = SHOWN
    total: bool = False

    @property
    def shown(self) -> bool:
        return self.state == SHOWN


@dataclass
class Published:
    """A table as a reader sees it: the header row, then labelled rows of cells."""

    key: str
    title: str
    row_header: str
    columns: list[str]
    rows: list[tuple[str, list[Cell]]]
    threshold: int
    note: str = ""
    decimals: bool = False
    has_totals: bool = False
    has_row_totals: bool = False
    hidden_count: int = field(default=0)
    small_text: str = ""
    none_text: str = ""

    def text(self, cell: Cell) -> str:
        if cell.state == NONE:
            return self.none_text
        if cell.state == SMALL:
            return str((self.small_text or _("fewer than %(n)s")) % {"n": self.threshold})
        if cell.state == HIDDEN:
            return str(_("not shown"))
        if self.decimals:
            return f"{cell.value:,.2f}"
        return f"{cell.value:,}"


def _grid(table: Table) -> tuple[list[list[Number]], bool, bool]:
    """The values with their totals, and whether rows and columns have a total."""
    grid = [list(row) for row in table.values]
    row_totals = table.totals and (
        len(table.columns) > 1 if table.row_totals is None else table.row_totals
    )
    col_totals = table.totals
    if row_totals:
        for row in grid:
            row.append(sum(row))
    if col_totals:
        width = len(table.columns) + (1 if row_totals else 0)
        grid.append([sum(row[c] for row in grid) for c in range(width)])
    return grid, row_totals, col_totals


def suppress(
    grid: list[list[Number]],
    *,
    threshold: int,
    row_totals: bool,
    col_totals: bool,
    hidden: frozenset[tuple[int, int]] = frozenset(),
) -> list[list[str]]:
    """The state of each entry of the grid (totals last in each row and column); the
    entries in `hidden` are not shown whatever their value."""
    states = [[SMALL if 0 < v < threshold else SHOWN for v in row] for row in grid]
    if not grid:
        return states
    for r, c in hidden:
        if states[r][c] == SHOWN:
            states[r][c] = HIDDEN
    n_rows, n_cols = len(grid), len(grid[0])
    lines = []
    if row_totals:
        lines += [[(r, c) for c in range(n_cols)] for r in range(n_rows)]
    if col_totals:
        lines += [[(r, c) for r in range(n_rows)] for c in range(n_cols)]
    last_row = n_rows - 1 if col_totals else n_rows
    last_col = n_cols - 1 if row_totals else n_cols
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden = [rc for rc in line if states[rc[0]][rc[1]] != SHOWN]
            if len(hidden) != 1:
                continue
            candidates = [rc for rc in line if states[rc[0]][rc[1]] == SHOWN]

            def rank(rc):
                value = grid[rc[0]][rc[1]]
                inner = rc[0] < last_row and rc[1] < last_col
                return (value == 0, not inner, value)

            r, c = min(candidates, key=rank)
            states[r][c] = HIDDEN
            changed = True
    return states


def publish(table: Table, *, threshold: int) -> Published:
    grid, row_totals, col_totals = _grid(table)
    if table.suppress:
        grand = (
            {(len(grid) - 1, len(grid[0]) - 1)} if table.hide_grand_total and col_totals else set()
        )
        states = suppress(
            grid,
            threshold=threshold,
            row_totals=row_totals,
            col_totals=col_totals,
            hidden=frozenset(grand),
        )
    else:
        states = [[SHOWN] * len(row) for row in grid]
    for r, c in table.small_cells:
        states[r][c] = SMALL
    for r, c in table.none_cells:
        states[r][c] = NONE
    last_col = len(grid[0]) - 1 if row_totals else -1
    rows = []
    labels = [*table.rows, _("Total")] if table.totals else list(table.rows)
    for r, (label, values) in enumerate(zip(labels, grid, strict=True)):
        is_total_row = table.totals and r == len(grid) - 1
        cells = [
            Cell(
                None if state != SHOWN else value,
                state,
                total=is_total_row or c == last_col,
            )
            for c, (value, state) in enumerate(zip(values, states[r], strict=True))
        ]
        rows.append((str(label), cells))
    if table.distinct_total is not None:
        value = table.distinct_total
        any_hidden = any(s != SHOWN for row in states for s in row)
        state = SHOWN
        if table.suppress and 0 < value < threshold:
            state = SMALL
        elif table.suppress and any_hidden:
            state = HIDDEN
        rows.append(
            (str(table.distinct_label), [Cell(value if state == SHOWN else None, state, True)])
        )
    columns = [*table.columns, _("Total")] if row_totals else list(table.columns)
    published = Published(
        key=table.key,
        title=str(table.title),
        row_header=str(table.row_header),
        columns=[str(c) for c in columns],
        rows=rows,
        threshold=threshold,
        note=str(table.note),
        decimals=table.decimals,
        has_totals=table.totals,
        has_row_totals=row_totals,
        small_text=str(table.small_text),
        none_text=str(table.none_text),
    )
    published.hidden_count = sum(
        1 for _l, cells in rows for cell in cells if cell.state in (SMALL, HIDDEN)
    )
    return published
