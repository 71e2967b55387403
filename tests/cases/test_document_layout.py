"""What a clerk sees in a generated document: paragraphs as typed in a browser, a signature
never alone on a page, the caption and clause of the court's jurisdiction, the attorney's
contact block, and pleading paper whose numbers sit on the text lines. Every PDF here is
rendered for real and read back with poppler (pdftotext, pdffonts, pdftoppm) and pypdf."""

from __future__ import annotations

import io
import re
import subprocess
from collections import defaultdict

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from pypdf import PdfReader

from aftercare.models import AuditEvent
from cases.documents.context import document_context, paragraphs
from cases.documents.registry import TEMPLATES
from cases.documents.renderer import render_pdf
from cases.models import DocumentDraft, DocumentVersion, Jurisdiction
from cases.services import documents as document_services
from cases.services.matters import party_add
from tests.actors import lead_actor
from tests.factories import make_matter, make_survivor

pytestmark = pytest.mark.django_db

FEDERAL_CLAUSE = (
    "I declare under penalty of perjury under the laws of the United States of America "
    "that the foregoing is true and correct."
)
NEW_YORK_AFFIRMATION = (
    "I affirm this 20th day of November, 2026, under the penalties of perjury under the "
    "laws of New York, which may include a fine or imprisonment, that the foregoing is "
    "true, and I understand that this document may be filed in an action or proceeding "
    "in a court of law."
)


# Reading a PDF back ------------------------------------------------------------------


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text with whitespace collapsed, as a reader would quote it."""
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def pages_with(pdf_pages: list[str], text: str) -> list[int]:
    return [n for n, page in enumerate(pdf_pages, start=1) if text in page]


def layout_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def assert_fonts_embedded_and_no_missing_glyph(pdf: bytes, tmp_path) -> None:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    listing = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert listing, "the document uses fonts"
    for line in listing:  # name type encoding emb sub uni id gen
        assert line.split()[-5] == "yes", f"font not embedded: {line}"
    # Text is shown as 2-byte glyph ids (Identity-H); glyph 0 is .notdef, the empty box.
    for page in PdfReader(io.BytesIO(pdf)).pages:
        stream = page.get_contents().get_data().decode("latin-1")
        for hexstring in re.findall(r"<([0-9a-fA-F]+)>", stream):
            glyphs = [hexstring[i : i + 4] for i in range(0, len(hexstring), 4)]
            assert "0000" not in glyphs, ".notdef glyph in the document"


def words_by_page(pdf: bytes, tmp_path) -> list[list[tuple[float, float, str]]]:
    """Every word's right edge, baseline-ish bottom (yMax, points from the top) and text."""
    path = tmp_path / "words.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    pattern = r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
    return [
        [(float(x), float(y), word) for x, y, word in re.findall(pattern, page)]
        for page in html.split("<page ")[1:]
    ]


def raster(pdf: bytes, tmp_path, *, page: int) -> tuple[int, int, bytes]:
    """A page rendered in grey at 36 dpi: width, height and one byte per pixel."""
    path = tmp_path / "raster.pdf"
    path.write_bytes(pdf)
    raw = subprocess.run(
        ["pdftoppm", "-gray", "-r", "36", "-f", str(page), "-l", str(page), str(path)],
        capture_output=True,
        check=True,
    ).stdout
    header = raw.split(b"\n", 3)  # P5, "width height", maxval, pixels
    width, height = (int(v) for v in header[1].split())
    return width, height, header[3]


def dark_rows_in_column(pdf: bytes, tmp_path, *, page: int, x_inches: tuple[float, float]):
    """For each pixel row of a page: is anything dark between x0 and x1 (inches)?"""
    width, height, pixels = raster(pdf, tmp_path, page=page)
    x0, x1 = (int(x * 36) for x in x_inches)
    return [min(pixels[row * width + x0 : row * width + x1 + 1]) < 128 for row in range(height)]


def ink(pdf: bytes, tmp_path, *, page: int) -> float:
    """The share of a page that is dark: text and rules are a few percent, a box is more."""
    _, _, pixels = raster(pdf, tmp_path, page=page)
    return sum(1 for p in pixels if p < 128) / len(pixels)


