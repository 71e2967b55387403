"""Run one function in a forked child with CPU-time, memory and wall-clock limits.

For work on what a stranger sent (parsing an uploaded PDF or photo): a hostile file can
cost a child its limits, never the web worker its time or memory. The pattern is the
document renderer's (`cases/documents/renderer.py`), kept here so the core can offer it
to every app: the child limits itself, runs, pickles its answer into a pipe and leaves
by `os._exit` (no clean-up of the parent's state, no database connection closed); the
parent waits at most `timeout` seconds, then kills it.

The child gets its input by the fork itself (copy-on-write), so nothing is written to a
temporary file. Only a value the function returns, or the `Refusal` it raises, comes
back; any other ending (a crash, a limit hit, a kill) is a `SandboxError`.
"""

from __future__ import annotations

import os
import pickle
import resource
import selectors
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Headroom above what the process already maps: RLIMIT_AS counts address space, and a
# long-lived worker maps far more than it uses.
MEMORY_HEADROOM = 512 * 1024 * 1024


class SandboxError(Exception):
    """The child did not answer: it ran out of time or memory, or crashed."""


class SandboxTimeoutError(SandboxError):
    """The child ran past its wall-clock time and was killed."""


class Refusal(Exception):  # noqa: N818  (a normal answer, not an error of the sandbox)
    """Raised by the function in the child to refuse its input; crosses back intact.

    `code` names the reason, `params` fill the message the parent shows (in the reader's
    language, chosen in the parent).
    """

    def __init__(self, code: str, params: dict | None = None) -> None:
        super().__init__(code, params or {})
        self.code = code
        self.params = params or {}


def run_limited(
    function: Callable[..., Any],
    *args: Any,
    timeout: float,
    cpu_seconds: int,
    memory_headroom: int = MEMORY_HEADROOM,
    **kwargs: Any,
) -> Any:
    """`function(*args, **kwargs)` run in a limited child; its return value, or raise the
    `Refusal` it raised, or `SandboxError`."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: limit itself, run, hand back the outcome, exit
        os.close(read_end)
        _child(function, args, kwargs, write_end, cpu_seconds, memory_headroom)
    os.close(write_end)
    try:
        payload, status = child_output(pid, read_end, deadline=time.monotonic() + timeout)
    except TimeoutError:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise SandboxTimeoutError("The work took too long and was stopped") from None
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0 or not payload:
        raise SandboxError("The work stopped without an answer")
    kind, value = pickle.loads(payload)  # noqa: S301  (our own child process)
    if kind == "refused":
        raise value
    return value


def _child(function, args, kwargs, write_end, cpu_seconds, memory_headroom) -> None:
    status = 1
    try:
        limit = _address_space() + memory_headroom
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
        try:
            outcome = ("done", function(*args, **kwargs))
        except Refusal as refusal:
            outcome = ("refused", refusal)
        payload = pickle.dumps(outcome)
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(payload)
        status = 0
    finally:
        os._exit(status)


def _address_space() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def child_output(pid: int, read_end: int, *, deadline: float) -> tuple[bytes, int]:
    """The child's output and exit status, waking the moment either arrives: a fixed
    polling interval would add up to its length to every call (the PDF renderer uses it too).

    Done when the child has exited, not when the pipe closes: a child forked at the same
    time by another thread may hold a copy of the pipe's write end.
    """
    chunks: list[bytes] = []
    os.set_blocking(read_end, False)
    try:
        exited = os.pidfd_open(pid)  # readable once the child has exited (Linux >= 5.3)
    except (AttributeError, OSError):
        exited = None
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(read_end, selectors.EVENT_READ)
            if exited is not None:
                selector.register(exited, selectors.EVENT_READ)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                selector.select(remaining if exited is not None else min(remaining, 0.005))
                if _drain(read_end, chunks) and read_end in selector.get_map():
                    selector.unregister(read_end)
                finished, status = os.waitpid(pid, os.WNOHANG)
                if finished:
                    _drain(read_end, chunks)
                    return b"".join(chunks), status
    finally:
        os.close(read_end)
        if exited is not None:
            os.close(exited)


def _drain(fd: int, chunks: list[bytes]) -> bool:
    """Read what the pipe holds now; True once it is closed."""
    while True:
        try:
            chunk = os.read(fd, 1 << 20)
        except BlockingIOError:
            return False
        if not chunk:
            return True
        chunks.append(chunk)
