"""A filing packet of 100 pages in 40 exhibits: seconds to build (goal <= 15 s) and the
worker's peak resident memory (goal <= 300 MB).

This process plays a freshly started worker: it warms the renderer as the worker does,
then does what `cases.services.packets` does for each build, without the database:
decrypts every input (Fernet, as the evidence storage and the document columns hold
them), hashes it, turns it into pages (20 phone photos of 12 megapixels, one page each,
and 20 four-page PDFs), draws the cover with its index and the tabs and stamps in the
renderer's limited child, merges, stamps and writes the outline with pypdf. Three
builds as a plain PDF, then three with PDF/A chosen (the merged packet converted to
PDF/A-2b by Ghostscript in a limited child and read back: cases/packets/pdfa.py); the
slowest of each counts. Ghostscript's memory is its own process's (the children's peak
is printed too), not the worker's.

Prints a table and, last, one JSON line with "pass"; exits 0 on pass, 1 on fail.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftercare.settings")
os.environ.setdefault("AFTERCARE_ENV", "test")

import django

django.setup()

from django.utils import timezone

from aftercare.crypto import current_crypter
from cases.documents import renderer
from cases.packets.assembly import Exhibit, assemble, memory_release, pdf_pages, photo_page
from cases.packets.pages import cover_render, exhibit_letter, marks_render
from cases.packets.pdfa import to_pdfa
from cases.services.packet_build import _expected

SECONDS_GOAL, RSS_GOAL_MB = 15.0, 300
PHOTOS, PDFS, PDF_PAGES = 20, 20, 4
PREFIX = "M-2026-0001"


def _photo(seed: int) -> bytes:
    """A 4000 x 3000 JPEG with detail everywhere (a flat colour would compress to nothing)."""
    from PIL import Image

    tile = Image.effect_noise((250, 188), 40 + seed).convert("RGB")
    image = tile.resize((4000, 3000), Image.Resampling.BICUBIC)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _pdf() -> bytes:
    paragraphs = "".join(
        f"<p>{i}. " + "The declarant states what happened, in plain words. " * 12 + "</p>"
        for i in range(12)
    )
    html = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Exhibit</title>'
        '<link rel="stylesheet" href="aftercare:/documents/court.css"></head>'
        f"<body><h1>Declaration</h1>{paragraphs}</body></html>"
    )
    return renderer.render_pdf(html, title="Exhibit").pdf


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time of this process and of every child it waited for (render children, the
    PDF/A child and its Ghostscript): on a shared machine, what the build itself cost."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def build(inputs: list[tuple[str, Path, str]], *, pdf_a: bool = False) -> tuple[float, int, float]:
    started, cpu_started = time.perf_counter(), cpu_seconds()
    crypter = current_crypter()
    exhibits, titles = [], []
    for kind, path, title in inputs:
        data = crypter.decrypt(path.read_bytes())  # one at a time, as from the storage
        hashlib.sha256(data).hexdigest()
        pages = [photo_page(data)] if kind == "photo" else pdf_pages(data)
        exhibits.append(Exhibit(title=title, pages=pages))
        titles.append(title)
    counts = [len(e.pages) for e in exhibits]
    context = {
        "title": "Filing packet",
        "language": "en",
        "date": timezone.localdate(),
        "addressee": "USCIS\nVermont Service Center",
        "subject": "Form I-914",
        "case_number": "",
        "matter_number": PREFIX,
        "signer": "A. Attorney",
        "organization": "Legal Aid",
        "titles": titles,
        "page_counts": counts,
        "prefix": PREFIX,
    }
    cover, cover_pages = cover_render(context, title="Filing packet", variant=None)
    marks = marks_render(
        titles,
        stamps=sum(counts) + len(counts),
        prefix=PREFIX,
        title="Filing packet",
        variant=None,
    )
    pdf, pages = assemble(
        cover_pdf=cover,
        marks_pdf=marks,
        exhibits=exhibits,
        letters=[exhibit_letter(i) for i in range(len(exhibits))],
        cover_title="Cover letter and index",
        document_title="Filing packet",
    )
    if pdf_a:  # as cases/services/packet_build.py does when PDF/A is chosen
        pdf = to_pdfa(pdf, _expected(titles, counts, cover_pages, pages, PREFIX))
    crypter.encrypt(pdf)  # stored encrypted, as the evidence storage does
    del exhibits, pdf, cover, marks
    memory_release()  # as the build task does when it ends
    return time.perf_counter() - started, pages, cpu_seconds() - cpu_started


def inputs_write(folder: Path) -> None:
    """The inputs, encrypted, one file each: made by this process, read by the worker."""
    crypter = current_crypter()
    pdf = _pdf()
    assert len(pdf_pages(pdf)) == PDF_PAGES, len(pdf_pages(pdf))
    for i in range(PHOTOS + PDFS):
        data = pdf if i % 2 else _photo(i)
        (folder / f"{i:02d}-{'pdf' if i % 2 else 'photo'}").write_bytes(crypter.encrypt(data))


def main() -> int:
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="aftercare-bench-packet-") as folder:
        inputs_write(Path(folder))
        # A fresh process plays the worker: its peak memory is the worker's alone.
        return subprocess.run(
            [sys.executable, __file__, "--worker", folder], check=False
        ).returncode


def worker(folder: Path) -> int:
    renderer.warm()
    inputs = []
    for path in sorted(folder.iterdir()):
        kind = path.name.split("-")[1]
        title = f"Police report {path.name[:2]}" if kind == "pdf" else f"Photo {path.name[:2]}"
        inputs.append((kind, path, title))
    before = peak_rss_mb()
    runs = [build(inputs) for _ in range(3)]
    slowest = max(seconds for seconds, _pages, _cpu in runs)
    plain_peak = peak_rss_mb()
    runs_pdf_a = [build(inputs, pdf_a=True) for _ in range(3)]
    slowest_pdf_a = max(seconds for seconds, _pages, _cpu in runs_pdf_a)
    pages = runs[0][1]
    assert runs_pdf_a[0][1] == pages
    exhibit_pages = PHOTOS + PDFS * PDF_PAGES
    peak = peak_rss_mb()
    load = float(Path("/proc/loadavg").read_text().split()[0])
    print(f"{'exhibits':<28}{PHOTOS + PDFS}")
    print(f"{'exhibit pages':<28}{exhibit_pages}")
    print(f"{'packet pages':<28}{pages}  (cover, 40 tabs, exhibits)")
    for n, (seconds, _pages, cpu) in enumerate(runs, 1):
        print(f"{'build ' + str(n):<28}{seconds:.2f} s  ({cpu:.2f} s of CPU)")
    for n, (seconds, _pages, cpu) in enumerate(runs_pdf_a, 1):
        print(f"{'build ' + str(n) + ', PDF/A-2b':<28}{seconds:.2f} s  ({cpu:.2f} s of CPU)")
    print(f"{'peak RSS before builds':<28}{before:.0f} MB (warm renderer)")
    print(f"{'peak RSS, plain builds':<28}{plain_peak:.0f} MB")
    print(f"{'peak RSS':<28}{peak:.0f} MB")
    print(f"{'children peak RSS':<28}{children_peak_rss_mb():.0f} MB (render, Ghostscript)")
    print(f"{'load average':<28}{load:.2f}")
    passed = max(slowest, slowest_pdf_a) <= SECONDS_GOAL and peak <= RSS_GOAL_MB
    print(
        json.dumps(
            {
                "pass": passed,
                "slowest_seconds": round(slowest, 2),
                "slowest_seconds_pdf_a": round(slowest_pdf_a, 2),
                "most_cpu_seconds": round(max(cpu for _s, _p, cpu in runs), 2),
                "most_cpu_seconds_pdf_a": round(max(cpu for _s, _p, cpu in runs_pdf_a), 2),
                "goal_seconds": SECONDS_GOAL,
                "peak_rss_mb": round(peak),
                "children_peak_rss_mb": round(children_peak_rss_mb()),
                "goal_rss_mb": RSS_GOAL_MB,
                "packet_pages": pages,
                "load": load,
            }
        )
    )
    return 0 if passed else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        sys.exit(worker(Path(sys.argv[2])))
    sys.exit(main())