# The matter and its documents ---------------------------------------------------------


@pytest.fixture
def client_record(harbor):
    return make_survivor(harbor, legal_name="Marisol Quintanilla Reyes")


def court(harbor, name: str, *, state: str = "", kind: str = "court") -> Jurisdiction:
    return Jurisdiction.objects.create(
        organization=harbor, name=name, type=kind, holiday_subdivision=state
    )


def generate(client, matter, template: str, **fields) -> DocumentVersion:
    """Start a draft in the browser, post the form as a browser would, and run the worker."""
    client.post(reverse("cases:documents", args=[matter.pk]), {"template": template})
    draft = DocumentDraft.objects.latest("id")
    posted = {
        "executed_on": "November 20, 2026",
        "executed_at": "Brooklyn, New York",
        **draft.fields,
        **fields,
        "generate": "1",
    }
    client.post(reverse("cases:document_draft", args=[draft.pk]), posted)
    document_services.document_render_run(draft_id=draft.pk, user_id=draft.created_by_id)
    return DocumentVersion.objects.filter(draft=draft).latest("number")


# 1. Paragraphs typed in a browser -----------------------------------------------------


def test_paragraphs_typed_in_a_browser_stay_separate_numbered_paragraphs(
    harbor, attorney, client_for, client_record, tmp_path
):
    matter = make_matter(harbor, lead=attorney.user, client=client_record, case_number="T-1")
    typed = (
        "I was promised work in a restaurant.\r\n\r\n"
        "My passport was taken\r\nat the airport.\r\n \r\n"  # a line of spaces is blank too
        "I escaped in March."
    )
    version = generate(client_for(attorney), matter, "survivor_declaration", paragraphs=typed)
    text = " ".join(layout_text(version.pdf, tmp_path).split())
    assert "1. I was promised work in a restaurant. 2. My passport was taken at the airport." in (
        text
    )
    assert "3. I escaped in March." in text
    assert_fonts_embedded_and_no_missing_glyph(version.pdf, tmp_path)


def test_every_kind_of_line_break_separates_paragraphs_the_same_way():
    expected = ["One two.", "Three."]
    for typed in ("One\ntwo.\n\nThree.", "One\r\ntwo.\r\n\r\nThree.", "One\rtwo.\r\rThree."):
        assert paragraphs(typed) == expected
    assert paragraphs("One two.\u2029Three.") == expected


# 2. The signature stays with the statement --------------------------------------------


def render_statement(
    matter, *, extra_words: int, pleading: bool, template: str = "survivor_declaration"
) -> bytes:
    statement = "\n\n".join(
        [
            "I was recruited with a promise of work. " + "alpha " * 110,
            "My documents were taken from me. " + "beta " * 110,
            "I escaped in March. " + "omega " * extra_words + "FINIS.",
        ]
    )
    fields = {
        "paragraphs": statement,
        "executed_on": "November 20, 2026",
        "executed_at": "Brooklyn, New York",
        "pleading": "on" if pleading else "",
    }
    context = document_context(matter, fields, title="Declaration", identity=None)
    html = render_to_string(TEMPLATES[template].template, context)
    return render_pdf(html, title="Declaration").pdf


@pytest.mark.parametrize("pleading", [False, True], ids=["plain", "pleading"])
def test_the_signature_never_leaves_the_end_of_the_statement(harbor, attorney, pleading):
    """Lengths that put the clause, the signature or "Submitted by:" across a page break."""
    attorney.bar_number = "NY 5551234"
    attorney.save()
    matter = make_matter(harbor, lead=attorney.user, file_under_pseudonym=True)
    seen_pages = set()
    for extra_words in range(0, 400, 40):
        pdf = render_statement(matter, extra_words=extra_words, pleading=pleading)
        pages = page_texts(pdf)
        seen_pages.add(len(pages))
        # The statement's last words, the clause and the declarant's signature: one page.
        end = pages_with(pages, "FINIS.")
        assert (
            end
            == pages_with(pages, "under penalty of perjury")
            == pages_with(pages, "Jane Doe Declarant")
        ), f"{extra_words} words: split across pages"
        # "Submitted by:" with the attorney's block, never alone at the foot of a page.
        submitted = pages_with(pages, "Submitted by:")
        assert (
            submitted
            == pages_with(pages, "Bar No. NY 5551234")
            == pages_with(pages, attorney.user.email)
        ), f"{extra_words} words: 'Submitted by:' apart from its block"
    assert len(seen_pages) > 1, "the lengths tried cross a page break"


