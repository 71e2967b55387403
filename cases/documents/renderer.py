"""A locked-down WeasyPrint renderer for court documents.

- Resources come only from our own files: `aftercare:/fonts/...` and
  `aftercare:/documents/...` under `static/`. Every other URL (file:, http:, data:, a
  path escaping the folders) is refused, logged in `refused`, and never fetched.
- Content reaches the HTML through Django's autoescaping templates only.
- Each render runs in a forked child with a CPU-time and memory limit (512 MB more than
  the worker already maps); the parent waits
  at most `timeout` seconds and kills it after.
- Metadata carries only the title we give (never a person's name); PDFs are tagged, and
  `pdf/a-2b` is offered for e-filing.
"""

from __future__ import annotations

import functools
import os
import resource
import signal
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
    """Render in this process (used inside the limited child, and by the benchmark)."""
    from weasyprint import HTML

    fetcher = SafeFetcher()
    document = HTML(string=html, base_url=f"{SCHEME}/documents/", url_fetcher=fetcher).render()
    document.metadata.title = title
    document.metadata.authors = []
    document.metadata.generator = "Aftercare"
    pdf = document.write_pdf(pdf_tags=True, pdf_variant=variant, attachments=[])
    return Rendered(pdf=pdf, refused=fetcher.refused, pages=len(document.pages))


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
    chunks, deadline = [], time.monotonic() + timeout
    with os.fdopen(read_end, "rb") as pipe:
        os.set_blocking(pipe.fileno(), False)
        while True:
            try:
                chunk = pipe.read()
            except BlockingIOError:
                chunk = None
            if chunk:
                chunks.append(chunk)
            finished, status = os.waitpid(pid, os.WNOHANG)
            if finished:
                rest = pipe.read()
                if rest:
                    chunks.append(rest)
                break
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                raise RenderError("The document took too long to render")
            time.sleep(0.02)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0 or not chunks:
        raise RenderError("The document could not be rendered")
    return pickle.loads(b"".join(chunks))  # noqa: S301  (our own child process)
