"""Issue #14's "done when", in the browser: a paralegal builds a T-visa filing packet.

The declaration is generated in English, then "Start the translation set" gives the
Spanish declaration (typed as the declarant will read it) and the certificate of
translation filled from the interpreter recorded on the matter; two evidence files are
uploaded on the matter page; the cover letter is typed; the packet is built and
downloaded. The PDF is then read page by page as a clerk would look at it: the cover
with its exhibit index, a tab page before each exhibit, a Bates number on every page
after the cover, the Spanish and the English declaration, the certificate naming the
interpreter, and the bookmarks. The worker's work is done in this process when the page
says it is queued (as in test_packet_journey.py; a real worker: test_packet_worker.py).
"""

import io
import itertools
import re
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect
from pypdf import PdfReader

from cases.models import DocumentDraft, Interpreter, Matter, Packet
from cases.services.documents import document_render_run
from cases.services.interpreters import interpreter_add
from cases.services.packet_build import packet_build_run
from tests.actors import lead_actor
from tests.browser.conftest import sign_in
from tests.browser.test_packet_journey import evidence_folder  # noqa: F401  (fixture)
from tests.evidence import samples

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARALEGAL = "paralegal@harbor.example"
T_VISA = "Declaration in support of a T-visa application"
ENGLISH = (
    "I was promised work in a restaurant in New York.\n\n"
    "When I arrived, the employer took my passport and I was not paid."
)
SPANISH = (
    "Me prometieron trabajo en un restaurante en Nueva York.\n\n"
    "Cuando llegué, el empleador me quitó el pasaporte y no me pagaron."
)


def page_text(pdf: Path, page: int) -> str:
    """One page (1-based) as pdftotext reads it, one space between words."""
    result = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return " ".join(result.stdout.split())


def unwrapped(text: str) -> str:
    """Text with a word broken at its hyphen across two lines made whole ("T- visa")."""
    return text.replace("- ", "-")


def _render_when_queued(page, draft: DocumentDraft) -> None:
    """What the worker does once "Generate the PDF" queued the draft; the page then says
    the version is ready, without a reload."""
    status = page.get_by_role("region", name="The PDF").get_by_role("status")
    expect(status).to_contain_text("Queued")
    assert document_render_run(draft_id=draft.pk, user_id=draft.created_by_id) is not None, (
        DocumentDraft.objects.get(pk=draft.pk).error
    )
    expect(status).to_contain_text("Version 1 is ready", timeout=10_000)


def _interpreter_of(matter: Matter) -> Interpreter:
    """The Spanish interpreter recorded on the matter (the demo records one on a T-visa
    matter; this one may be another)."""
    found = Interpreter.objects.filter(matter=matter, language="es").first()
    return found or interpreter_add(
        actor=lead_actor(matter),
        matter=matter,
        name="Lucía Fernández",
        language="es",
        qualification="court_certified",
        organization="Lenguas Legal Interpreting",
        phone="+1 718 555 0199",
        email="lucia@example.org",
    )


