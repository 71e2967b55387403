"""PDF speed and memory in a warm worker: median seconds per page for every shipped
template (goal <= 0.25 s), and resident memory after 200 documents (goal <= 250 MB).

Renders the way the worker does (render_pdf_limited: a forked, limited child per
document) against synthetic fields; needs no database.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftercare.settings")
os.environ.setdefault("AFTERCARE_ENV", "test")

import django

django.setup()

from django.template.loader import render_to_string

from cases.documents.registry import TEMPLATES
from cases.documents.renderer import render_pdf_limited

DOCUMENTS = int(os.environ.get("BENCH_DOCUMENTS", "200"))
PAGE_GOAL, RSS_GOAL_MB = 0.25, 250


def _harfbuzz() -> bool:
    import weasyprint.text.ffi as ffi

    return ffi.harfbuzz_subset is not None


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def context(n: int) -> dict:
    return {
        "title": "Benchmark",
        "court": "Family Court of the State of New York",
        "caption_parties": "In the Matter of\nJane Doe",
        "case_number": f"F-{n:05d}-26",
        "declarant": "Jane Doe",
        "attorney_name": "Alex Attorney",
        "bar_number": "NY-1",
        "organization_name": "Harbor Legal Aid",
        "executed_on": "November 20, 2026",
        "executed_at": "New York, New York",
        "pleading": False,
        "line_numbers": range(1, 29),
        "paragraphs": [
            f"Synthetic fact {i} of the statement, long enough to wrap across "
            "a line or two of the page in the court's serif font."
            for i in range(12)
        ],
    }


def main() -> int:
    codes = sorted(TEMPLATES)
    per_page = {code: [] for code in codes}
    render_pdf_limited(render_to_string(TEMPLATES[codes[0]].template, context(0)), title="warm-up")
    for n in range(DOCUMENTS):
        code = codes[n % len(codes)]
        html = render_to_string(TEMPLATES[code].template, context(n))
        started = time.perf_counter()
        rendered = render_pdf_limited(html, title="Benchmark")
        per_page[code].append((time.perf_counter() - started) / rendered.pages)
    medians = {code: statistics.median(v) for code, v in per_page.items()}
    worst = max(medians.values())
    rss = rss_mb()
    print(f"{'template':<28}{'median s/page':>15}")
    for code, value in medians.items():
        print(f"{code:<28}{value:>15.3f}")
    result = {
        "case": "PDF render (warm worker)",
        "documents": DOCUMENTS,
        "worst_median_s_per_page": round(worst, 3),
        "goal_s_per_page": PAGE_GOAL,
        "rss_mb_after": round(rss, 1),
        "goal_rss_mb": RSS_GOAL_MB,
        "harfbuzz_subset": _harfbuzz(),
        "pass": worst <= PAGE_GOAL and rss <= RSS_GOAL_MB,
    }
    print(json.dumps(result))
    return 0 if result["pass"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
