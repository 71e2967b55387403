"""Making a built packet PDF/A-2b as a whole: Ghostscript, in a limited child.

The merged packet holds arbitrary exhibits (scans, agency notices, phone photos), so
declaring the pages we draw PDF/A is not enough: Ghostscript's pdfwrite rewrites the
whole file, embedding every font, converting colour to RGB with an sRGB output intent
(the profile shipped with Ghostscript) and writing the PDF/A identification. It runs:

- with `-dSAFER`, reading only its input, our definitions file and the profile;
- with `-dPDFACompatibilityPolicy=2`: anything it cannot make conformant stops it,
  rather than being dropped from a court exhibit without a word;
- from a forked child (`aftercare.sandbox.run_limited`) with a time and a CPU limit, and
  itself under an address-space and CPU limit, killed with the child if that dies;
- in a private temporary folder (its only copy of the packet in clear), created and
  removed by the parent however the child ended.

The child then reads the result back before anything is stored: the page count, the
outline (Ghostscript's PDF interpreter carries it over), every stamped page's Bates
number as text, the XMP `pdfaid` part, an output intent with its ICC profile, every font
embedded, no encryption and no JavaScript. Any difference is a `PdfAError`; the build
fails with its reason and the previous version stays.

What is lost: the tags (structure tree) of our generated documents. PDF/A-2b ("basic")
does not ask for them and pdfwrite does not keep them, which is one reason PDF/A is a
choice, off unless a court's e-filing system requires it.
"""

from __future__ import annotations

import io
import os
import re
import resource
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from aftercare.sandbox import SandboxError, SandboxTimeoutError, run_limited

# Debian's libgs-common; other systems keep it elsewhere, hence a list.
SRGB_PROFILES = (
    "/usr/share/color/icc/ghostscript/srgb.icc",
    "/usr/share/ghostscript/iccprofiles/srgb.icc",
    "/usr/local/share/ghostscript/iccprofiles/srgb.icc",
)
# Measured (benchmarks/packet_build.py): a 143-page packet converts in a few seconds
# and Ghostscript stays under 100 MB. The limits leave room, and stay below the build
# task's own (cases/tasks.py: 120 s soft).
GS_SECONDS = 60
GS_MEMORY = 1024 * 1024 * 1024  # address space of Ghostscript itself
CHILD_SECONDS = GS_SECONDS + 15  # the child's own wait, then checking the result
CHILD_CPU_SECONDS = GS_SECONDS  # the child checks; Ghostscript inherits no more than this


