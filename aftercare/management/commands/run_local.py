"""`make run`'s processes: the development web server and one Celery worker with beat,
stopped together, within seconds, by one Ctrl-C.

This replaced a shell line, `trap 'kill 0' EXIT INT TERM`, whose `kill 0` signalled the
shell itself and re-entered the trap until bash crashed ("Segmentation fault"), while a
worker in warm shutdown waited on its running task and outlived two SIGTERMs. Here each
child runs in its own process group, which this command alone signals: SIGTERM first
(the worker finishes or hands back what it holds), then, after a few seconds, SIGKILL
to every process of the group, beat and pool included.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

# An idle worker needs about seven seconds for its warm shutdown (beat included).
GRACE_SECONDS = 10.0
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    # Runs in the child before exec: if this command is killed outright (kill -9, a
    # closed terminal), Linux sends the child SIGTERM instead of leaving it running.
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Command(BaseCommand):
    help = "Run the web server and a Celery worker with beat; Ctrl-C stops them all."
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--beat-schedule",
            default=settings.CELERY_BEAT_SCHEDULE_FILENAME,
            help="Beat's schedule file (its folder is created).",
        )

    def handle(self, *args, addrport: str, beat_schedule: str, **options) -> None:
        python = sys.executable
        commands = {
            "worker": [
                *(python, "-m", "celery", "-A", "aftercare", "worker", "--beat"),
                *("--loglevel=INFO", "--concurrency=2", f"--schedule={beat_schedule}"),
            ],
            "web": [python, "manage.py", "runserver", addrport],
        }
        self.children = {
            name: subprocess.Popen(  # noqa: S603  (our own interpreter and arguments)
                command,
                cwd=settings.BASE_DIR,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
            for name, command in commands.items()
        }
        self.stopping = False
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self._on_signal)

        while not self.stopping:
            ended = [name for name, child in self.children.items() if child.poll() is not None]
            if ended:
                self.stderr.write(f"The {ended[0]} process stopped; stopping the rest.")
                self._stop_all()
                sys.exit(1)
            time.sleep(0.2)
        self._stop_all()

    def _on_signal(self, signum, frame) -> None:
        if self.stopping:  # a second Ctrl-C: no more waiting
            self._signal_groups(signal.SIGKILL)
            return
        self.stopping = True

    def _stop_all(self) -> None:
        self.stdout.write("Stopping the web server and the worker…")
        # The worker's main process alone: it stops beat and its pool itself (a warm
        # shutdown), where a signal to the whole group would kill running tasks at once.
        # The web server's whole group, as its autoreloader serves from a child process.
        self._signal(self.children["worker"].pid, signal.SIGTERM)
        self._signal(-self.children["web"].pid, signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        while time.monotonic() < deadline and any(
            child.poll() is None for child in self.children.values()
        ):
            time.sleep(0.1)
        # Even when the group's leader has gone, its pool processes or beat may not have.
        self._signal_groups(signal.SIGKILL)
        for child in self.children.values():
            child.wait()

    def _signal_groups(self, signum: int) -> None:
        for child in self.children.values():
            self._signal(-child.pid, signum)

    @staticmethod
    def _signal(pid: int, signum: int) -> None:
        """A process, or with a negative pid, every process of that group."""
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.kill(pid, signum)