@pytest.mark.parametrize(
    ("template", "closing", "signer"),
    [
        ("protective_order_petition", "WHEREFORE the petitioner", "Jane Doe Petitioner"),
        ("vacatur_motion", "WHEREFORE the movant", "Attorney for the movant"),
        ("affidavit_jurat", "Jane Doe Affiant", "Notary Public"),
    ],
)
def test_petitions_motions_and_affidavits_end_with_their_signer_too(
    harbor, attorney, template, closing, signer
):
    matter = make_matter(harbor, lead=attorney.user, file_under_pseudonym=True)
    for extra_words in range(120, 400, 40):
        pages = page_texts(
            render_statement(matter, extra_words=extra_words, pleading=False, template=template)
        )
        assert (
            pages_with(pages, "FINIS.") == pages_with(pages, closing) == pages_with(pages, signer)
        ), f"{template}, {extra_words} words: split across pages"


@pytest.mark.parametrize("pleading", [False, True], ids=["plain", "pleading"])
@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_template_prints_clean_pages_in_embedded_fonts(
    harbor, attorney, template, pleading, tmp_path
):
    """No painted box where a rule was meant, no empty-box glyph, every font embedded."""
    matter = make_matter(harbor, lead=attorney.user, file_under_pseudonym=True)
    pdf = render_statement(matter, extra_words=60, pleading=pleading, template=template)
    for page in range(1, len(page_texts(pdf)) + 1):
        # Text and rules cover 1 to 2.5 percent of a page; a caption painted solid, 4 or more.
        assert ink(pdf, tmp_path, page=page) < 0.035, f"page {page}: a box painted solid"
    assert_fonts_embedded_and_no_missing_glyph(pdf, tmp_path)


# 3. The protective-order caption ------------------------------------------------------


def test_a_protective_order_names_the_trafficker_as_respondent_in_the_caption(
    harbor, attorney, client_for, client_record
):
    matter = make_matter(
        harbor,
        lead=attorney.user,
        client=client_record,
        sub_kind="protective_order",
        jurisdiction=court(harbor, "Superior Court of New Jersey", state="NJ"),
    )
    party_add(actor=lead_actor(matter), matter=matter, role="employer", name="Acme Farms LLC")
    party_add(actor=lead_actor(matter), matter=matter, role="trafficker", name="Dorian Vantablack")
    version = generate(client_for(attorney), matter, "protective_order_petition", paragraphs="F.")
    first = page_texts(version.pdf)[0]
    assert "Marisol Quintanilla Reyes, Petitioner, v. Dorian Vantablack, Respondent." in first
    assert "The respondent is Dorian Vantablack." in first
    assert "Acme Farms" not in " ".join(page_texts(version.pdf))


def test_a_new_york_protective_order_uses_against_and_the_affirmation(
    harbor, attorney, client_for, client_record, tmp_path
):
    matter = make_matter(
        harbor,
        lead=attorney.user,
        client=client_record,
        sub_kind="protective_order",
        jurisdiction=court(harbor, "Kings County Family Court", state="NY"),
    )
    party_add(actor=lead_actor(matter), matter=matter, role="trafficker", name="Dorian Vantablack")
    version = generate(client_for(attorney), matter, "protective_order_petition", paragraphs="F.")
    text = " ".join(page_texts(version.pdf))
    assert "Marisol Quintanilla Reyes, Petitioner, -against- Dorian Vantablack, Respondent." in text
    assert NEW_YORK_AFFIRMATION in text and "United States of America" not in text
    assert_fonts_embedded_and_no_missing_glyph(version.pdf, tmp_path)


