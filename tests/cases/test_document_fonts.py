"""The fonts documents print with, known before anything is rendered: a character no font
has is found where it was typed, and a machine missing the Noto files says so at start."""

from pathlib import Path

from cases.checks import document_fonts_installed
from cases.documents import glyphs
from tests.cases.test_pdf_scripts import NAMES, UNPRINTABLE


def test_every_script_survivors_write_is_covered_and_khitan_is_not():
    for name, _family in NAMES.values():
        assert glyphs.first_unprintable(name) is None, name
    # Joiners, variation selectors and line breaks need no glyph of their own.
    assert glyphs.first_unprintable("a\u200db\ufe0f\r\n\u2028c") is None
    where = glyphs.first_unprintable(f"One.\r\n\r\nTwo {UNPRINTABLE}")
    assert (where.line, where.column, where.count) == (3, 5, 3)
    assert where.named == "U+18B00 KHITAN SMALL SCRIPT CHARACTER-18B00"


def test_the_coverage_is_read_once_per_process():
    assert glyphs.covered_codepoints() is glyphs.covered_codepoints()


def test_no_warning_when_the_noto_files_are_installed():
    assert document_fonts_installed(None) == []


def test_missing_noto_files_are_named_with_the_debian_packages(tmp_path, monkeypatch):
    # A machine with only DejaVu: every Noto family fonts.conf names is missing.
    (tmp_path / "dejavu").mkdir()
    (tmp_path / "dejavu" / "DejaVuSans.ttf").write_bytes(b"")
    (tmp_path / "dejavu" / "DejaVuSans-Bold.ttf").write_bytes(b"")
    monkeypatch.setattr(glyphs, "FONT_DIRS", (Path(tmp_path),))
    [warning] = document_fonts_installed(None)
    assert warning.id == "cases.W003"
    assert "NotoSerifEthiopic-*" in warning.msg and "NotoSerifCJK-*" in warning.msg
    assert "apt-get install fonts-noto-cjk fonts-noto-core" in warning.hint
    assert "fonts-dejavu-core" not in warning.hint
