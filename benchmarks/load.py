"""Goal f: the real, permission-filtered matter list under gunicorn and locust.

Starts gunicorn with 2 sync workers on the benchmark database (bench_settings: the
application plus a hello-world page behind the same middleware), then, in the same
run and alternating, saturates each page with locust for a few rounds and compares
the median requests per second (goal: matter list >= 10% of hello world). Last, 50
users request the matter list for two minutes without pause: 0 errors, p95 reported.
Every request is a signed-in attorney's (session cookie with the second factor).
"""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from benchmarks.common import ROOT, Result, django_env, median

HELLO = "/bench/hello/"
MATTERS = "/matters/"
RPS_GOAL = 0.10


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    def __init__(self, url: str, log: Path) -> None:
        self.port = _free_port()
        self.host = f"http://127.0.0.1:{self.port}"
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "aftercare.wsgi:application",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=django_env(url, DJANGO_SETTINGS_MODULE="benchmarks.bench_settings"),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.host}/healthz", timeout=2):  # noqa: S310
                    return
            except urllib.error.HTTPError:
                return  # gunicorn answered; a 503 only says no beat runs beside it
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        self.log.close()


def locust(host: str, sessions_file: str, path: str, users: int, seconds: int, out: Path):
    """Run locust headless; return the aggregated row of its statistics."""
    prefix = out / f"locust{path.replace('/', '_')}{users}_{time.monotonic_ns()}"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "benchmarks" / "locustfile.py"),
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
        env={**os.environ, "BENCH_SESSIONS": sessions_file, "BENCH_PATH": path},
        check=False,  # locust exits 1 when a request failed; the statistics say so
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with open(f"{prefix}_stats.csv") as f:
        row = next(r for r in csv.DictReader(f) if r["Name"] == "Aggregated")
    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": float(row["Requests/s"]),
        "p50_ms": float(row["50%"]),
        "p95_ms": float(row["95%"]),
    }


def run(
    url: str,
    sessions: list[str],
    *,
    size: str,
    soak: int = 120,
    soak_users: int = 50,
    rounds: int = 3,
    seconds: int = 20,
    users: int = 16,
) -> list[Result]:
    from django.conf import global_settings

    out = Path(tempfile.mkdtemp(prefix="aftercare-load-"))
    sessions_file = out / "sessions.json"
    sessions_file.write_text(
        json.dumps({"cookie": global_settings.SESSION_COOKIE_NAME, "sessions": sessions})
    )
    server = Gunicorn(url, out / "gunicorn.log")
    try:
        rps: dict[str, list[float]] = {HELLO: [], MATTERS: []}
        runs: list[dict] = []
        locust(server.host, str(sessions_file), MATTERS, users, 5, out)  # warm up
        for n in range(rounds):
            for path in (HELLO, MATTERS) if n % 2 == 0 else (MATTERS, HELLO):
                stats = locust(server.host, str(sessions_file), path, users, seconds, out)
                rps[path].append(stats["rps"])
                runs.append({"path": path, **stats})
        hello, matters = median(rps[HELLO]), median(rps[MATTERS])
        soaked = locust(server.host, str(sessions_file), MATTERS, soak_users, soak, out)
    finally:
        server.stop()
    errors = sum(r["failures"] for r in runs)
    return [
        Result(
            goal="f",
            case="matter list req/s (gunicorn -w 2, locust)",
            baseline="hello world req/s, same middleware",
            case_ms=matters,
            baseline_ms=hello,
            ratio=matters / hello,
            target=f">= {RPS_GOAL}",
            passed=matters / hello >= RPS_GOAL and errors == 0,
            size=size,
            notes=[
                f"req/s, not ms: {users} users x {seconds} s x {rounds} rounds each, "
                f"alternating; errors {errors}"
            ],
        ),
        Result(
            goal="f",
            case=f"{soak_users} users, {soak} s on the matter list: p95 ms",
            baseline="",
            case_ms=soaked["p95_ms"],
            baseline_ms=None,
            ratio=None,
            target="0 errors",
            passed=soaked["failures"] == 0 and soaked["requests"] > 0,
            size=size,
            notes=[
                f"{soaked['requests']:,} requests, {soaked['failures']} errors, "
                f"{soaked['rps']:.0f} req/s, p50 {soaked['p50_ms']:.0f} ms, "
                f"p95 {soaked['p95_ms']:.0f} ms"
            ],
        ),
    ]
