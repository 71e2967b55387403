"""The small-cell threshold is configurable, never below 5: a smaller one refuses to start."""

from __future__ import annotations

import pytest

from tests.aftercare.test_settings import manage, one_line_naming
from tests.aftercare.test_settings import production_env as production_env


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("4", "REPORT_SMALL_CELL_THRESHOLD must be at least 5"),
        ("ten", "REPORT_SMALL_CELL_THRESHOLD"),
    ],
)
def test_a_threshold_below_5_or_unreadable_refuses_to_start(production_env, value, says):
    production_env["REPORT_SMALL_CELL_THRESHOLD"] = value
    assert one_line_naming(manage(production_env, "check"), says)


def test_an_hour_value_that_is_no_number_refuses_to_start(production_env):
    production_env["REPORT_VOLUNTEER_HOUR_VALUE"] = "lots"
    assert one_line_naming(manage(production_env, "check"), "REPORT_VOLUNTEER_HOUR_VALUE")


def test_a_threshold_of_5_starts(production_env):
    production_env["REPORT_SMALL_CELL_THRESHOLD"] = "5"
    result = manage(production_env, "check")
    assert "REPORT_SMALL_CELL_THRESHOLD" not in result.stderr
