"""Goal r of issue 15, alone: the coordinator's reports page against the attorney's matter
list, at two sizes, on databases built here or already built; and the cost of refreshing
the report aggregates after one change (O(change): the large database within 1.5x of the
small one).

  # builds aftercare_bench_reports_10000 and _100000 (BENCH_DATABASE_URL's name + suffix)
  .venv/bin/python benchmarks/reports_goal.py --survivors 100000
  # an existing database (built by another script): migrate, rebuild the aggregates, time
  .venv/bin/python benchmarks/reports_goal.py --large-url postgres://.../aftercare_bench_api \\
      [--small-url postgres://.../aftercare_bench_api_100k] --prepare

`--prepare` runs `manage.py migrate` and `manage.py report_aggregates_rebuild` on a
database given by URL first (and reports how long the rebuild took); databases built
here are built with both. A database given by URL is never dropped; the refresh measure
rolls its change back. Prints a table and one JSON line; exits 1 when a goal fails.
"""

from __future__ import annotations

import argparse
import multiprocessing
import platform
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import page_cases
from benchmarks.common import (
    ROOT,
    Result,
    build_scale_database,
    database_exists,
    db_url,
    django_env,
    drop_database,
    median,
    report,
)
from benchmarks.scale_suite import Worker, _label, _time_reports

REFRESH_RUNS = 21


def _prepare(url: str) -> float:
    """Migrations, then the aggregates rebuilt; the rebuild's seconds."""
    env = django_env(url)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    started = time.perf_counter()
    subprocess.run([*manage, "report_aggregates_rebuild", "-v1"], cwd=ROOT, env=env, check=True)
    return time.perf_counter() - started


def _time_refresh(small: Worker | None, large: Worker, sizes: tuple[str, str]) -> list[Result]:
    workers = {"large": large} if small is None else {"small": small, "large": large}
    timings = {which: [] for which in workers}
    for worker in workers.values():
        worker(page_cases.refresh_after_one_change, 0)  # warm up
    for run in range(REFRESH_RUNS):
        for which in list(workers)[:: 1 if run % 2 else -1]:
            timings[which].append(workers[which](page_cases.refresh_after_one_change, run + 1))
    large_ms = median(timings["large"])
    if small is None:
        return [
            Result(
                goal="r2",
                case=f"refresh after one change at {sizes[1]}",
                baseline="",
                case_ms=large_ms,
                baseline_ms=None,
                ratio=None,
                target="info",
                passed=True,
                size=sizes[1],
            )
        ]
    small_ms = median(timings["small"])
    return [
        Result(
            goal="r2",
            case=f"refresh after one change at {sizes[1]}",
            baseline=f"the same at {sizes[0]}",
            case_ms=large_ms,
            baseline_ms=small_ms,
            ratio=large_ms / small_ms,
            target="<= 1.5",
            passed=large_ms / small_ms <= 1.5,
            size=f"{sizes[0]} -> {sizes[1]}",
        )
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--survivors", type=int, default=100_000)
    parser.add_argument("--growth-from", type=int, default=None, help="default: survivors/10")
    parser.add_argument("--large-url", help="an already built database (never dropped)")
    parser.add_argument("--small-url", help="an already built smaller database (optional)")
    parser.add_argument("--prepare", action="store_true", help="migrate + rebuild URL databases")
    parser.add_argument("--reuse", action="store_true", help="keep databases already built")
    parser.add_argument("--keep", action="store_true", help="do not drop the databases built")
    args = parser.parse_args()
    meta: dict = {
        "machine": f"{platform.machine()}, {multiprocessing.cpu_count()} cores",
        "python": platform.python_version(),
        "build_seconds": {},
        "rebuild_seconds": {},
    }
    built: list[str] = []
    if args.large_url:
        urls = {"large": args.large_url}
        if args.small_url:
            urls["small"] = args.small_url
        sizes = ("small", "large")
        if args.prepare:
            for which, url in urls.items():
                meta["rebuild_seconds"][which] = round(_prepare(url))
    else:
        large_n = args.survivors
        small_n = args.growth_from or large_n // 10
        urls = {"small": db_url(f"reports_{small_n}"), "large": db_url(f"reports_{large_n}")}
        sizes = (_label(small_n), _label(large_n))
        for which, n in (("small", small_n), ("large", large_n)):
            if args.reuse and database_exists(urls[which]):
                meta["rebuild_seconds"][which] = round(_prepare(urls[which]))
                continue
            print(f"building {n:,} survivors ...", file=sys.stderr)
            meta["build_seconds"][n] = round(build_scale_database(urls[which], n))
            built.append(urls[which])
    large = Worker(urls["large"])
    small = Worker(urls["small"]) if "small" in urls else None
    try:
        meta["personas"] = large(page_cases.info)
        results = _time_reports(small, large, sizes)
        results += _time_refresh(small, large, sizes)
    finally:
        large.close()
        if small is not None:
            small.close()
    code = report(results, meta)
    if not args.keep:
        for url in built:
            drop_database(url)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
