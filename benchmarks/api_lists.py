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


def measure(runs: int) -> list[Result]:
    from django.conf import settings
    from django.test import Client

    from benchmarks import page_cases

    settings.API_RATE_LIMIT = "1000000/min"
    coordinator = page_cases.STATE["coordinator"]
    page = page_cases.STATE["clients"]["coordinator"]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {_api_key_for(coordinator)}")
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
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--survivors", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--reuse", action="store_true", help="use the database if built")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    url = db_url("api")
    built = None
    if not (args.reuse and database_exists(url)):
        built = build_scale_database(url, args.survivors)
    from benchmarks import page_cases

    page_cases.setup(url)
    try:
        results = measure(args.runs)
        meta = {"survivors": args.survivors, "built_seconds": built, **page_cases.info()}
        return report(results, meta)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(url)


if __name__ == "__main__":
    sys.exit(main())
