"""The partner API's referral and matter lists against their HTML pages (issue #16).

Goal: each API list answers in at most 1.5x the time of the HTML page showing the same
rows, measured alternately in the same run on the same database (medians). Both are
requested through Django's test Client: the page with a coordinator's signed-in
session, the API with a key of a client working as a coordinator of the same
organization (both see the whole organization; the API asked for 25 rows, as a page).

    .venv/bin/python benchmarks/api_lists.py --survivors 10000
    .venv/bin/python benchmarks/api_lists.py --survivors 1000000 --reuse   # the issue's size

The database is `<BENCH_DATABASE_URL>_api`, built by generate_scale_data.py.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (
    Result,
    build_scale_database,
    database_exists,
    db_url,
    drop_database,
    median,
    report,
)

TARGET = 1.5
RPS_GOAL = 0.25  # the API referral list's req/s against a hello-world API view's
HELLO_API = "/bench/hello-api/"
REFERRALS_API = "/api/v1/referrals/?page_size=25"
CASES = {
    # name: (HTML page, API list)
    "referral list": ("/survivors/referrals/", "/api/v1/referrals/?page_size=25"),
    "matter list": ("/matters/", "/api/v1/matters/?page_size=25"),
}


def _api_key_for(coordinator) -> str:
    from datetime import timedelta

    from django.utils import timezone

    from aftercare.actor import Actor
    from aftercare.models import Role
    from api.models import Scope
    from api.services import api_client_create

    _client, key = api_client_create(
        actor=Actor(user=coordinator.user, membership=coordinator, channel="command"),
        name="Benchmark",
        role=Role.COORDINATOR,
        scopes=list(Scope.values),
        expires_at=timezone.now() + timedelta(hours=1),
    )
    return key


def _timed(client, url: str, **headers) -> float:
    started = time.perf_counter()
    response = client.get(url, **headers)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def _locust(host: str, key: str, path: str, users: int, seconds: int, out: Path) -> dict:
    """Run benchmarks/locust_api.py headless; the aggregated row of its statistics."""
    import csv
    import os
    import subprocess

    from benchmarks.common import ROOT

    prefix = out / f"api{path.replace('/', '_').replace('?', '_')}{time.monotonic_ns()}"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "benchmarks" / "locust_api.py"),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(users),
            "--run-time",
            f"{seconds}s",
            "--host",
            host,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env={**os.environ, "BENCH_API_KEY": key, "BENCH_PATH": path},
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with open(f"{prefix}_stats.csv") as f:
        row = next(r for r in csv.DictReader(f) if r["Name"] == "Aggregated")
    return {"rps": float(row["Requests/s"]), "failures": int(row["Failure Count"])}


def measure_load(url: str, key: str, *, rounds=3, seconds=20, users=16) -> Result:
    """Req/s of the referral list under gunicorn (2 sync workers), alternating with a
    hello-world view behind the same key authentication, scope check and throttle."""
    import os
    import tempfile

    from benchmarks.load import Gunicorn

    out = Path(tempfile.mkdtemp(prefix="aftercare-api-load-"))
    os.environ["API_RATE_LIMIT"] = "100000000/min"  # read by the gunicorn workers
    server = Gunicorn(url, out / "gunicorn.log")
    try:
        rps: dict[str, list[float]] = {HELLO_API: [], REFERRALS_API: []}
        errors = 0
        _locust(server.host, key, REFERRALS_API, users, 5, out)  # warm up
        for n in range(rounds):
            order = (HELLO_API, REFERRALS_API) if n % 2 == 0 else (REFERRALS_API, HELLO_API)
            for path in order:
                stats = _locust(server.host, key, path, users, seconds, out)
                rps[path].append(stats["rps"])
                errors += stats["failures"]
    finally:
        server.stop()
    hello, referrals = median(rps[HELLO_API]), median(rps[REFERRALS_API])
    return Result(
        goal="16",
        case="API referral list req/s (gunicorn -w 2, locust)",
        baseline="hello-world API view req/s, same key",
        case_ms=referrals,
        baseline_ms=hello,
        ratio=referrals / hello,
        target=f">= {RPS_GOAL}",
        passed=referrals / hello >= RPS_GOAL and errors == 0,
        notes=[f"req/s, not ms: {users} users x {seconds} s x {rounds} rounds; errors {errors}"],
    )


def measure(runs: int) -> tuple[list[Result], str]:
    from django.conf import settings
    from django.test import Client

    from benchmarks import page_cases

    settings.API_RATE_LIMIT = "1000000/min"
    coordinator = page_cases.STATE["coordinator"]
    page = page_cases.STATE["clients"]["coordinator"]
    key = _api_key_for(coordinator)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    results = []
    for name, (html_url, api_url) in CASES.items():
        for _ in range(3):  # warm both
            _timed(page, html_url), _timed(api, api_url)
        html_ms, api_ms = [], []
        for _ in range(runs):
            html_ms.append(_timed(page, html_url))
            api_ms.append(_timed(api, api_url))
        case, base = median(api_ms), median(html_ms)
        results.append(
            Result(
                goal="16",
                case=f"API {name}",
                baseline=f"HTML {name}",
                case_ms=case,
                baseline_ms=base,
                ratio=case / base,
                target=f"<= {TARGET}",
                passed=case / base <= TARGET,
            )
        )
    return results, key


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--survivors", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--reuse", action="store_true", help="use the database if built")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--load", action="store_true", help="also req/s under gunicorn and locust (~3 min)"
    )
    args = parser.parse_args()
    url = db_url("api")
    built = None
    if not (args.reuse and database_exists(url)):
        built = build_scale_database(url, args.survivors)
    from benchmarks import page_cases

    page_cases.setup(url)
    try:
        results, key = measure(args.runs)
        if args.load:
            results.append(measure_load(url, key))
        meta = {"survivors": args.survivors, "built_seconds": built, **page_cases.info()}
        return report(results, meta)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(url)


if __name__ == "__main__":
    sys.exit(main())
