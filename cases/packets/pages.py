"""The pages Aftercare draws for a packet: the cover letter with its exhibit index, one
tab page per exhibit, and one small stamp per page after the cover.

Drawn by the documents' renderer in its limited child (cases/documents/renderer.py),
from autoescaping templates, so a typed addressee or an evidence description is text,
never markup. The tabs and stamps are one render; the cover another (its length is only
known once drawn, and the index's page ranges depend on it).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.translation import get_language

from cases.documents.renderer import render_pdf_limited
from cases.models.packets import bates_number

# The stamp's own page: placed on each page's lower right corner (assembly.py).
STAMP_WIDTH = 216.0  # 3 in, in points
STAMP_HEIGHT = 21.6  # 0.3 in
STAMP_MARGIN = 18.0  # from the page's right and bottom edges


def exhibit_letter(index: int) -> str:
    """A, B, ..., Z, AA, AB, ...: as courts letter exhibits past the alphabet."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@dataclass
class IndexEntry:
    letter: str
    title: str
    first_page: int  # in the packet: the exhibit's tab page
    last_page: int
    bates_first: str
    bates_last: str


def index_entries(
    titles: list[str], page_counts: list[int], *, cover_pages: int, prefix: str
) -> list[IndexEntry]:
    """Each exhibit's place in the packet: its tab, then its pages. Bates numbers start
    at 1 on the first page after the cover (the first tab)."""
    entries, page = [], cover_pages + 1
    for index, (title, count) in enumerate(zip(titles, page_counts, strict=True)):
        last = page + count  # the tab, then `count` pages
        entries.append(
            IndexEntry(
                letter=exhibit_letter(index),
                title=title,
                first_page=page,
                last_page=last,
                bates_first=bates_number(prefix, page - cover_pages),
                bates_last=bates_number(prefix, last - cover_pages),
            )
        )
        page = last + 1
    return entries


def cover_render(context: dict, *, title: str, variant: str | None) -> tuple[bytes, int]:
    """The cover letter, with the index computed for the cover's real length."""
    cover_pages = 1
    for _attempt in range(4):
        entries = index_entries(
            context["titles"],
            context["page_counts"],
            cover_pages=cover_pages,
            prefix=context["prefix"],
        )
        html = render_to_string("packets/cover.html", {**context, "entries": entries})
        rendered = render_pdf_limited(html, title=title, variant=variant)
        if rendered.pages == cover_pages:
            return rendered.pdf, cover_pages
        cover_pages = rendered.pages
    raise ValueError("The cover letter's length did not settle")


def marks_render(
    entries_titles: list[str], *, stamps: int, prefix: str, title: str, variant: str | None
) -> bytes:
    """One tab page per exhibit, then `stamps` stamp pages numbered from 1."""
    html = render_to_string(
        "packets/marks.html",
        {
            "language": get_language() or "en",
            "title": title,
            "tabs": [(exhibit_letter(i), t) for i, t in enumerate(entries_titles)],
            "stamps": [bates_number(prefix, n) for n in range(1, stamps + 1)],
            "stamp_width": STAMP_WIDTH,
            "stamp_height": STAMP_HEIGHT,
        },
    )
    return render_pdf_limited(html, title=title, variant=variant).pdf