# 4. Jurisdiction-aware wording --------------------------------------------------------


def test_a_new_york_family_court_declaration_takes_the_cplr_2106_affirmation(
    harbor, attorney, client_for, client_record
):
    matter = make_matter(
        harbor,
        lead=attorney.user,
        client=client_record,
        jurisdiction=court(harbor, "Family Court of the State of New York", state="NY"),
    )
    version = generate(client_for(attorney), matter, "survivor_declaration", paragraphs="Facts.")
    text = " ".join(page_texts(version.pdf))
    assert "AFFIRMATION OF MARISOL QUINTANILLA REYES" in text
    assert "I, Marisol Quintanilla Reyes, affirm as follows:" in text
    assert NEW_YORK_AFFIRMATION in text
    assert FEDERAL_CLAUSE not in text


def test_an_affirmation_with_no_date_leaves_the_blanks_to_fill_by_hand(
    harbor, attorney, client_for, client_record
):
    matter = make_matter(
        harbor,
        lead=attorney.user,
        client=client_record,
        jurisdiction=court(harbor, "Supreme Court, Kings County", state="NY"),
    )
    version = generate(
        client_for(attorney), matter, "survivor_declaration", paragraphs="F.", executed_on=""
    )
    assert "I affirm this ___ day of ______, ____, under the penalties of perjury" in " ".join(
        page_texts(version.pdf)
    )


def test_uscis_and_federal_courts_take_28_usc_1746(harbor, attorney, client_for, client_record):
    uscis = court(harbor, "USCIS Vermont Service Center", state="VT", kind="agency")
    matter = make_matter(harbor, lead=attorney.user, client=client_record, jurisdiction=uscis)
    version = generate(client_for(attorney), matter, "t_visa_declaration", paragraphs="Facts.")
    text = " ".join(page_texts(version.pdf))
    assert "DECLARATION OF MARISOL QUINTANILLA REYES" in text
    assert f"{FEDERAL_CLAUSE} Executed on November 20, 2026 at Brooklyn, New York." in text
    assert "laws of New York" not in text


def test_the_preview_and_the_courts_page_say_which_wording_and_to_verify_it(
    harbor, attorney, org_admin, client_for, client_record
):
    california = court(harbor, "Superior Court of California, Los Angeles", state="CA")
    matter = make_matter(harbor, lead=attorney.user, client=client_record, jurisdiction=california)
    client = client_for(attorney)
    client.post(reverse("cases:documents", args=[matter.pk]), {"template": "survivor_declaration"})
    draft = DocumentDraft.objects.get()
    page = client.get(reverse("cases:document_preview", args=[draft.pk])).text
    assert "Wording for Federal courts and USCIS (28 U.S.C. 1746" in page
    assert "No wording is recorded yet for this state" in page
    assert "Verify against local rules." in page

    court(harbor, "Bronx Family Court", state="NY")
    settings_page = client_for(org_admin).get(reverse("cases:jurisdictions")).text
    assert "Document wording: New York State courts (N.Y. CPLR 2106" in settings_page
    assert settings_page.count("Verify against local rules.") == 2


# 5. The attorney block ----------------------------------------------------------------


def test_the_bar_number_and_contact_details_are_typed_once_and_printed_on_every_document(
    harbor, attorney, org_admin, client_for, client_record
):
    admin = client_for(org_admin, sudo=True)
    admin.post(
        reverse("member_edit", args=[attorney.pk]),
        {"role": attorney.role, "is_active": "on", "bar_number": "NY 5551234", "phone": ""},
    )
    admin.post(
        reverse("organization_edit"),
        {
            "name": harbor.name,
            "country": harbor.country,
            "contact_phone": "+1 718 555 0100",
            "mailing_address": "12 Harbor Street\r\nSuite 4\r\nBrooklyn, NY 11201",
        },
    )
    assert "NY 5551234" in admin.get(reverse("member_detail", args=[attorney.pk])).text
    changed = AuditEvent.objects.get(action="aftercare.membership.changed")
    assert changed.payload == {"details": ["bar_number"]}, "the field named, not its value"

    matter = make_matter(harbor, lead=attorney.user, client=client_record)
    client = client_for(attorney)
    client.post(reverse("cases:documents", args=[matter.pk]), {"template": "cover_letter"})
    draft = DocumentDraft.objects.get()
    assert 'value="NY 5551234"' in client.get(reverse("cases:document_draft", args=[draft.pk])).text

    for template in ("survivor_declaration", "cover_letter", "certificate_of_service"):
        version = generate(client, matter, template, paragraphs="Exhibit A.", bar_number="")
        last_page = page_texts(version.pdf)[-1]
        for shown in (
            attorney.user.full_name,
            "Bar No. NY 5551234",
            "12 Harbor Street Suite 4 Brooklyn, NY 11201",
            "Tel. +1 718 555 0100",
            attorney.user.email,
        ):
            assert shown in last_page, f"{template}: {shown} missing"


