"""`make run` works on SQLite, with no external service: the migrations, the whole demo
seeding, and a report of the demo organization (the report aggregates need PostgreSQL;
on SQLite the report is computed from the live rows). Run in a child process, as `make
run` does, on a fresh SQLite file: the suite itself runs on PostgreSQL in CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

REPORT = """
from decimal import Decimal
from django.utils import timezone
from aftercare.models import Organization
from reports.aggregate_report import report_for
from reports.periods import last_quarter
harbor = Organization.objects.get(name="Harbor Legal Aid")
report = report_for(organization_id=harbor.pk, period=last_quarter(timezone.localdate()),
                    hour_value=Decimal("30"), threshold=11)
print("tables", len(report.tables))
"""


def test_the_demo_seeds_and_reports_on_sqlite(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "DATABASE_REPLICA_URL", "REDIS_URL", "AFTERCARE_ENV")
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'run.sqlite3'}"

    def manage(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=500,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    manage("migrate", "--noinput")
    seeded = manage("seed_demo")
    assert "Added 3 synthetic evidence files" in seeded
    assert "password: " in seeded
    assert "tables " in manage("shell", "-c", REPORT)
