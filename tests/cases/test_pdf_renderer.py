"""The locked-down renderer: own fonts embedded, nothing else fetched, hostile text shown
as text, limits enforced, and the PDF read back with a real PDF text extractor."""

import io
import json
import os
import subprocess
import sys

import pytest
from django.template.loader import render_to_string
from pypdf import PdfReader

from cases.documents.languages import fixed_wording, language_of
from cases.documents.renderer import RenderError, SafeFetcher, render_pdf, render_pdf_limited
from cases.documents.wording import FEDERAL

HOSTILE = [
    "file:///etc/passwd",
    "http://169.254.169.254/latest/meta-data/",
    '<link rel="attachment" href="file:///etc/passwd">',
    "@import url(http://other.example/x.css);",
    "<img src=//other.example/pixel.png>",
]


def declaration(**overrides) -> str:
    context = {
        "title": "Declaration",
        "court": "Family Court of the State of New York",
        "caption_parties": "In the Matter of\nJane Doe,\nPetitioner.",
        "case_number": "F-01234-26",
        "declarant": "Jane Doe",
        "paragraphs": [
            "I was recruited in 2024 with a promise of work.",
            "My documents were taken from me.",
        ],
        "executed_on": "November 20, 2026",
        "executed_at": "New York, New York",
        "attorney_name": "Alex Attorney",
        "bar_number": "NY-5551234",
        "organization_name": "Harbor Legal Aid",
        "pleading": False,
        "line_numbers": range(1, 29),
        **overrides,
    }
    # The fixed wording, as the context builder gives it (federal, in English by default).
    language = language_of(context.pop("language", "en"))
    context.setdefault("wording", FEDERAL)
    context["doc_language"] = language
    context["doc"] = fixed_wording(
        language.code,
        context["wording"],
        declarant=context["declarant"],
        executed_on=context["executed_on"],
        executed_at=context["executed_at"],
    )
    return render_to_string("documents/survivor_declaration.html", context)


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_pdf_holds_caption_case_number_signature_and_page_numbers():
    rendered = render_pdf(declaration(), title="Declaration · F-01234-26")
    text = text_of(rendered.pdf)
    assert "FAMILY COURT OF THE STATE OF NEW YORK" in text
    assert "F-01234-26" in text
    assert "Bar No. NY-5551234" in text
    assert f"Page 1 of {rendered.pages}" in text
    assert rendered.refused == []


def test_page_numbers_agree_with_the_page_count():
    long = declaration(paragraphs=[f"Paragraph {n} of a long statement." for n in range(80)])
    rendered = render_pdf(long, title="Declaration")
    reader = PdfReader(io.BytesIO(rendered.pdf))
    assert len(reader.pages) == rendered.pages > 1
    last = reader.pages[-1].extract_text()
    assert f"Page {rendered.pages} of {rendered.pages}" in last


def test_our_fonts_are_embedded_and_metadata_has_no_person():
    rendered = render_pdf(declaration(), title="Declaration · F-01234-26")
    reader = PdfReader(io.BytesIO(rendered.pdf))
    fonts = [f.get_object() for page in reader.pages for f in page["/Resources"]["/Font"].values()]
    # Every font is our own shipped serif ("Court Serif" in the stylesheet), embedded.
    assert fonts and all("Court-Serif" in str(f["/BaseFont"]) for f in fonts)
    assert all(
        "/FontFile2" in f["/DescendantFonts"][0].get_object()["/FontDescriptor"] for f in fonts
    )

    assert reader.metadata.title == "Declaration · F-01234-26"
    assert "Jane" not in str(reader.metadata)


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_text_is_shown_as_text_and_fetches_nothing(payload):
    rendered = render_pdf(
        declaration(paragraphs=[payload], executed_at=payload, case_number=payload[:30]),
        title="Declaration",
    )
    assert rendered.refused == []
    assert b"/EmbeddedFile" not in rendered.pdf, "nothing attached"
    text = " ".join(text_of(rendered.pdf).split())
    assert payload.split("//")[-1][:12] in text


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://169.254.169.254/",
        "https://other.example/font.ttf",
        "data:text/css,body{}",
        "aftercare:/../aftercare/settings.py",
        "aftercare:/css/aftercare.css",
        "aftercare:/fonts/../../manage.py",
    ],
)
def test_the_fetcher_refuses_everything_but_our_document_resources(url):
    fetcher = SafeFetcher()
    with pytest.raises(ValueError, match="Only the application"):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_the_fetcher_serves_our_fonts():
    response = SafeFetcher().fetch("aftercare:/fonts/LiberationSerif-Regular.ttf")
    assert response.url.endswith(".ttf")


def test_a_render_in_the_limited_child_returns_the_same_document():
    rendered = render_pdf_limited(declaration(), title="Declaration")
    assert "F-01234-26" in text_of(rendered.pdf)


