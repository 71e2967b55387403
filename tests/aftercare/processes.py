"""Real processes for the worker tests: `celery worker` and `manage.py run_local` started
as an operator would, their output in a log file, and what is left of them afterwards."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from django.conf import settings

from tests.conftest import database_url_for_subprocess


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(interval)
    return None


def process_env(*, embedded_broker: bool = False, **extra: str) -> dict[str, str]:
    """The environment of a process against the test database; with `embedded_broker`,
    the file-system broker of `make run` even where the tests themselves use Redis."""
    env = {
        **os.environ,
        "AFTERCARE_ENV": "test",
        "DATABASE_URL": database_url_for_subprocess(),
        **extra,
    }
    if embedded_broker:
        env.pop("REDIS_URL", None)
    return env


class Process:
    """A command in its own process group (as a terminal's foreground job is)."""

    def __init__(self, args: list[str], env: dict[str, str]):
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115  (closed in stop())
            mode="w+", prefix="process-", suffix=".log", delete=False
        )
        self.process = subprocess.Popen(
            args,
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.pid = self.process.pid

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> str:
        """SIGTERM, then SIGKILL, to the group: nothing outlives the test."""
        for signum in (signal.SIGTERM, signal.SIGKILL):
            if not living(descendants(self.pid) | {self.pid}):
                break
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signum)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=30)
        for pid in living(descendants(self.pid)):  # strays that left the group
            os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        output = self.output()
        self.log.close()
        os.unlink(self.log.name)
        return output


def celery_worker(
    *args: str, env: dict[str, str], queue: str | None = None, as_in_production: bool = False
) -> Process:
    """A worker reading its own queue. `as_in_production` keeps gossip and mingle, which
    talk over the broker too (the command of docker-compose.yml's worker)."""
    queue = queue or f"test-{uuid.uuid4().hex[:8]}"
    lean = () if as_in_production else ("--without-gossip", "--without-mingle")
    process = Process(
        [
            *(sys.executable, "-m", "celery", "-A", "aftercare", "worker"),
            *("--loglevel=INFO", "--concurrency=1", *lean),
            *("-Q", queue, "-n", f"{queue}@%h"),
            *args,
        ],
        env,
    )
    process.queue = queue
    return process


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, from /proc; None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1])


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))):
            children.setdefault(stat[1], []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def living(pids: set[int]) -> set[int]:
    """Those still running (a zombie has stopped; only its parent has not reaped it)."""
    return {pid for pid in pids if (stat := _stat(pid)) and stat[0] != "Z"}
