"""PDF/A chosen on a filing packet: the delivered file is PDF/A-2b as a whole (Ghostscript
in a limited child, cases/packets/pdfa.py), with its pages, bookmarks and Bates numbers
unchanged; a conversion that cannot be done or checked fails the build with its reason
and the previous version stays. Every PDF is read back."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from cases.checks import ghostscript_installed
from cases.models import Packet, PacketVersion
from cases.packets import pdfa
from evidence.storage import decrypted_read
from tests.cases.test_documents import matter  # noqa: F401  (fixture)
from tests.cases.test_packets import (  # noqa: F401  (fixtures)
    add_evidence,
    build,
    choose,
    evidence_folder,
    new_packet,
    page_text,
    parts,
)
from tests.conftest import require_service

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def ghostscript():
    """Skipped on a laptop without Ghostscript; in CI (which installs it) a failure."""
    require_service(pdfa.available(), "Ghostscript (apt-get install ghostscript)")


def notice_with_a_font_it_does_not_embed() -> bytes:
    """An agency notice as many arrive: text in Helvetica, the font not in the file."""
    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    content = DecodedStreamObject()
    content.set_data(b"BT /F1 14 Tf 72 700 Td (Notice of action: receipt) Tj ET")
    page[NameObject("/Contents")] = writer._add_object(content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def fonts_without_a_file(reader: PdfReader) -> list[str]:
    """Every font of every page (and of its forms) that is not embedded."""
    missing = []

    def walk(resources):
        resources = resources.get_object() if resources else {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            if font["/Subtype"] == "/Type3":
                continue
            for each in [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]:
                descriptor = each.get("/FontDescriptor")
                files = descriptor.get_object().keys() if descriptor else []
                if not {"/FontFile", "/FontFile2", "/FontFile3"} & set(files):
                    missing.append(each["/BaseFont"])
        for xobject in (resources.get("/XObject") or {}).values():
            xobject = xobject.get_object()
            if xobject["/Subtype"] == "/Form":
                walk(xobject.get("/Resources"))

    for page in reader.pages:
        walk(page.get("/Resources"))
    return missing


def test_a_packet_with_pdf_a_chosen_is_pdf_a_2b_as_a_whole(
    matter,  # noqa: F811
    attorney,
    client_for,
    parts,  # noqa: F811
):
    declaration, report, photo = parts
    notice = add_evidence(
        matter, notice_with_a_font_it_does_not_embed(), "notice.pdf", description="I-797 notice"
    )
    client = client_for(attorney)
    packet = new_packet(client, matter)
    page = client.get(reverse("cases:packet", args=[packet.pk])).text
    assert 'id="pdf_a" name="pdf_a">' in page, "off until chosen"
    keys = [
        f"document:{declaration.pk}",
        f"evidence:{report.pk}",
        f"evidence:{photo.pk}",
        f"evidence:{notice.pk}",
    ]
    choose(client, packet, keys, pdf_a="on")
    client.post(reverse("cases:packet_build", args=[packet.pk]))
    version = build(packet)
    assert version is not None and version.pdf_a

    pdf = decrypted_read(version.storage_name)
    assert version.sha256 == hashlib.sha256(pdf).hexdigest()
    reader = PdfReader(io.BytesIO(pdf))
    assert not reader.is_encrypted
    root = reader.trailer["/Root"]
    # Identified as PDF/A-2b in its XMP metadata...
    xmp = root["/Metadata"].get_data().decode()
    assert re.search(r"pdfaid:part=['\"]2['\"]", xmp), xmp
    assert re.search(r"pdfaid:conformance=['\"]B['\"]", xmp), xmp
    # ... with an output intent carrying an RGB ICC profile ...
    intent = root["/OutputIntents"][0].get_object()
    assert intent["/S"] == "/GTS_PDFA1"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile.get_data()[36:40] == b"acsp" and profile["/N"] == 3
    # ... every font embedded (the notice's Helvetica too), no script, nothing that runs.
    assert fonts_without_a_file(reader) == []
    assert "/JavaScript" not in (root.get("/Names") or {}) and "/OpenAction" not in root
    assert "/AA" not in root and all("/AA" not in p for p in reader.pages)

    # The packet itself is unchanged: pages, bookmarks, every page's number.
    exhibit_pages = [declaration.pages, 3, 1, 1]
    assert len(reader.pages) == version.cover_pages + 4 + sum(exhibit_pages) == version.pages
    outline = [(item.title, reader.get_destination_page_number(item)) for item in reader.outline]
    first = version.cover_pages
    expected = [("Cover letter and index", 0)]
    for letter, title, count in zip(
        "ABCD",
        [declaration.template_name, "Police report", "Photo of the passport", "I-797 notice"],
        exhibit_pages,
        strict=True,
    ):
        expected.append((f"{letter}. {title}", first))
        first += count + 1
    assert outline == expected
    cover = page_text(pdf, 1)
    assert "INDEX OF EXHIBITS" in cover.upper()
    for number in range(version.cover_pages + 1, version.pages + 1):
        assert f"{matter.number}-{number - version.cover_pages:06d}" in page_text(pdf, number)
    # The notice (the last page) still reads, now in an embedded font.
    assert "Notice of action: receipt" in page_text(pdf, version.pages)
    assert "Exhibit D" in page_text(pdf, version.pages - 1)

    page = client.get(reverse("cases:packet", args=[packet.pk])).text
    assert "PDF/A-2b" in page
    assert client.get(reverse("cases:packet_download", args=[version.pk])).content == pdf


def test_without_pdf_a_the_packet_is_not_declared_pdf_a(
    matter,  # noqa: F811
    attorney,
    client_for,
    parts,  # noqa: F811
):
    _declaration, report, _photo = parts
    client = client_for(attorney)
    packet = new_packet(client, matter)
    choose(client, packet, [f"evidence:{report.pk}"])
    client.post(reverse("cases:packet_build", args=[packet.pk]))
    version = build(packet)
    pdf = decrypted_read(version.storage_name)
    assert not version.pdf_a
    assert "/OutputIntents" not in PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert pdfa.pdfa_problems(pdf) == [
        "no PDF/A-2 identification in the XMP metadata",
        "no output intent with an ICC profile",
    ]


def _fail_then_check(client, packet, version_before, *, language_says: str):
    page = client.get(reverse("cases:packet", args=[packet.pk])).text
    packet.refresh_from_db()
    assert packet.status == Packet.Status.FAILED
    assert language_says in packet.error
    assert "Try again" in page
    # The previous version stays, and is still the one to download.
    assert list(PacketVersion.objects.filter(packet=packet)) == [version_before]
    assert decrypted_read(version_before.storage_name)[:5] == b"%PDF-"


def test_without_ghostscript_the_build_fails_and_says_so(
    matter,  # noqa: F811
    attorney,
    client_for,
    parts,  # noqa: F811
    monkeypatch,
):
    _declaration, report, _photo = parts
    client = client_for(attorney)
    packet = new_packet(client, matter)
    choose(client, packet, [f"evidence:{report.pk}"])
    client.post(reverse("cases:packet_build", args=[packet.pk]))
    first = build(packet)
    choose(client, packet, [f"evidence:{report.pk}"], pdf_a="on")
    monkeypatch.setattr(pdfa.shutil, "which", lambda name: None)
    client.post(reverse("cases:packet_build", args=[packet.pk]))
    assert build(packet) is None
    _fail_then_check(client, packet, first, language_says="Ghostscript is not installed")
    assert [w.id for w in ghostscript_installed(None)] == ["cases.W004"]


def test_a_conversion_that_loses_what_pdf_a_needs_is_refused(
    matter,  # noqa: F811
    attorney,
    client_for,
    parts,  # noqa: F811
    monkeypatch,
):
    """Checked after Ghostscript, in the child: here the output intent goes missing."""
    _declaration, report, _photo = parts
    client = client_for(attorney)
    packet = new_packet(client, matter)
    choose(client, packet, [f"evidence:{report.pk}"], pdf_a="on")
    client.post(reverse("cases:packet_build", args=[packet.pk]))
    first = build(packet)
    assert first.pdf_a
    monkeypatch.setattr(pdfa, "DEFINITIONS", "% nothing defined\n")
    client.post(reverse("cases:packet_build", args=[packet.pk]))
    assert build(packet) is None
    _fail_then_check(client, packet, first, language_says="could not be made PDF/A-2b")
    assert "no output intent" in packet.error


def test_the_check_passes_where_ghostscript_is_installed():
    assert ghostscript_installed(None) == []
