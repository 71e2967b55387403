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
- Scripts: text our serif lacks falls back to the Noto families (Debian's fonts-noto-core
  and fonts-noto-cjk), from the files and in the order `fonts.conf` gives. A character no installed
  font has fails the render (`MissingGlyphError`, with its code points), never a box; the
  font warnings that would name it never reach a log (`_WithholdText`).
- Bidirectional embedding, override and isolate controls are removed before rendering, so
  typed text cannot display reversed (`neutralize_bidi`).
- The child renders with a temporary folder of its own, removed by the parent however the
  child ended: it exits without running WeasyPrint's clean-up.
"""

from __future__ import annotations

import functools
import gc
import logging
import os
import resource
import shutil
import signal
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from aftercare.sandbox import child_output

SCHEME = "aftercare:"
ALLOWED_FOLDERS = ("fonts", "documents")
# Headroom above what the process already maps when the child starts: RLIMIT_AS counts
# address space, and a long-lived worker already maps far more than it uses.
MEMORY_HEADROOM = 512 * 1024 * 1024
CPU_SECONDS = 60

logger = logging.getLogger(__name__)


class RenderError(Exception):
    """The document could not be rendered; nothing was stored."""


class RenderTimeoutError(RenderError):
    """The render ran past its time and was stopped."""


class MissingGlyphError(RenderError):
    """Characters no installed font can draw: the PDF would show empty boxes."""

    def __init__(self, codepoints) -> None:
        self.codepoints = tuple(sorted(set(codepoints)))
        super().__init__("Some characters cannot be printed with the installed fonts")


# Embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) can show typed text
# reversed or moved; the deprecated format controls U+206A-U+206F with them. The marks
# (LRM, RLM, ALM) stay: they only place neutral characters such as punctuation.
BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x2070)])


def neutralize_bidi(text: str) -> str:
    """The text without the controls that could make it display reversed."""
    return text.translate(BIDI_CONTROLS)


# The system's configuration with only the font files documents print with, and after
# the family a document asks for, a Noto family for every script, in the order it gives.
FONTS_CONF = Path(__file__).with_name("fonts.conf")


def _font_configuration():
    """WeasyPrint's font configuration, read from our `fonts.conf`.

    Fontconfig reads FONTCONFIG_FILE when a configuration is created, and Pango ignores
    rules added to one afterwards; the variable is set only meanwhile (in a render child,
    or while warming, where no other thread runs).
    """
    from weasyprint.text.fonts import FontConfiguration

    previous = os.environ.get("FONTCONFIG_FILE")
    os.environ["FONTCONFIG_FILE"] = str(FONTS_CONF)
    try:
        return FontConfiguration()
    finally:
        if previous is None:
            del os.environ["FONTCONFIG_FILE"]
        else:
            os.environ["FONTCONFIG_FILE"] = previous


class _WithholdText(logging.Filter):
    """WeasyPrint's log records without their arguments, which can quote the document.

    Its ".notdef glyph" warning names each character no font has: those are counted for
    the render under way (`_missing`) and dropped.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith(".notdef glyph"):
            if _missing is not None and record.args:
                _missing.add(record.args[-1])
            return False
        if record.args:
            record.msg, record.args = f"{record.msg} (details withheld)", None
        return True


_missing: set[int] | None = None
for _name in ("weasyprint", "weasyprint.progress"):
    logging.getLogger(_name).addFilter(_WithholdText())
# fontTools logs from many child loggers, some with glyph names: errors only.
logging.getLogger("fontTools").setLevel(logging.ERROR)


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
    """Raises `MissingGlyphError` when any character would print as an empty box."""
    global _missing
    from weasyprint import HTML

    fetcher = SafeFetcher()
    _missing = set()
    try:
        document = HTML(
            string=neutralize_bidi(html), base_url=f"{SCHEME}/documents/", url_fetcher=fetcher
        ).render(font_config=_font_configuration())
        document.metadata.title = title
        document.metadata.authors = []
        document.metadata.generator = "Aftercare"
        # Drawing is where WeasyPrint finds a glyph missing, so the PDF is written first.
        pdf = document.write_pdf(pdf_tags=True, pdf_variant=variant, attachments=[])
        if _missing:
            raise MissingGlyphError(_missing)
    finally:
        _missing = None
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
    """Render in a forked child with memory and CPU limits; raise RenderError on failure
    (`MissingGlyphError` when a character has no font)."""
    warm()  # a no-op in the worker, which warmed at start
    # WeasyPrint writes the document's fonts to a temporary folder it removes only when
    # its objects are collected, which a child leaving by os._exit never does.
    folder = tempfile.mkdtemp(prefix="aftercare-render-")
    try:
        outcome = _render_in_child(
            html, title=title, variant=variant, timeout=timeout, folder=folder
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if isinstance(outcome, tuple):
        raise MissingGlyphError(outcome)
    return outcome


def _render_in_child(
    html: str, *, title: str, variant: str | None, timeout: float, folder: str
) -> Rendered | tuple[int, ...]:
    import pickle

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: limit itself, render, hand back the result, exit
        os.close(read_end)
        status = 1
        try:
            tempfile.tempdir = folder
            limit = _address_space() + MEMORY_HEADROOM
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
            try:
                outcome = render_pdf(html, title=title, variant=variant)
            except MissingGlyphError as missing:
                outcome = missing.codepoints
            payload = pickle.dumps(outcome)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    try:
        payload, status = child_output(pid, read_end, deadline=time.monotonic() + timeout)
    except TimeoutError:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise RenderTimeoutError("The document took too long to render") from None
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0 or not payload:
        raise RenderError("The document could not be rendered")
    return pickle.loads(payload)  # noqa: S301  (our own child process)