def test_a_paralegal_builds_a_t_visa_packet_a_clerk_would_accept(
    open_context,
    live_server,
    demo,
    evidence_folder,  # noqa: F811
    tmp_path,
):
    page = open_context(accept_downloads=True)
    base = live_server.url
    matter = Matter.objects.filter(sub_kind="t_visa", user_grants__user__email=PARALEGAL).first()
    interpreter = _interpreter_of(matter)
    sign_in(page, base, PARALEGAL, demo)

    # 1. The declaration in English.
    page.goto(base + reverse("cases:detail", args=[matter.pk]))
    page.get_by_role("link", name="Documents").first.click()
    page.get_by_label(T_VISA).check()
    page.get_by_role("button", name="Start").click()
    page.get_by_label("Court or agency (as on the caption)").fill("USCIS Vermont Service Center")
    page.get_by_label("Date signed").fill("November 20, 2026")
    page.get_by_label("Place signed").fill("New York, New York")
    page.get_by_label("Attorney's bar number").fill("NY-5551234")
    page.get_by_label("Statement", exact=False).fill(ENGLISH)
    page.get_by_role("button", name="Generate the PDF").click()
    english = DocumentDraft.objects.filter(matter=matter, pair_of=None).latest("id")
    _render_when_queued(page, english)

    # 2. The translation set: the Spanish declaration and the certificate.
    translation = page.get_by_role("region", name="In the declarant's language too")
    translation.get_by_label("The declarant's language").select_option("es")
    translation.get_by_role("button", name="Start the translation set").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Spanish")
    page.get_by_label("Statement", exact=False).fill(SPANISH)
    page.get_by_label("Date signed").fill("November 20, 2026")
    page.get_by_label("Place signed").fill("New York, New York")
    page.get_by_role("button", name="Generate the PDF").click()
    spanish = DocumentDraft.objects.get(pair_of=english, template_code=english.template_code)
    _render_when_queued(page, spanish)
    page.get_by_role("region", name="Translation set").get_by_role(
        "link", name="Certificate of translation"
    ).click()
    page.get_by_role("button", name="Generate the PDF").click()
    certificate = DocumentDraft.objects.get(
        pair_of=english, template_code="translation_certificate"
    )
    _render_when_queued(page, certificate)

    # 3. Two exhibits, uploaded on the matter page.
    report, photo = tmp_path / "police-report.pdf", tmp_path / "IMG_2031.png"
    report.write_bytes(samples.simple_pdf(2))
    photo.write_bytes(samples.png_image((800, 600)))
    page.goto(base + reverse("cases:detail", args=[matter.pk]))
    for path, kind, description in (
        (report, "Police report", "NYPD complaint report"),
        (photo, "Evidence of trafficking", "Photo of the pay ledger"),
    ):
        evidence = page.get_by_role("region", name="Evidence")
        evidence.get_by_label("Kind").select_option(label=kind)
        evidence.get_by_label("Description").fill(description)
        evidence.get_by_label("File", exact=True).set_input_files(str(path))
        evidence.get_by_role("button", name="Upload").click()
        expect(page.get_by_role("status")).to_contain_text("checked, cleaned and saved")

    # 4. The packet: the parts in order, the cover letter typed, built, downloaded.
    page.get_by_role("link", name=f"Matter {matter.number}").click()
    page.get_by_role("link", name="Filing packets").click()
    page.get_by_role("button", name="New packet").click()
    order = [
        f"{T_VISA} (Spanish)",
        T_VISA,
        "Certificate of translation",
        "NYPD complaint report",
        "Photo of the pay ledger",
    ]
    for position, title in enumerate(order, start=1):
        page.get_by_role("checkbox", name=title, exact=True).check()
        page.get_by_role("spinbutton", name=f"Order of {title}", exact=True).fill(str(position))
    page.get_by_label("To", exact=True).fill(
        "USCIS Vermont Service Center\nAttn: T Visa Unit\n38 River Road\nEssex Junction, VT 05479"
    )
    page.get_by_label("Subject (Re:)").fill("Form I-914, Application for T Nonimmigrant Status")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Build the packet").click()
    status = page.get_by_role("region", name="The PDF").get_by_role("status")
    expect(status).to_contain_text("Queued")
    packet = Packet.objects.get(matter=matter)
    version = packet_build_run(packet_id=packet.pk, user_id=packet.created_by_id)
    assert version is not None, Packet.objects.get(pk=packet.pk).error
    expect(status).to_contain_text(f"Version 1 is ready ({version.pages} pages)", timeout=10_000)
    with page.expect_download() as download:
        status.get_by_role("link", name="Download the PDF").click()
    assert download.value.suggested_filename == f"{matter.number}-packet-v1.pdf"
    pdf = tmp_path / "packet.pdf"
    download.value.save_as(pdf)

    # 5. Page by page.
    reader = PdfReader(io.BytesIO(pdf.read_bytes()))
    pages = len(reader.pages)
    assert pages == version.pages
    cover_pages = version.cover_pages
    cover = " ".join(page_text(pdf, n) for n in range(1, cover_pages + 1))
    assert "INDEX OF EXHIBITS" in cover.upper()
    assert "Essex Junction, VT 05479" in cover and "Form I-914" in cover
    # The index: each exhibit's letter, title and pages in the packet, one row each.
    rows = subprocess.run(
        ["pdftotext", "-layout", "-l", str(cover_pages), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    tabs = []
    for letter, title in zip("ABCDE", order, strict=True):
        row = next(line for line in rows if line.strip().startswith(f"{letter} "))
        # A long title wraps in its cell: its first words are on the row.
        assert " ".join(title.split()[:3]) in " ".join(row.split()), (letter, title, row)
        first, last = re.search(r"(\d+)\N{EN DASH}(\d+)", row).groups()
        tabs.append((letter, title, int(first), int(last)))
    # The exhibits follow each other: each tab right after the previous exhibit's end.
    assert tabs[0][2] == cover_pages + 1 and tabs[-1][3] == pages
    for before, after in itertools.pairwise(tabs):
        assert after[2] == before[3] + 1
    texts = {n: page_text(pdf, n) for n in range(cover_pages + 1, pages + 1)}
    for letter, title, first, last in tabs:
        assert f"Exhibit {letter}" in texts[first], texts[first]
        assert title in unwrapped(texts[first]), texts[first]
        body = " ".join(texts[n] for n in range(first + 1, last + 1))
        if title == order[0]:
            assert "DECLARACIÓN DE" in body.upper()
            assert "Me prometieron trabajo en un restaurante en Nueva York." in body
            assert "Declaro bajo pena de perjurio" in body
        elif title == T_VISA:
            assert "DECLARATION OF" in body.upper() and "I declare under penalty" in body
            assert "the employer took my passport and I was not paid." in body
        elif title == "Certificate of translation":
            assert "CERTIFICATE OF TRANSLATION" in body.upper()
            assert f"I, {interpreter.name}, certify" in body
            assert "from Spanish into English" in body
    # A Bates number on every page after the cover, in order; none on the cover.
    for n, text in texts.items():
        assert f"{matter.number}-{n - cover_pages:06d}" in text, (n, text)
    assert not re.search(re.escape(matter.number) + r"-\d{6}$", page_text(pdf, 1))
    # Bookmarks: the cover, then each exhibit at its tab.
    outline = [(item.title, reader.get_destination_page_number(item)) for item in reader.outline]
    assert outline == [("Cover letter and index", 0)] + [
        (f"{letter}. {title}", first - 1) for letter, title, first, _last in tabs
    ]