class PdfAError(Exception):
    """The packet could not be made PDF/A. `code`: unavailable, too_long, failed or
    unverified; `detail` says what, in English, for the log and the audit."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code, detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Expected:
    """What the converted file must still show."""

    pages: int
    outline: list[tuple[str, int]]  # (title, 0-based page), in order
    stamps: dict[int, str]  # 0-based page -> its Bates number


def ghostscript() -> str | None:
    return shutil.which("gs")


def srgb_profile() -> str | None:
    return next((path for path in SRGB_PROFILES if Path(path).is_file()), None)


def available() -> bool:
    return ghostscript() is not None and srgb_profile() is not None


# pdfmark definitions: the sRGB profile as an ICC stream and the output intent that
# names it in the catalog (as Ghostscript's lib/PDFA_def.ps, without its placeholders).
DEFINITIONS = """/ICCProfile ({profile}) def
[/_objdef {{icc_PDFA}} /type /stream /OBJ pdfmark
[{{icc_PDFA}} << /N 3 >> /PUT pdfmark
[{{icc_PDFA}} ICCProfile (r) file /PUT pdfmark
[/_objdef {{OutputIntent_PDFA}} /type /dict /OBJ pdfmark
[{{OutputIntent_PDFA}} <<
  /Type /OutputIntent
  /S /GTS_PDFA1
  /DestOutputProfile {{icc_PDFA}}
  /OutputConditionIdentifier (sRGB IEC61966-2.1)
  /Info (sRGB IEC61966-2.1)
>> /PUT pdfmark
[{{Catalog}} << /OutputIntents [ {{OutputIntent_PDFA}} ] >> /PUT pdfmark
"""


def to_pdfa(pdf: bytes, expected: Expected) -> bytes:
    """The packet as PDF/A-2b, checked; or `PdfAError`."""
    gs, profile = ghostscript(), srgb_profile()
    if gs is None or profile is None:
        raise PdfAError("unavailable", "Ghostscript or its sRGB profile is not installed")
    folder = tempfile.mkdtemp(prefix="aftercare-pdfa-")  # 0700, ours alone
    try:
        source = Path(folder, "packet.pdf")
        source.write_bytes(pdf)
        try:
            outcome = run_limited(
                _convert_and_check,
                gs,
                profile,
                folder,
                expected,
                timeout=CHILD_SECONDS,
                cpu_seconds=CHILD_CPU_SECONDS,
            )
        except SandboxTimeoutError:
            raise PdfAError("too_long", "the conversion ran out of time") from None
        except SandboxError:
            raise PdfAError("failed", "the conversion stopped without an answer") from None
        if outcome is not None:
            raise PdfAError(*outcome)
        # Read here, once, rather than piped back: the worker holds one copy.
        return Path(folder, "packet-pdfa.pdf").read_bytes()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _gs_limits():
    """What Ghostscript's process does before it starts: lower its limits (never above
    the child's own) and ask to be killed with the child that started it. Prepared
    here, so that nothing is imported or loaded between fork and exec."""
    import ctypes

    try:
        prctl = ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        prctl = None

    def lower(kind: int, value: int) -> None:
        _soft, hard = resource.getrlimit(kind)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(kind, (value, value))

    def before_exec() -> None:
        lower(resource.RLIMIT_AS, GS_MEMORY)
        lower(resource.RLIMIT_CPU, GS_SECONDS)
        if prctl is not None:
            prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG

    return before_exec


def _convert_and_check(gs: str, profile: str, folder: str, expected: Expected):
    """In the limited child: None when the converted file is as expected, otherwise
    (code, detail)."""
    Path(folder, "pdfa.ps").write_text(DEFINITIONS.format(profile=profile))
    command = [
        gs,
        "-dSAFER",
        "-dBATCH",
        "-dNOPAUSE",
        "-dQUIET",
        "-dNOOUTERSAVE",
        f"--permit-file-read={profile}",
        "-sDEVICE=pdfwrite",
        "-dPDFA=2",
        "-dPDFACompatibilityPolicy=2",
        "-sColorConversionStrategy=RGB",
        "-dCompatibilityLevel=1.7",
        "-sOutputFile=packet-pdfa.pdf",
        "pdfa.ps",
        "packet.pdf",
    ]
    try:
        finished = subprocess.run(  # noqa: S603  (a fixed command; the file is ours)
            command,
            cwd=folder,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TMPDIR": folder},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=GS_SECONDS,
            preexec_fn=_gs_limits(),  # a single-threaded forked child: safe
            check=False,
        )
    except subprocess.TimeoutExpired:
        return ("too_long", "Ghostscript ran out of time")
    if finished.returncode != 0:
        # Ghostscript's own words, without anything of the file's text: its messages
        # name PDF features and objects, never the content.
        said = finished.stdout.decode("utf-8", "replace") + finished.stderr.decode(
            "utf-8", "replace"
        )
        first = next((line.strip() for line in said.splitlines() if line.strip()), "")
        return ("failed", f"Ghostscript stopped ({finished.returncode}): {first[:200]}")
    try:
        data = Path(folder, "packet-pdfa.pdf").read_bytes()
    except OSError:
        return ("failed", "Ghostscript wrote nothing")
    problems = pdfa_problems(data, expected)
    if problems:
        return ("unverified", "; ".join(problems[:5]))
    return None


def pdfa_problems(data: bytes, expected: Expected | None = None) -> list[str]:
    """What keeps `data` from being the PDF/A-2b packet expected (empty when nothing)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    problems = []
    if reader.is_encrypted:
        return ["encrypted"]
    root = reader.trailer["/Root"]
    xmp = _resolved(root.get("/Metadata"))
    text = xmp.get_data().decode("utf-8", "replace") if xmp else ""
    if not re.search(r"pdfaid:part(?:='|=\"|>)2", text):
        problems.append("no PDF/A-2 identification in the XMP metadata")
    intents = [_resolved(i) for i in _resolved(root.get("/OutputIntents")) or []]
    if not any(_resolved(i.get("/DestOutputProfile")) is not None for i in intents):
        problems.append("no output intent with an ICC profile")
    opening = _resolved(root.get("/OpenAction"))
    if (
        "/JavaScript" in (_resolved(root.get("/Names")) or {})
        or "/AA" in root
        or (hasattr(opening, "get") and opening.get("/S") == "/JavaScript")
    ):
        problems.append("JavaScript or automatic actions")
    if expected is not None:
        problems += _packet_problems(reader, expected)
    for number, page in enumerate(reader.pages):
        unembedded = _unembedded_fonts(page.get("/Resources"), set())
        if unembedded:
            problems.append(f"page {number + 1}: fonts not embedded ({', '.join(unembedded)})")
            break
    return problems


def _packet_problems(reader, expected: Expected) -> list[str]:
    problems = []
    if len(reader.pages) != expected.pages:
        return [f"{len(reader.pages)} pages instead of {expected.pages}"]
    outline = [
        (item.title, reader.get_destination_page_number(item))
        for item in reader.outline
        if not isinstance(item, list)
    ]
    if outline != expected.outline:
        problems.append("the bookmarks differ")
    for number, bates in expected.stamps.items():
        if bates not in reader.pages[number].extract_text():
            problems.append(f"page {number + 1}: its number {bates} is not found")
            break
    return problems


def _resolved(value):
    return value.get_object() if value is not None else None


def _unembedded_fonts(resources, seen: set) -> list[str]:
    """Fonts of these resources, and of their forms, with no font file."""
    if resources is None:
        return []
    resources = resources.get_object()
    missing = []
    for font in (resources.get("/Font") or {}).values():
        font = font.get_object()
        if font.get("/Subtype") == "/Type3":
            continue  # drawn by its own procedures: nothing to embed
        fonts = [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]
        for each in fonts:
            descriptor = each.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor else {}
            if not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                missing.append(str(each.get("/BaseFont", "?")))
    for xobject in (resources.get("/XObject") or {}).values():
        reference = getattr(xobject, "idnum", None)
        if reference is not None:
            if reference in seen:
                continue
            seen.add(reference)
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Form":
            missing += _unembedded_fonts(xobject.get("/Resources"), seen)
    return missing
