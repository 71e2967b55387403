"""A locked-down WeasyPrint renderer for court documents.

- Resources come only from our own files: `aftercare:/fonts/...` and
  `aftercare:/documents/...` under `static/`. Every other URL (file:, http:, data:, a
  path escaping the folders) is refused, logged in `refused`, and never fetched.
- Content reaches the HTML through Django's autoescaping templates only.
- Each render runs in a forked child with a CPU-time and memory limit (512 MB more than
  the worker already maps); the parent waits
  at most `timeout` seconds and kills it after.
- The parent is warmed once (`warm()`: WeasyPrint imported, its C bindings, the system
  font list and our stylesheet's fonts used in one small render) before it forks, so
  that every child starts from that state instead of paying ~0.4 s to rebuild it. The
  Celery worker warms at start (cases/apps.py); any other parent on its first render.
- Metadata carries only the title we give (never a person's name); PDFs are tagged, and
  `pdf/a-2b` is offered for e-filing.
"""

from __future__ import annotations

import functools
import gc
import logging
import os
import resource
import selectors
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

SCHEME = "aftercare:"
ALLOWED_FOLDERS = ("fonts", "documents")
# Headroom above what the process already maps when the child starts: RLIMIT_AS counts
# address space, and a long-lived worker already maps far more than it uses.
MEMORY_HEADROOM = 512 * 1024 * 1024
CPU_SECONDS = 60

logger = logging.getLogger(__name__)


class RenderError(Exception):
    """The document could not be rendered; nothing was stored."""


@functools.cache
def _fetcher_class():
    # WeasyPrint needs the system's Pango: imported on first use, so that a machine
    # without it still starts (and the system check says what is missing).
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class _SafeFetcher(URLFetcher):
        """Fetches our own document resources and refuses, and records, everything else."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=["aftercare"], allow_redirects=False, timeout=1)
            self.refused: list[str] = []
            self.fetched: list[str] = []

        def _local_file(self, url: str) -> Path | None:
            if not url.startswith(SCHEME):
                return None
            relative = url[len(SCHEME) :].split("?")[0].split("#")[0].lstrip("/")
            root = (Path(settings.BASE_DIR) / "static").resolve()
            candidate = (root / relative).resolve()
            if not candidate.is_file() or not candidate.is_relative_to(root):
                return None
            if candidate.relative_to(root).parts[0] not in ALLOWED_FOLDERS:
                return None
            return candidate

        def fetch(self, url: str, headers=None) -> URLFetcherResponse:
            path = self._local_file(url)
            if path is None:
                self.refused.append(url)
                raise ValueError("Only the application's own document resources may be loaded")
            self.fetched.append(url)
            kind = "font/ttf" if path.suffix == ".ttf" else "text/css"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})

    return _SafeFetcher


def SafeFetcher():  # noqa: N802  (used like the class it builds)
    """A fetcher for one render: our fonts and document CSS only."""
    return _fetcher_class()()


@dataclass
class Rendered:
    pdf: bytes
    refused: list[str]
    pages: int


def render_pdf(html: str, *, title: str, variant: str | None = None) -> Rendered:
    """Render in this process (used inside the limited child)."""
    return _render(html, title=title, variant=variant)


def _render(html: str, *, title: str, variant: str | None) -> Rendered:
    from weasyprint import HTML

    fetcher = SafeFetcher()
    document = HTML(string=html, base_url=f"{SCHEME}/documents/", url_fetcher=fetcher).render()
    document.metadata.title = title
    document.metadata.authors = []
    document.metadata.generator = "Aftercare"
    pdf = document.write_pdf(pdf_tags=True, pdf_variant=variant, attachments=[])
    return Rendered(pdf=pdf, refused=fetcher.refused, pages=len(document.pages))


# Our own stylesheet with every face it declares (regular, bold, italic, both), a caption
# table, a numbered list and both page styles: the parts of WeasyPrint a court document
# uses. Fixed text, never anyone's data, so rendering it outside the limited child is safe.
WARM_UP_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Warm-up</title>
<link rel="stylesheet" href="aftercare:/documents/court.css"></head>
<body class="pleading"><div class="line-numbers">1<br>2</div>
<div class="court">Court</div>
<table class="caption"><tr><td class="parties">In the Matter of</td><td>No. 0</td></tr></table>
<h1>Warm-up</h1>
<ol class="numbered"><li>Plain, <b>bold</b>, <i>italic</i> and <b><i>both</i></b>.</li></ol>
<div class="signature"><div class="line"></div>Signed</div>
</body></html>"""

_warmed = False


def warm() -> None:
    """Prepare this process to fork warm render children; once per process, never raises.

    What the child inherits is only the warm library state: the warm-up document and its
    temporary font folder are gone before this returns, and it starts no thread (a fork
    copies no threads, only the locks they might hold).
    """
    global _warmed
    if _warmed:
        return
    _warmed = True
    started = time.perf_counter()
    threads_before = threading.active_count()
    try:
        _render(WARM_UP_HTML, title="Warm-up", variant=None)
    except Exception:
        # The child will fail the same way and say so as a RenderError; the worker starts.
        logger.warning("Document renderer could not be warmed", exc_info=True)
        return
    gc.collect()
    if threading.active_count() != threads_before:
        logger.warning("Warming the document renderer started a thread")
    logger.info("Document renderer warmed in %.2f s", time.perf_counter() - started)


def is_warm() -> bool:
    return _warmed


def _address_space() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def render_pdf_limited(
    html: str, *, title: str, variant: str | None = None, timeout: float = 90.0
) -> Rendered:
    """Render in a forked child with memory and CPU limits; raise RenderError on failure."""
    import pickle

    warm()  # a no-op in the worker, which warmed at start
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: limit itself, render, hand back the result, exit
        os.close(read_end)
        status = 1
        try:
            limit = _address_space() + MEMORY_HEADROOM
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
            payload = pickle.dumps(render_pdf(html, title=title, variant=variant))
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    try:
        payload, status = _collect(pid, read_end, deadline=time.monotonic() + timeout)
    except TimeoutError:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise RenderError("The document took too long to render") from None
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0 or not payload:
        raise RenderError("The document could not be rendered")
    return pickle.loads(payload)  # noqa: S301  (our own child process)


def _collect(pid: int, read_end: int, *, deadline: float) -> tuple[bytes, int]:
    """The child's output and its exit status, waking the moment either arrives: a fixed
    polling interval would add up to its length to every document.

    Done when the child has exited, not when the pipe closes: a child forked at the same
    time by another thread of this process may hold a copy of the pipe's write end.
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
                    selector.unregister(read_end)  # closed: stop waking for it
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
