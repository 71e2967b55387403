"""Names and statements in the scripts survivors write, rendered in the limited child and
read back: every font embedded, every character drawn by a font that has it, a character
no font has refused (and never written to a log), no reversed text, no files left behind."""

import io
import logging
import subprocess
import tempfile

import pytest
from pypdf import PdfReader

from cases.documents.renderer import MissingGlyphError, render_pdf, render_pdf_limited
from tests.cases.test_pdf_renderer import declaration

# Khitan Small Script: a real script, and one that no Noto package in Debian covers.
UNPRINTABLE = "\U00018b00\U00018b01\U00018b02"

NAMES = {
    # script: (a name, the Noto family that must draw it; None: our own serif)
    "latin": ("Nguyễn Thị Hương", "Noto-Serif"),
    "cyrillic": ("Оксана Петренко", None),
    "tigrinya": ("ሰላም ኣብርሃ", "Noto-Serif-Ethiopic"),
    "amharic": ("አበበ ቢቂላ", "Noto-Serif-Ethiopic"),
    "chinese": ("王小明", "Noto-Serif-CJK-SC"),
    "korean": ("김민수", "Noto-Serif-CJK-SC"),
    "thai": ("สมชาย ใจดี", "Noto-Serif-Thai"),
    "burmese": ("အောင်ဆန်း", "Noto-Serif-Myanmar"),
    "arabic": ("محمد أحمد", "Noto-Naskh-Arabic"),
    "devanagari": ("राम शर्मा", "Noto-Serif-Devanagari"),
}
# Scripts whose text a PDF extractor gives back in typed order (shaping and reordering
# make the others come back as glyph runs, so only their fonts are checked).
READ_BACK = {"latin", "cyrillic", "tigrinya", "amharic", "chinese", "korean"}


def fonts_of(pdf: bytes, tmp_path) -> list[str]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()[2:]


def pdftotext(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return out.stdout


@pytest.mark.parametrize("script", NAMES)
def test_a_name_in_each_script_prints_in_an_embedded_font_that_has_it(script, tmp_path):
    name, family = NAMES[script]
    html = declaration(declarant=name, paragraphs=[f"My name is {name}."])
    # Raises MissingGlyphError if any character came out as WeasyPrint's .notdef box.
    rendered = render_pdf_limited(html, title="Declaration")
    fonts = fonts_of(rendered.pdf, tmp_path)
    assert fonts and all(" yes " in line for line in fonts), fonts  # all embedded
    used = " ".join(line.split()[0] for line in fonts)
    assert "Court-Serif" in used
    if family:
        assert f"+{family} " in f"{used} " or f"+{family}-Bold" in used, used
    if script in READ_BACK:
        assert name in pdftotext(rendered.pdf, tmp_path)


def test_a_character_no_font_has_fails_the_render_and_says_which():
    html = declaration(declarant=f"Jane {UNPRINTABLE}", paragraphs=["Facts."])
    with pytest.raises(MissingGlyphError) as refusal:
        render_pdf_limited(html, title="Declaration")
    assert refusal.value.codepoints == (0x18B00, 0x18B01, 0x18B02)


def test_font_warnings_never_carry_the_text_into_the_log(caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("weasyprint", "weasyprint.progress", "fontTools"):
        caplog.set_level(logging.DEBUG, logger=name)
    html = declaration(declarant=f"Jane {UNPRINTABLE}", paragraphs=[f"I am {UNPRINTABLE}."])
    with pytest.raises(MissingGlyphError):
        render_pdf(html, title="Declaration")
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    assert not any(char in logged for char in UNPRINTABLE)
    assert "18B0" not in logged.upper()


def test_a_render_child_writes_nothing_to_stderr_about_the_text(capfd):
    html = declaration(declarant=f"Jane {UNPRINTABLE}", paragraphs=["Facts."])
    with pytest.raises(MissingGlyphError):
        render_pdf_limited(html, title="Declaration")
    out, err = capfd.readouterr()
    assert not any(char in out + err for char in UNPRINTABLE)


def test_override_characters_cannot_show_a_statement_reversed(tmp_path):
    # Displayed with the override honoured, the second sentence would read "I will work
    # all time": the words the client never typed.
    typed = "I never said: \u202eemit lla krow lliw I\u202c. Then \u2067abc def\u2069 end."
    rendered = render_pdf_limited(declaration(paragraphs=[typed]), title="Declaration")
    text = " ".join(pdftotext(rendered.pdf, tmp_path).split())
    assert "I will work all time" not in text
    assert "I never said: emit lla krow lliw I. Then abc def end." in text


def test_renders_leave_no_temporary_files(tmp_path, monkeypatch):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    html = declaration(declarant="王小明", paragraphs=["Facts."])
    for _ in range(3):
        render_pdf_limited(html, title="Declaration")
    with pytest.raises(MissingGlyphError):
        render_pdf_limited(declaration(declarant=UNPRINTABLE), title="Declaration")
    assert list(scratch.iterdir()) == []


def test_a_child_killed_at_its_time_limit_leaves_no_temporary_files(tmp_path, monkeypatch):
    from cases.documents.renderer import RenderError

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    huge = declaration(paragraphs=["word " * 400] * 400)
    with pytest.raises(RenderError, match="too long"):
        render_pdf_limited(huge, title="Declaration", timeout=0.5)
    assert list(scratch.iterdir()) == []


def test_the_pdf_of_a_latin_document_uses_only_our_serif():
    rendered = render_pdf(declaration(), title="Declaration")
    reader = PdfReader(io.BytesIO(rendered.pdf))
    fonts = {
        str(f.get_object()["/BaseFont"])
        for p in reader.pages
        for f in p["/Resources"]["/Font"].values()
    }
    assert all("Court-Serif" in font for font in fonts), fonts
