"""Bar charts drawn as SVG on the server, from a published table: no script, no style.

Each chart repeats numbers of the table beside it (a suppressed count draws no bar and
says so), so the table is the chart's accessible text. One bar per line, its label
above it, so that the chart reads at 360 px: the SVG's own width is 360 units.
"""

from __future__ import annotations

from dataclasses import dataclass

from reports.tables import Published

WIDTH = 360
BAR_SPACE = 250  # the rest of the line holds the number
ROW = 50
# Tables drawn a bar per column (the line of totals) rather than a bar per row.
BY_COLUMN = {"outcomes", "turnaround_sent", "turnaround_received"}


@dataclass(frozen=True)
class Bar:
    label: str
    text: str
    value: float | None
    y: int
    width: int

    @property
    def label_y(self) -> int:
        return self.y + 16

    @property
    def bar_y(self) -> int:
        return self.y + 23

    @property
    def text_x(self) -> int:
        return self.width + 6

    @property
    def text_y(self) -> int:
        return self.y + 37


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    bars: list[Bar]
    height: int


def _series(table: Published) -> list[tuple[str, object]]:
    """(label, cell) pairs: the rows' totals of a two-way table, else its first column."""
    rows = [(label, cells) for label, cells in table.rows if not cells[0].total]
    if table.key in BY_COLUMN:  # a bar per column: the line of column totals
        totals = next(cells for _label, cells in table.rows if cells[0].total)
        return list(zip(table.columns[:-1], totals[:-1], strict=True))
    if table.has_row_totals:
        return [(label, cells[-1]) for label, cells in rows]
    return [(label, cells[0]) for label, cells in rows]


def chart_of(table: Published, title: str) -> Chart:
    series = _series(table)
    values = [float(cell.value) for _label, cell in series if cell.shown]
    top = max(values, default=0) or 1
    bars = []
    for n, (label, cell) in enumerate(series):
        value = float(cell.value) if cell.shown else None
        width = round(BAR_SPACE * value / top) if value else 0
        bars.append(Bar(label, table.text(cell), value, n * ROW, width))
    return Chart(table.key, title, bars, max(len(bars), 1) * ROW)
