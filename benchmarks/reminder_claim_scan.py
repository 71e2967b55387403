"""The reminder claim scan costs O(due), not O(deadlines).

Builds two PostgreSQL databases, with 300k and with 3M deadlines (each with one
reminder already claimed and one scheduled in the future) and the same 500 reminders
due now, then times the claim query of `reminders_dispatch` in both, alternating,
and compares the medians. Goal: large / small <= 1.5.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/aftercare_bench"
)
SIZES = [int(x) for x in os.environ.get("BENCH_SIZES", "300000,3000000").split(",")]
DUE = 500
RUNS = 21
GOAL = 1.5


def _url(size: int) -> str:
    return f"{BASE_URL}_{size}"


def _psql_admin(sql: str) -> None:
    import psycopg

    parsed = urlparse(BASE_URL)
    with psycopg.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(sql)


def build(size: int) -> None:
    """A fresh database with the schema (migrations) and generated rows."""
    import subprocess

    name = urlparse(_url(size)).path.lstrip("/")
    _psql_admin(f'DROP DATABASE IF EXISTS "{name}"')
    _psql_admin(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": _url(size), "AFTERCARE_ENV": "test"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    import psycopg

    with psycopg.connect(_url(size), autocommit=True) as conn:
        conn.execute("""
            INSERT INTO aftercare_organization (name, kind, country, jurisdiction, contact_email,
                contact_phone, services, is_active, created_at)
            VALUES ('Bench', 'legal_aid', 'US', '', '', '', '[]', true, now());
            INSERT INTO aftercare_user (password, is_superuser, email, full_name, is_active,
                is_staff, date_joined) VALUES ('!', false, 'bench@bench.example', '', true,
                false, now());
            INSERT INTO survivors_survivor (organization_id, code, status, legal_name,
                preferred_name, initials, gender, country_of_origin, nationality, languages,
                interpreter_needed, guardian_name, guardian_contact, safety_situation,
                safe_location, trafficking_kinds, indicators, needs, is_minor, intake_step,
                legal_hold, created_at, updated_at)
            VALUES (1, 'AC-BENCH', 'active', 'x', '', '', '', '', '', '', false, '', '', '', '',
                '[]', '[]', '[]', false, 1, false, now(), now());
            INSERT INTO cases_conflictcheck (organization_id, client_id, requested_by_id,
                created_at, decision, decision_reason) VALUES (1, 1, 1, now(), 'cleared', '');
            INSERT INTO cases_matter (organization_id, number, client_id, kind, sub_kind, stage,
                case_number, receipt_number, lead_attorney_id, file_under_pseudonym,
                conflict_check_id, opened_at, outcome, closing_reason)
            VALUES (1, 'M-BENCH', 1, 'immigration', 't_visa', 'intake', '', '', 1, false, 1,
                now(), '', '');
        """)
        conn.execute(f"""
            INSERT INTO cases_deadline (matter_id, kind, title, due_date, time_zone, location,
                status, computation, created_by_id, created_at)
            SELECT 1, 'filing', 'Filing', current_date + (g % 700), 'America/New_York', '',
                'open', '[]', 1, now() FROM generate_series(1, {size}) AS g;
        """)
        conn.execute("""
            INSERT INTO cases_reminder (deadline_id, kind, days_before, due_at, claimed_at)
            SELECT id, 'reminder', 30, now() - interval '30 days', now() - interval '30 days'
            FROM cases_deadline;
            INSERT INTO cases_reminder (deadline_id, kind, days_before, due_at, claimed_at)
            SELECT id, 'reminder', 1, now() + interval '1 day' + (id % 600) * interval '1 day',
                NULL FROM cases_deadline;
        """)
        conn.execute(f"""
            UPDATE cases_reminder SET due_at = now() - interval '1 minute'
            WHERE id IN (SELECT id FROM cases_reminder WHERE claimed_at IS NULL
                         ORDER BY id LIMIT {DUE});
        """)
        conn.execute("VACUUM ANALYZE cases_reminder")
        conn.execute("VACUUM ANALYZE cases_deadline")


CLAIM_SQL = """
    SELECT r.id FROM cases_reminder r
    WHERE r.claimed_at IS NULL AND r.due_at <= now()
    ORDER BY r.due_at LIMIT 500 FOR UPDATE OF r SKIP LOCKED
"""


def time_claim(conn) -> float:
    """Milliseconds of the claim scan, as reminders_dispatch runs it (rolled back)."""
    with conn.transaction(force_rollback=True):
        started = time.perf_counter()
        rows = conn.execute(CLAIM_SQL).fetchall()
        elapsed = (time.perf_counter() - started) * 1000
    assert len(rows) == DUE, len(rows)
    return elapsed


def plan(conn) -> str:
    return "\n".join(r[0] for r in conn.execute("EXPLAIN " + CLAIM_SQL).fetchall())


def run() -> dict:
    """Build (unless BENCH_REUSE=1), time, print the table; return the result."""
    import psycopg

    if os.environ.get("BENCH_REUSE") != "1":
        for size in SIZES:
            started = time.perf_counter()
            build(size)
            print(
                f"built {size:,} deadlines in {time.perf_counter() - started:.0f} s",
                file=sys.stderr,
            )
    conns = {size: psycopg.connect(_url(size)) for size in SIZES}
    timings: dict[int, list[float]] = {size: [] for size in SIZES}
    for size in SIZES:  # warm up
        time_claim(conns[size])
    for _ in range(RUNS):
        for size in SIZES:  # alternating, so drift hits both alike
            timings[size].append(time_claim(conns[size]))
    small, large = SIZES[0], SIZES[-1]
    medians = {size: statistics.median(t) for size, t in timings.items()}
    ratio = medians[large] / medians[small]
    seq_scan = any("Seq Scan" in plan(c) for c in conns.values())
    result = {
        "case": "reminder claim scan",
        "baseline": f"{small:,} deadlines",
        "measured": f"{large:,} deadlines",
        "due": DUE,
        "median_ms": {str(k): round(v, 3) for k, v in medians.items()},
        "ratio": round(ratio, 2),
        "goal": f"<= {GOAL}",
        "seq_scan": seq_scan,
        "pass": ratio <= GOAL and not seq_scan,
    }
    print(f"{'case':<22}{'baseline ms':>14}{'measured ms':>14}{'ratio':>8}{'goal':>8}  result")
    print(
        f"{'reminder claim scan':<22}{medians[small]:>14.3f}{medians[large]:>14.3f}"
        f"{ratio:>8.2f}{GOAL:>8}  {'PASS' if result['pass'] else 'FAIL'}"
    )
    print(plan(conns[large]))
    for conn in conns.values():
        conn.close()
    if os.environ.get("BENCH_KEEP") != "1":
        for size in SIZES:
            _psql_admin(f'DROP DATABASE IF EXISTS "{urlparse(_url(size)).path.lstrip("/")}"')
    return result


def main() -> int:
    result = run()
    print(json.dumps(result))
    return 0 if result["pass"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
