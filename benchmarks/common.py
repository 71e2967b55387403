"""What the benchmark scripts share: their own PostgreSQL databases, medians, the table.

Every database a benchmark touches is named `<BENCH_DATABASE_URL's name>_<suffix>`
(default `aftercare_bench_*`), created and dropped here, never any other.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
BASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/aftercare_bench"
)


def db_url(suffix: str) -> str:
    return f"{BASE_URL}_{suffix}"


def db_name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def admin_sql(sql: str) -> None:
    """Run one statement on the server's `postgres` database (CREATE/DROP DATABASE)."""
    import psycopg

    parsed = urlparse(BASE_URL)
    with psycopg.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(sql)


def database_exists(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            return conn.execute("SELECT 1 FROM survivors_survivor LIMIT 1").fetchone() is not None
    except psycopg.Error:
        return False


def drop_database(url: str) -> None:
    admin_sql(f'DROP DATABASE IF EXISTS "{db_name(url)}" WITH (FORCE)')


def django_env(url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "AFTERCARE_ENV": "test",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "PYTHONPATH": str(ROOT),
        **extra,
    }


def build_scale_database(url: str, survivors: int) -> float:
    """A fresh database: migrations, then generate_scale_data.py. Returns the seconds taken."""
    started = time.perf_counter()
    drop_database(url)
    admin_sql(f'CREATE DATABASE "{db_name(url)}"')
    env = django_env(url)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [sys.executable, "benchmarks/generate_scale_data.py", "--survivors", str(survivors)],
        cwd=ROOT,
        env=env,
        check=True,
    )
    # The data came by COPY, past the signals that keep the report aggregates fresh.
    subprocess.run([*manage, "report_aggregates_rebuild", "-v0"], cwd=ROOT, env=env, check=True)
    return time.perf_counter() - started


def median(values: list[float]) -> float:
    return statistics.median(values)


@dataclass
class Result:
    """One goal measured: a case against its baseline, as a ratio."""

    goal: str
    case: str
    baseline: str
    case_ms: float | None
    baseline_ms: float | None
    ratio: float | None
    target: str
    passed: bool
    size: str = ""
    notes: list[str] = field(default_factory=list)

    def row(self) -> str:
        def ms(v: float | None) -> str:
            return "" if v is None else f"{v:.2f}"

        ratio = "" if self.ratio is None else f"{self.ratio:.2f}"
        return (
            f"{self.goal:<3}{self.case[:46]:<47}{ms(self.case_ms):>11}{ms(self.baseline_ms):>11}"
            f"{ratio:>9}  {self.target:<10}{'PASS' if self.passed else 'FAIL'}"
        )


def report(results: list[Result], meta: dict) -> int:
    """Print the table and the JSON; the exit code is 1 when any goal fails."""
    print()
    print(f"{'':<3}{'case':<47}{'case ms':>11}{'base ms':>11}{'ratio':>9}  {'goal':<10}result")
    for result in results:
        print(result.row())
        for note in result.notes:
            print(f"{'':<6}{note}")
    print()
    print(json.dumps({**meta, "results": [asdict(r) for r in results]}))
    return 0 if all(r.passed for r in results) else 1
