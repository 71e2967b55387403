"""PDF speed and memory as the worker renders: median seconds per page for every shipped
template (goal <= 0.25 s), and the worker's resident memory after 200 documents (goal
<= 250 MB).

This script's own process plays a freshly started worker, and does only what one does:
it starts cold (checked: WeasyPrint not yet imported), warms through the worker's own
start-up signal (`worker_process_init`, as a Celery pool process receives it at start;
cases/apps.py connects the warming to it and to `worker_init`), then renders every
document with render_pdf_limited, a forked, limited child per document. There is no
untimed warm-up document: the first document counts like every other and is also
reported alone, so a worker that starts cold fails here. Synthetic fields; no database.

Then the same worker renders every template again with the declarant's name and the
statement in each script the fonts cover beyond Latin (Cyrillic, Ethiopic, CJK, Thai,
Myanmar, Arabic, Devanagari), in that language's document (right to left for Arabic),
with a recorded interpreter, as `cases.documents.context.document_context` builds it:
`BENCH_SCRIPT_RUNS` renders of each (default 3), the median per template, and the worst
template's median per script. The goal holds in each script, not only in Latin. All the
text is synthetic ("Example" in each language as the surname); no real person.

Prints a table and, last, one JSON line with "pass"; exits 0 on pass, 1 on fail.
"""

from __future__ import annotations

import json
import os
import resource
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

from celery.signals import worker_process_init
from django.template.loader import render_to_string

from cases.documents import renderer
from cases.documents.registry import TEMPLATES

DOCUMENTS = int(os.environ.get("BENCH_DOCUMENTS", "200"))
SCRIPT_RUNS = int(os.environ.get("BENCH_SCRIPT_RUNS", "3"))

# script: (document language, declarant, one sentence of the statement). Synthetic:
# a common given name and the word for "example"; the sentence says "I worked on a farm
# without pay, and the employer took my passport."
SCRIPTS = {
    "Cyrillic": (
        "uk",
        "Олена Приклад",
        "Я працювала на фермі без оплати, і роботодавець забрав мій паспорт.",  # noqa: RUF001
    ),
    "Ethiopic": (
        "ti",
        "ሰላም ኣብነት",
        "ኣብ ሕርሻ ብዘይ ደሞዝ ሰሪሐ፣ ኣስራሒ ድማ ፓስፖርተይ ወሲዱ። ያለ ደመወዝ በእርሻ ላይ ሠራሁ፤ አሠሪው ፓስፖርቴን ወሰደ።",
    ),
    "CJK": ("zh", "王示例", "我在农场工作没有工资，雇主拿走了我的护照。"),  # noqa: RUF001
    "Thai": (
        "th",
        "สมหญิง ตัวอย่าง",
        "ฉันทำงานในฟาร์มโดยไม่ได้รับค่าจ้าง และนายจ้างยึดหนังสือเดินทางของฉันไป",
    ),
    "Myanmar": (
        "my",
        "မမြင့် ဥပမာ",
        "ကျွန်မသည် လယ်ယာတွင် လုပ်ခမရဘဲ အလုပ်လုပ်ခဲ့ရပြီး အလုပ်ရှင်က ကျွန်မ၏ နိုင်ငံကူးလက်မှတ်ကို ယူသွားခဲ့သည်။",
    ),
    "Arabic": ("ar", "فاطمة مثال", "عملت في مزرعة بدون أجر، وأخذ صاحب العمل جواز سفري."),
    "Devanagari": (
        "hi",
        "सीता उदाहरण",
        "मैंने बिना वेतन के खेत पर काम किया, और मालिक ने मेरा पासपोर्ट ले लिया।",
    ),
}
PAGE_GOAL, RSS_GOAL_MB = 0.25, 250


def _harfbuzz() -> bool:
    import weasyprint.text.ffi as ffi

    return ffi.harfbuzz_subset is not None


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


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


