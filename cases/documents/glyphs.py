"""Which characters the documents' fonts can draw: asked before a render is queued.

The renderer finds a missing glyph only while it draws, in the worker, after the
paralegal has left the form. The same fonts are read here from their files (the ones
`fonts.conf` accepts, and our own serif under `static/fonts`), once per process, so
that pressing Generate can say at once which field holds a character no font has, and
where, while the form still holds what was typed. The renderer's own check stays: it
also covers text the form does not hold (the client's name, the matter's details).
"""

from __future__ import annotations

import fnmatch
import functools
import logging
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from cases.documents.renderer import FONTS_CONF

logger = logging.getLogger(__name__)

# Where Debian's font packages put their files (fontconfig's default <dir> entries).
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
FONT_SUFFIXES = {".ttf", ".otf", ".ttc", ".otc"}
# Which Debian package installs the files a fonts.conf glob accepts.
PACKAGES = {"NotoSerifCJK": "fonts-noto-cjk", "DejaVuSans": "fonts-dejavu-core"}
DEFAULT_PACKAGE = "fonts-noto-core"


def accepted_globs(conf: Path = FONTS_CONF) -> list[str]:
    """The file patterns fonts.conf lets take part in a render."""
    root = ET.parse(conf).getroot()  # noqa: S314  (our own file, shipped with the code)
    return [glob.text for glob in root.iterfind("./selectfont/acceptfont/glob") if glob.text]


def package_for(glob: str) -> str:
    name = glob.rsplit("/", 1)[-1]
    for prefix, package in PACKAGES.items():
        if name.startswith(prefix):
            return package
    return DEFAULT_PACKAGE


def system_font_files(dirs=None) -> list[Path]:
    return sorted(
        path
        for folder in dirs or FONT_DIRS
        if folder.is_dir()
        for path in folder.rglob("*")
        if path.suffix.lower() in FONT_SUFFIXES
    )


def missing_globs(dirs=None) -> list[str]:
    """The fonts.conf patterns no installed file matches (their script falls back or fails)."""
    files = [str(path) for path in system_font_files(dirs)]
    return [glob for glob in accepted_globs() if not fnmatch.filter(files, glob)]


def document_font_files(dirs=None) -> list[Path]:
    """Our serif and every installed file fonts.conf accepts: what a document prints with."""
    globs = accepted_globs()
    own = sorted((Path(settings.BASE_DIR) / "static" / "fonts").glob("*.ttf"))
    system = [p for p in system_font_files(dirs) if any(fnmatch.fnmatch(str(p), g) for g in globs)]
    return own + system


def _cmap_of(path: Path) -> set[int]:
    from fontTools.ttLib import TTCollection, TTFont

    covered: set[int] = set()
    try:
        collection = path.suffix.lower() in (".ttc", ".otc")
        opened = TTCollection(str(path), lazy=True) if collection else TTFont(str(path), lazy=True)
        with opened:  # lazy: only the cmap table is read, and the file closed after
            for font in opened.fonts if collection else [opened]:
                covered.update(font.getBestCmap() or {})
        return covered
    except Exception:  # a broken file: the renderer will not draw with it either
        logger.warning("Font file could not be read: %s", path.name)
        return set()


@functools.cache
def covered_codepoints() -> frozenset[int]:
    """Every character some document font has a glyph for; read once per process."""
    covered: set[int] = set()
    for path in document_font_files():
        covered |= _cmap_of(path)
    return frozenset(covered)


def needs_no_glyph(char: str) -> bool:
    """Line breaks, controls and format characters (joiners, marks, variation
    selectors): the renderer draws nothing for them, so no font needs them."""
    code = ord(char)
    return (
        unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
    )


@dataclass(frozen=True)
class Unprintable:
    """The first character of a text that no document font has, and where it is."""

    line: int
    column: int
    codepoint: int
    count: int  # how many such characters the text holds

    @property
    def named(self) -> str:
        char = chr(self.codepoint)
        return f"U+{self.codepoint:04X} {unicodedata.name(char, '')}".strip()


def first_unprintable(text: str) -> Unprintable | None:
    """Where the text holds a character no document font can draw, or None.

    Lines and characters are counted from 1, as a person reads the box; "\\r\\n" from a
    browser counts as one line break.
    """
    covered = covered_codepoints()
    found: list[tuple[int, int, int]] = []
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for number, line in enumerate(text.split("\n"), start=1):
        for column, char in enumerate(line, start=1):
            if ord(char) not in covered and not needs_no_glyph(char) and not char.isspace():
                found.append((number, column, ord(char)))
    if not found:
        return None
    line, column, codepoint = found[0]
    return Unprintable(line=line, column=column, codepoint=codepoint, count=len(found))