# 6. Pleading paper and the preview ----------------------------------------------------


@pytest.mark.parametrize(
    ("template", "sub_kind"),
    [
        ("survivor_declaration", "t_visa"),
        ("protective_order_petition", "protective_order"),  # the adversarial caption
        ("cover_letter", "t_visa"),  # the exhibit table
    ],
)
def test_pleading_numbers_sit_on_the_text_lines_and_the_rule_runs_the_full_page(
    harbor, attorney, client_for, client_record, tmp_path, template, sub_kind
):
    matter = make_matter(
        harbor,
        lead=attorney.user,
        client=client_record,
        sub_kind=sub_kind,
        case_number="F-01234-26",
        jurisdiction=court(harbor, "Family Court of the State of New York", state="NY"),
    )
    statement = "\r\n\r\n".join(f"Fact number {n}. " + "word " * (n * 7) for n in range(14))
    version = generate(client_for(attorney), matter, template, paragraphs=statement, pleading="on")
    pages = words_by_page(version.pdf, tmp_path)
    assert len(pages) >= 3
    for number, words in enumerate(pages, start=1):
        margin_numbers = defaultdict(list)
        for right, bottom, word in words:
            if right < 100 and word.isdigit():  # left of the 1.5-inch margin
                margin_numbers[word].append(bottom)
        assert sorted(int(n) for n in margin_numbers) == list(range(1, 29)), f"page {number}"
        baselines = [y for ys in margin_numbers.values() for y in ys]
        text_lines = {round(bottom, 1) for right, bottom, word in words if right >= 100}
        footer = max(text_lines)  # "Page N of M", below the 28 lines
        for line in text_lines - {footer}:
            assert min(abs(line - b) for b in baselines) < 0.5, f"page {number}: off the lines"
        rule = dark_rows_in_column(version.pdf, tmp_path, page=number, x_inches=(1.2, 1.4))
        assert all(rule[1:-1]), f"page {number}: the left rule has a gap"
    assert_fonts_embedded_and_no_missing_glyph(version.pdf, tmp_path)


def test_the_preview_loads_no_renderer_font_and_shows_no_stacked_line_numbers(
    harbor, attorney, client_for, client_record, settings
):
    from pathlib import Path

    matter = make_matter(harbor, lead=attorney.user, client=client_record)
    client = client_for(attorney)
    client.post(reverse("cases:documents", args=[matter.pk]), {"template": "survivor_declaration"})
    draft = DocumentDraft.objects.get()
    client.post(
        reverse("cases:document_draft", args=[draft.pk]),
        {"paragraphs": "One.\r\n\r\nTwo.", "pleading": "on"},
    )
    response = client.get(reverse("cases:document_preview", args=[draft.pk]))
    page = response.text
    assert "aftercare:" not in page  # a scheme the page's CSP refuses
    assert "documents/preview.css" in page and "documents/court.css" not in page
    assert 'class="line-numbers"' not in page
    assert "The PDF is on pleading paper" in page
    stylesheet = (Path(settings.BASE_DIR) / "static/documents/preview.css").read_text()
    assert all(not re.match(r"\w+:", url) for url in re.findall(r'url\("([^"]+)"\)', stylesheet))
    assert "font-src 'self'" in response["Content-Security-Policy"]
