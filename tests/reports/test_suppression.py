"""De-identification: small cells are suppressed, and an attacker who reads the published
table (its shown counts, totals and which cells say "fewer than 11") cannot work out any
suppressed count. The attacker is real: without complementary suppression it succeeds."""

from __future__ import annotations

import random

import pytest
from django.urls import reverse

from reports.tables import HIDDEN, SHOWN, SMALL, Table, publish, suppress
from tests.reports.test_report_page import table_of

pytestmark = pytest.mark.django_db
T = 11


def _lines(n_rows, n_cols):
    rows = [[(r, c) for c in range(n_cols)] for r in range(n_rows)]
    cols = [[(r, c) for r in range(n_rows)] for c in range(n_cols)]
    return rows + cols


def attack(published: list[list[int | None]], states: list[list[str]], bound: int = 60):
    """Every value each unpublished cell can take, given every published one: the rows
    and columns (totals last) are equations, "fewer than 11" means 1 to 10."""
    n_rows, n_cols = len(published), len(published[0])
    lines = _lines(n_rows, n_cols)
    known = {
        (r, c): published[r][c]
        for r in range(n_rows)
        for c in range(n_cols)
        if states[r][c] == SHOWN
    }
    unknown = [
        rc for rc in ((r, c) for r in range(n_rows) for c in range(n_cols)) if rc not in known
    ]
    domain = {
        rc: range(1, T) if states[rc[0]][rc[1]] == SMALL else range(bound + 1) for rc in unknown
    }
    seen = {rc: set() for rc in unknown}

    def solve(assign):
        assign = dict(assign)
        changed = True
        while changed:
            changed = False
            for line in lines:
                missing = [rc for rc in line if rc not in assign]
                if len(missing) == 1:
                    rc = missing[0]
                    inner = sum(assign[x] for x in line[:-1] if x != rc)
                    value = assign[line[-1]] - inner if rc != line[-1] else inner
                    if value not in domain[rc]:
                        return
                    assign[rc], changed = value, True
                elif not missing and sum(assign[x] for x in line[:-1]) != assign[line[-1]]:
                    return
        free = [rc for rc in unknown if rc not in assign]
        if not free:
            for rc in unknown:
                seen[rc].add(assign[rc])
            return
        for value in domain[free[0]]:
            solve({**assign, free[0]: value})

    solve(known)
    return seen


def _publish_grid(values, *, complementary=True):
    table = Table("t", "t", "r", [str(i) for i in range(len(values))], ["a", "b", "c"], values)
    grid = [[*row, sum(row)] for row in values]
    grid.append([sum(col) for col in zip(*grid, strict=True)])
    if complementary:
        states = suppress(grid, threshold=T, row_totals=True, col_totals=True)
    else:
        states = [[SMALL if 0 < v < T else SHOWN for v in row] for row in grid]
    published = [
        [v if s == SHOWN else None for v, s in zip(row, srow, strict=True)]
        for row, srow in zip(grid, states, strict=True)
    ]
    return table, grid, states, published


def test_without_complementary_suppression_the_attacker_recovers_a_small_count():
    _table, _grid, states, published = _publish_grid(
        [[20, 3, 14], [12, 15, 30]], complementary=False
    )
    seen = attack(published, states)
    assert seen[(0, 1)] == {3}  # 37 - 20 - 14: the margins give it away


@pytest.mark.parametrize("seed", range(12))
def test_no_suppressed_count_can_be_worked_out_from_the_margins(seed):
    rng = random.Random(seed)
    values = [
        [rng.choice([0, rng.randint(1, 10), rng.randint(11, 30)]) for _c in range(3)]
        for _r in range(3)
    ]
    _table, grid, states, published = _publish_grid(values)
    for row in states:  # no line is left with a single hidden entry
        assert sum(s != SHOWN for s in row) != 1
    for c in range(len(states[0])):
        assert sum(states[r][c] != SHOWN for r in range(len(states))) != 1
    seen = attack(published, states)
    for (r, c), values_possible in seen.items():
        assert grid[r][c] in values_possible
        if states[r][c] == SMALL:
            assert len(values_possible) > 1, (values, (r, c), values_possible)


def test_the_published_quarter_keeps_its_small_counts(quarter, coordinator, client_for):
    page = client_for(coordinator).get(reverse("reports:page")).text
    for key in ("matters", "outcomes"):
        rows = table_of(page, key)
        published, states = [], []
        for cells in rows.values():
            published.append([None if not c.replace(",", "").isdigit() else int(c) for c in cells])
            states.append(
                [
                    SMALL if c.startswith("fewer") else HIDDEN if c == "not shown" else SHOWN
                    for c in cells
                ]
            )
        seen = attack(published, states)
        small = [rc for rc in seen if states[rc[0]][rc[1]] == SMALL]
        assert small, f"the {key} table has a small count to protect"
        for rc in small:
            assert len(seen[rc]) > 1, (key, rc, seen[rc])


def test_the_whole_period_is_hidden_when_a_month_is():
    table = Table(
        "people",
        "People",
        "Month",
        ["Jan", "Feb"],
        ["People"],
        [[20], [4]],
        totals=False,
        distinct_total=22,
        distinct_label="Whole period",
    )
    published = publish(table, threshold=T)
    texts = [published.text(cells[0]) for _label, cells in published.rows]
    assert texts == ["20", "fewer than 11", "not shown"]


def test_zero_is_shown_and_a_threshold_of_5_is_honoured():
    table = Table("d", "D", "Row", ["a", "b", "c"], ["n"], [[0], [5], [7]])
    published = publish(table, threshold=5)
    texts = [published.text(cells[0]) for _label, cells in published.rows]
    assert texts == ["0", "5", "7", "12"]