def test_a_render_past_its_time_limit_is_stopped():
    huge = declaration(paragraphs=["word " * 400] * 400)
    with pytest.raises(RenderError, match="too long"):
        render_pdf_limited(huge, title="Declaration", timeout=0.5)


# WeasyPrint leaves its bundled sRGB profile file open when it writes PDF/A.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_pdf_a_2b_is_available_for_e_filing():
    rendered = render_pdf(declaration(), title="Declaration", variant="pdf/a-2b")
    reader = PdfReader(io.BytesIO(rendered.pdf))
    root = reader.trailer["/Root"]
    assert "/OutputIntents" in root and "/Metadata" in root
    xmp = root["/Metadata"].get_object().get_data()
    assert b"pdfaid:part" in xmp and b"2" in xmp


def test_a_missing_harfbuzz_subsetter_is_a_startup_warning(monkeypatch):
    import weasyprint.text.ffi as ffi

    from cases.checks import harfbuzz_subsetting_available

    assert harfbuzz_subsetting_available(None) == []
    monkeypatch.setattr(ffi, "harfbuzz_subset", None)
    [warning] = harfbuzz_subsetting_available(None)
    assert warning.id == "cases.W001" and "libharfbuzz-subset0" in warning.hint


def test_a_render_that_needs_too_much_memory_is_stopped(monkeypatch):
    from cases.documents import renderer

    def greedy(html, **kwargs):  # a pathological document: far more than the headroom
        return bytearray(2 * renderer.MEMORY_HEADROOM)

    monkeypatch.setattr(renderer, "render_pdf", greedy)
    with pytest.raises(RenderError, match="could not be rendered"):
        render_pdf_limited(declaration(), title="Declaration")


def test_the_limit_leaves_room_in_a_process_that_already_maps_a_lot():
    ballast = bytearray(700 * 1024 * 1024)  # a worker that has grown large
    try:
        assert render_pdf_limited(declaration(), title="Declaration").pages >= 1
    finally:
        del ballast


# A freshly started worker-like process: cold, warmed by the worker's start-up signal,
# then one forked, limited child per document. It reports what it saw of its own state.
WARM_PARENT = """
import json, os, sys, threading
from pathlib import Path
import django
django.setup()
from celery.signals import worker_process_init
from cases.documents import renderer
folder = Path(sys.argv[1])
cold = "weasyprint" not in sys.modules and not renderer.is_warm()
open_before = sorted(os.listdir("/proc/self/fd"))
worker_process_init.send(sender="test")
seen = {
    "started_cold": cold,
    "warm": renderer.is_warm(),
    "threads": threading.active_count(),
    "files_left_open": sorted(set(os.listdir("/proc/self/fd")) - set(open_before)),
}
for html in sorted(folder.glob("*.html")):
    rendered = renderer.render_pdf_limited(html.read_text(), title="Declaration")
    html.with_suffix(".pdf").write_bytes(rendered.pdf)
    seen[html.stem] = rendered.pages
print(json.dumps(seen))
"""


def pdftotext(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "read-back.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_a_render_forked_from_a_warmed_parent_is_the_same_document(tmp_path):
    from django.conf import settings

    from cases.documents.registry import TEMPLATES

    documents = {
        code: declaration(title=template.name, pleading=False)
        if template.template == "documents/survivor_declaration.html"
        else render_to_string(
            template.template,
            {"court": "Family Court of the State of New York", "case_number": "F-01234-26"},
        )
        for code, template in TEMPLATES.items()
    }
    documents["pleading_paper"] = declaration(pleading=True)
    for code, html in documents.items():
        (tmp_path / f"{code}.html").write_text(html)

    result = subprocess.run(
        [sys.executable, "-c", WARM_PARENT, str(tmp_path)],
        cwd=settings.BASE_DIR,
        env={**os.environ, "AFTERCARE_ENV": "test"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["started_cold"] and seen["warm"], "the start-up signal warms the renderer"
    assert seen["threads"] == 1, "warming leaves no thread behind to be lost in a fork"
    assert seen["files_left_open"] == [], "nor a file for every child to inherit"

    for code, html in documents.items():
        forked = (tmp_path / f"{code}.pdf").read_bytes()
        reference = render_pdf(html, title="Declaration")
        assert seen[code] == reference.pages
        text = pdftotext(forked, tmp_path)
        assert text == pdftotext(reference.pdf, tmp_path), code
        assert "FAMILY COURT OF THE STATE OF NEW YORK" in text and "F-01234-26" in text
        assert f"Page 1 of {reference.pages}" in text
        fonts = subprocess.run(
            ["pdffonts", str(tmp_path / f"{code}.pdf")], capture_output=True, text=True
        ).stdout.splitlines()[2:]
        # Our own serif, embedded: a child that lost the parent's font setup would fall
        # back to a system font here.
        assert fonts and all("Court-Serif" in line and " yes " in line for line in fonts), fonts