def script_context(n: int, language: str, declarant: str, sentence: str) -> dict:
    """What `document_context` gives a template, for a declarant and a statement in one
    script, without a database: the federal wording, the document in the client's
    language, an interpreter recorded on the matter."""
    from types import SimpleNamespace

    from cases.documents.context import adversarial_caption, interpreter_context
    from cases.documents.languages import fixed_wording, language_of
    from cases.documents.wording import wording_for

    wording = wording_for(None)
    executed_on, executed_at = "November 20, 2026", "New York, New York"
    interpreter = SimpleNamespace(
        name="Sam Interpreter",
        language_in_english=language_of(language).english,
        qualification_in_english="a court-certified interpreter",
        organization="Harbor Language Services",
        phone="+1 212 555 0100",
        email="interpreter@example.org",
    )
    return {
        **context(n),
        "doc": fixed_wording(
            language, wording, declarant=declarant, executed_on=executed_on, executed_at=executed_at
        ),
        "doc_language": language_of(language),
        **interpreter_context(
            {}, wording, interpreter=interpreter, declarant=declarant, in_translation_set=True
        ),
        "caption_parties": f"In the Matter of\n{declarant}",
        "adversarial_caption": adversarial_caption(declarant, "Respondent Example", wording),
        "declarant": declarant,
        "paragraphs": [f"{sentence} " * 3 for _ in range(12)],
        "wording": wording,
        "affirmation": wording.affirmation(executed_on),
        "respondent": "Respondent Example",
        "country": "Example",
        "served_document": f"Declaration of {declarant}",
        "served_on": "November 21, 2026",
    }


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def scripts_render(codes: list[str]) -> dict[str, tuple[float, str, int, float]]:
    """Per script: the worst template's median seconds per page, that template, its
    pages, and the median CPU seconds per page its render child used (what the render
    costs whatever else the machine runs)."""
    worst = {}
    for script, (language, declarant, sentence) in SCRIPTS.items():
        medians, cpu_medians, pages = {}, {}, 0
        for code in codes:
            html = render_to_string(
                TEMPLATES[code].template, script_context(0, language, declarant, sentence)
            )
            times, cpus = [], []
            for _run in range(SCRIPT_RUNS):
                started, cpu_started = time.perf_counter(), children_cpu()
                rendered = renderer.render_pdf_limited(html, title="Benchmark")
                times.append((time.perf_counter() - started) / rendered.pages)
                cpus.append((children_cpu() - cpu_started) / rendered.pages)
            medians[code] = statistics.median(times)
            cpu_medians[code] = statistics.median(cpus)
            pages = max(pages, rendered.pages)
        code = max(medians, key=medians.get)
        worst[script] = (medians[code], code, pages, cpu_medians[code])
    return worst


def start_like_a_worker() -> float:
    """Seconds the worker's start-up warming took in this (so far cold) process."""
    if "weasyprint" in sys.modules or renderer.is_warm():
        raise SystemExit("pdf_render: the process is already warm; it must start cold")
    started = time.perf_counter()
    worker_process_init.send(sender="pdf-bench")
    if not renderer.is_warm():
        raise SystemExit("pdf_render: the worker's start-up signal did not warm the renderer")
    return time.perf_counter() - started


def main() -> int:
    codes = sorted(TEMPLATES)
    load_before = load_average()
    warm_up_s = start_like_a_worker()
    per_page = {code: [] for code in codes}
    first = None
    for n in range(DOCUMENTS):
        code = codes[n % len(codes)]
        html = render_to_string(TEMPLATES[code].template, context(n))
        started = time.perf_counter()
        rendered = renderer.render_pdf_limited(html, title="Benchmark")
        seconds_per_page = (time.perf_counter() - started) / rendered.pages
        per_page[code].append(seconds_per_page)
        first = first or (code, seconds_per_page)
    medians = {code: statistics.median(v) for code, v in per_page.items() if v}
    worst = max(medians.values())
    rss = rss_mb()
    scripts = scripts_render(codes)
    # ru_maxrss of waited-for children: the largest any one render child grew to (KiB).
    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{'template':<28}{'median s/page':>15}")
    for code, value in medians.items():
        print(f"{code:<28}{value:>15.3f}")
    print(f"{'first document (' + first[0] + ')':<43}{first[1]:.3f} s/page")
    print(f"{'script':<14}{'worst median s/page':>20}{'CPU s/page':>12}  template (most pages)")
    for script, (value, code, pages, cpu) in scripts.items():
        print(f"{script:<14}{value:>20.3f}{cpu:>12.3f}  {code} ({pages})")
    worst_script = max(value for value, *_rest in scripts.values())
    result = {
        "case": "PDF render (fresh worker, forked child per document)",
        "documents": DOCUMENTS,
        "worst_median_s_per_page": round(worst, 3),
        "worst_template": max(medians, key=medians.get),
        "best_median_s_per_page": round(min(medians.values()), 3),
        "first_document_s_per_page": round(first[1], 3),
        "goal_s_per_page": PAGE_GOAL,
        "worker_warm_up_s": round(warm_up_s, 3),
        "scripts_worst_median_s_per_page": {
            script: round(value, 3) for script, (value, *_rest) in scripts.items()
        },
        "scripts_cpu_s_per_page": {
            script: round(cpu, 3) for script, (_value, _code, _pages, cpu) in scripts.items()
        },
        "rss_mb_after": round(rss, 1),
        "goal_rss_mb": RSS_GOAL_MB,
        "render_child_peak_rss_mb": round(child_peak, 1),
        "harfbuzz_subset": _harfbuzz(),
        "load_average": [load_before, load_average()],
        "pass": worst <= PAGE_GOAL
        and first[1] <= PAGE_GOAL
        and rss <= RSS_GOAL_MB
        and worst_script <= PAGE_GOAL,
    }
    print(json.dumps(result))
    return 0 if result["pass"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
