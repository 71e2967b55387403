"""Filing packets: the paralegal picks documents and evidence in order; the worker builds
one PDF with a cover letter and exhibit index, tab pages, Bates numbers on every page after
the cover and bookmarks; each version keeps the provenance of every part. Every PDF is
read back (pdftotext, pypdf)."""

from __future__ import annotations

import hashlib
import html as html_text
import io
import re
import subprocess
from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from aftercare.models import AuditEvent
from cases.models import DocumentVersion, Packet, PacketPart, PacketVersion
from cases.packets.pages import exhibit_letter
from cases.services import packet_build as packet_services
from evidence.services import evidence_add
from evidence.storage import decrypted_read
from tests.actors import lead_actor
from tests.cases.test_documents import matter, start_and_generate  # noqa: F401  (fixture)
from tests.clockwork import NEW_YORK
from tests.evidence import samples

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 12, 4, 12, 0, tzinfo=NEW_YORK)
TOKEN = re.compile(r'name="submission_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def evidence_folder(settings, tmp_path):
    folder = tmp_path / "evidence"
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder)},
        },
    }
    return folder


def page_text(pdf: bytes, page: int) -> str:
    """What pdftotext reads on one page (1-based), as a clerk's viewer would show it."""
    result = subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    )
    return result.stdout.decode()


def add_evidence(matter, data: bytes, name: str, *, description: str, on_record=False):  # noqa: F811
    return evidence_add(
        actor=lead_actor(matter),
        survivor=matter.client,
        matter=None if on_record else matter,
        kind="police_report",
        upload=SimpleUploadedFile(name, data),
        description=description,
    )


def build(packet):
    """What the worker does with the task it was given (a real worker: test_packet_worker)."""
    return packet_services.packet_build_run(packet_id=packet.pk, user_id=packet.created_by_id)


@pytest.fixture
def parts(matter, attorney, client_for):  # noqa: F811
    """A declaration (generated), a 3-page police report and a photo on the matter."""
    start_and_generate(client_for(attorney), matter)
    declaration = DocumentVersion.objects.get()
    report = add_evidence(matter, samples.simple_pdf(3), "report.pdf", description="Police report")
    photo = add_evidence(
        matter, samples.jpeg_photo((640, 480)), "IMG_1.jpg", description="Photo of the passport"
    )
    return declaration, report, photo


def choose(client, packet, keys, **fields):
    data = {"part": keys, "addressee": "USCIS\r\nVermont Service Center", "subject": "I-914"}
    for position, key in enumerate(keys, start=1):
        data[f"order-{key}"] = str(position)
    data.update(fields)
    return client.post(reverse("cases:packet", args=[packet.pk]), data)


def new_packet(client, matter):  # noqa: F811
    page = client.get(reverse("cases:packets", args=[matter.pk]))
    token = TOKEN.search(page.text).group(1)
    response = client.post(reverse("cases:packets", args=[matter.pk]), {"submission_token": token})
    assert response.status_code == 302
    return Packet.objects.latest("id")


def test_a_packet_is_cover_tabs_and_stamped_exhibits_in_the_order_chosen(
    matter,  # noqa: F811
    attorney,
    client_for,
    parts,
):
    declaration, report, photo = parts
    client = client_for(attorney)
    packet = new_packet(client, matter)
    keys = [f"evidence:{report.pk}", f"document:{declaration.pk}", f"evidence:{photo.pk}"]
    choose(client, packet, keys)
    response = client.post(reverse("cases:packet_build", args=[packet.pk]))
    assert response.status_code == 302
    version = build(packet)
    assert version is not None and version.number == 1

    pdf = decrypted_read(version.storage_name)
    reader = PdfReader(io.BytesIO(pdf))
    exhibit_pages = [3, declaration.pages, 1]
    assert version.cover_pages == 1
    assert len(reader.pages) == 1 + 3 + sum(exhibit_pages) == version.pages

    cover = page_text(pdf, 1)
    assert "INDEX OF EXHIBITS" in cover.upper() and "Vermont Service Center" in cover
    # Each exhibit's range in the index is where its tab really is, and where it ends.
    first = 2
    for letter, count, title in zip(
        "ABC", exhibit_pages, ["Police report", "Survivor", "Photo of the passport"], strict=True
    ):
        last = first + count
        row = next(line for line in cover.splitlines() if line.strip().startswith(letter + " "))
        assert title.lower() in row.lower() and f"{first}\N{EN DASH}{last}" in row
        assert (
            f"{matter.number}-{first - 1:06d}" in row and f"{matter.number}-{last - 1:06d}" in row
        )
        assert f"Exhibit {letter}" in page_text(pdf, first)
        first = last + 1

    # Every page after the cover carries its own number, in order; the cover none.
    # The cover is not numbered: the only numbers on it are the index's, two per exhibit.
    assert len(re.findall(re.escape(matter.number) + r"-\d{6}", cover)) == 2 * 3
    for page in range(2, len(reader.pages) + 1):
        assert f"{matter.number}-{page - 1:06d}" in page_text(pdf, page)
    # Bookmarks: the cover and each exhibit, at their first page.
    outline = [(item.title, reader.get_destination_page_number(item)) for item in reader.outline]
    assert outline == [
        ("Cover letter and index", 0),
        ("A. Police report", 1),
        (f"B. {declaration.template_name}", 5),
        ("C. Photo of the passport", 5 + declaration.pages + 1),
    ]


def test_each_version_keeps_the_provenance_of_every_part(
    matter,  # noqa: F811
    attorney,
    client_for,
    parts,
):
    declaration, _report, photo = parts
    client = client_for(attorney)
    packet = new_packet(client, matter)
    choose(client, packet, [f"document:{declaration.pk}", f"evidence:{photo.pk}"])
    client.post(reverse("cases:packet_build", args=[packet.pk]))
    build(packet)
    client.post(reverse("cases:packet_build", args=[packet.pk]))
    second = build(packet)
    assert second.number == 2 and PacketVersion.objects.count() == 2

    parts_kept = list(second.parts.all())
    assert [p.kind for p in parts_kept] == ["cover", "document", "evidence"]
    assert parts_kept[1].source_id == declaration.pk
    assert parts_kept[1].sha256 == hashlib.sha256(declaration.pdf).hexdigest() == declaration.sha256
    assert parts_kept[2].sha256 == hashlib.sha256(decrypted_read(photo.storage_name)).hexdigest()
    assert parts_kept[2].sha256 == photo.sha256
    assert (parts_kept[2].first_page, parts_kept[2].last_page) == (
        3 + declaration.pages,
        4 + declaration.pages,
    )
    page = client.get(reverse("cases:packet", args=[packet.pk])).text
    assert photo.sha256 in page and "Photo of the passport" in page and "Version 2" in page


def test_exhibit_letters_go_on_past_z():
    assert [exhibit_letter(i) for i in (0, 25, 26, 27, 51, 52)] == [
        "A",
        "Z",
        "AA",
        "AB",
        "AZ",
        "BA",
    ]


def status_of(client, packet, **headers) -> tuple[str, str]:
    """What static/js/document_status.js is told, and the words of the live region."""
    html = client.get(reverse("cases:packet_status", args=[packet.pk]), **headers).text
    progress = re.search(r'data-progress="(\w+)"', html).group(1)
    region = re.search(r'<div id="document-status"[^>]*>(.*?)</div>', html, re.S).group(1)
    return progress, html_text.unescape(" ".join(re.sub(r"<[^>]+>", " ", region).split()))


def test_progress_queued_part_n_of_m_merging_then_ready(
    matter,  # noqa: F811
    attorney,
    client_for,
    parts,
):
    declaration, report, _photo = parts
    client = client_for(attorney)
    packet = new_packet(client, matter)
    assert "choose the parts" in status_of(client, packet)[1]
    choose(client, packet, [f"document:{declaration.pk}", f"evidence:{report.pk}"])
    client.post(reverse("cases:packet_build", args=[packet.pk]))
    assert status_of(client, packet) == (
        "queued",
        "Queued: waiting for the document service. This page updates by itself.",
    )
    # The worker reports each step; the page's script keeps asking meanwhile.
    Packet.objects.filter(pk=packet.pk).update(status="building", step=2, steps=3)
    progress, words = status_of(client, packet)
    assert progress == "rendering" and "part 2 of 3" in words
    Packet.objects.filter(pk=packet.pk).update(status="merging")
    assert "Merging" in status_of(client, packet)[1]
    Packet.objects.filter(pk=packet.pk).update(status="queued")
    version = build(packet)
    progress, words = status_of(client, packet)
    assert progress == "idle" and f"Version 1 is ready ({version.pages} pages)" in words
    # In Spanish too.
    assert "La versión 1 está lista" in status_of(client, packet, HTTP_ACCEPT_LANGUAGE="es")[1]


def test_a_double_click_builds_one_version(matter, attorney, client_for, parts):  # noqa: F811
    declaration, _report, _photo = parts
    client = client_for(attorney)
    packet = new_packet(client, matter)
    choose(client, packet, [f"document:{declaration.pk}"])
    page = client.get(reverse("cases:packet", args=[packet.pk])).text
    token = TOKEN.findall(page)[-1]  # the Build form's
    for _click in range(2):
        response = client.post(
            reverse("cases:packet_build", args=[packet.pk]), {"submission_token": token}
        )
        assert response.status_code == 302
    assert AuditEvent.objects.filter(action="cases.packet.build_requested").count() == 1
    # Two tasks for one click (a redelivery): the second finds nothing to claim.
    assert build(packet) is not None and build(packet) is None
    assert PacketVersion.objects.count() == 1


def test_a_silent_worker_or_a_failure_shows_a_message_and_a_retry(
    matter,  # noqa: F811
    attorney,
    client_for,
    parts,
    time_machine,
):
    time_machine.move_to(NOON, tick=False)
    declaration, report, _photo = parts
    client = client_for(attorney)
    packet = new_packet(client, matter)
    choose(client, packet, [f"document:{declaration.pk}", f"evidence:{report.pk}"])
    client.post(reverse("cases:packet_build", args=[packet.pk]))  # nobody takes it
    time_machine.move_to(NOON + Packet.QUEUE_PATIENCE + timedelta(seconds=1), tick=False)
    progress, words = status_of(client, packet)
    assert progress == "stalled" and "did not answer" in words
    page = client.get(reverse("cases:packet", args=[packet.pk])).text
    assert f'action="{reverse("cases:packet_build", args=[packet.pk])}"' in page
    assert "Try again" in page

    # The report is removed before the worker gets to it: a failure that says why.
    report.delete()
    client.post(reverse("cases:packet_build", args=[packet.pk]))
    assert build(packet) is None
    progress, words = status_of(client, packet)
    assert progress == "failed" and "removed or erased since it was chosen" in words
    assert "Try again" in client.get(reverse("cases:packet", args=[packet.pk])).text
    es = status_of(client, packet, HTTP_ACCEPT_LANGUAGE="es")[1]
    assert "No se pudo" in es


def test_another_organization_and_an_unassigned_member_get_404(
    matter,  # noqa: F811
    attorney,
    paralegal,
    outsider,
    client_for,
    parts,
):
    declaration, _report, _photo = parts
    client = client_for(attorney)
    packet = new_packet(client, matter)
    choose(client, packet, [f"document:{declaration.pk}"])
    client.post(reverse("cases:packet_build", args=[packet.pk]))
    version = build(packet)
    download = client.get(reverse("cases:packet_download", args=[version.pk]))
    assert download.status_code == 200 and download.content == decrypted_read(version.storage_name)
    assert download["Content-Disposition"] == (
        f'attachment; filename="{matter.number}-packet-v1.pdf"'
    )
    assert AuditEvent.objects.filter(action="cases.packet.downloaded").count() == 1
    for member in (outsider, paralegal):  # the paralegal is not on this matter's team
        other = client_for(member)
        for url in (
            reverse("cases:packet", args=[packet.pk]),
            reverse("cases:packet_status", args=[packet.pk]),
            reverse("cases:packet_download", args=[version.pk]),
            reverse("cases:packets", args=[matter.pk]),
        ):
            assert other.get(url).status_code == 404, url


def test_erasure_wipes_the_packet_files_and_the_titles_of_its_parts(
    matter,  # noqa: F811
    attorney,
    coordinator,
    client_for,
    parts,
    evidence_folder,
    django_capture_on_commit_callbacks,
):
    from survivors.services.retention import survivor_erase
    from tests.actors import actor_of

    declaration, _report, photo = parts
    client = client_for(attorney)
    packet = new_packet(client, matter)
    choose(client, packet, [f"document:{declaration.pk}", f"evidence:{photo.pk}"])
    client.post(reverse("cases:packet_build", args=[packet.pk]))
    version = build(packet)
    stored = evidence_folder / version.storage_name
    assert stored.exists()

    with django_capture_on_commit_callbacks(execute=True):
        report = survivor_erase(actor=actor_of(coordinator), survivor=matter.client)
    assert report.audit_payload()["wiped"]["cases.packet_versions"] == 1
    assert not stored.exists()
    version.refresh_from_db()
    assert version.is_erased and version.storage_name == ""
    assert set(version.parts.values_list("title", flat=True)) == {""}
    # The record of what was filed stays: hashes and page ranges.
    assert version.parts.get(position=2).sha256 == photo.sha256
    packet.refresh_from_db()
    assert packet.addressee == "" and packet.selection == []
    response = client.get(reverse("cases:packet_download", args=[version.pk]))
    assert response.status_code in (403, 404)


def _rotated_landscape_pdf() -> bytes:
    """A scan saved turned: a portrait page shown as landscape by /Rotate 90."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    page.rotate(90)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_record_file_a_turned_scan_and_pdf_a(
    matter,  # noqa: F811
    attorney,
    client_for,
):
    """The client's own record's files are offered to whoever may see them; a page
    turned by /Rotate gets its number in the corner as it is seen; with PDF/A chosen
    (the whole packet made PDF/A-2b: tests/cases/test_packet_pdfa.py) all of it holds."""
    on_record = add_evidence(
        matter, samples.png_image((300, 200)), "id.png", description="ID card", on_record=True
    )
    turned = add_evidence(matter, _rotated_landscape_pdf(), "scan.pdf", description="Scan")
    client = client_for(attorney)
    packet = new_packet(client, matter)
    url = reverse("cases:packet", args=[packet.pk])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(5):  # more parts to choose from: the page costs the same queries
        add_evidence(matter, samples.simple_pdf(1), f"n{n}.pdf", description=f"Note {n}")
    with CaptureQueriesContext(connection) as more:
        page = client.get(url).text
    assert len(more) == len(few) <= 40
    assert "ID card" in page and "client&#x27;s record" in page
    choose(client, packet, [f"evidence:{on_record.pk}", f"evidence:{turned.pk}"], pdf_a="on")
    client.post(reverse("cases:packet_build", args=[packet.pk]))
    version = build(packet)
    assert version.pdf_a and version.has_record_evidence
    pdf = decrypted_read(version.storage_name)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1 + 2 + 2
    # The photo is one letter page; the turned scan is shown landscape with its number
    # upright in the visible lower right corner.
    assert (reader.pages[2].mediabox.width, reader.pages[2].mediabox.height) == (612, 792)
    turned_page = reader.pages[4]
    assert turned_page.rotation == 0 and turned_page.mediabox.width > turned_page.mediabox.height
    assert f"{matter.number}-000004" in page_text(pdf, 5)
    assert PacketPart.objects.filter(version=version, kind="evidence").count() == 2
    assert client.get(reverse("cases:packet_download", args=[version.pk])).status_code == 200


def test_the_cover_and_tabs_in_spanish(matter, attorney, client_for, parts):  # noqa: F811
    from django.utils import translation

    _declaration, report, _photo = parts
    client = client_for(attorney)
    packet = new_packet(client, matter)
    choose(client, packet, [f"evidence:{report.pk}"])
    client.post(reverse("cases:packet_build", args=[packet.pk]))
    with translation.override("es"):  # the language the paralegal asked in
        version = build(packet)
    pdf = decrypted_read(version.storage_name)
    assert "ÍNDICE DE ANEXOS" in page_text(pdf, 1).upper()
    assert "Anexo A" in page_text(pdf, 2)
    outline = [item.title for item in PdfReader(io.BytesIO(pdf)).outline]
    assert outline == ["Carta de presentación e índice", "A. Police report"]


def test_the_packet_pages_show_no_english_in_spanish(
    matter,  # noqa: F811
    attorney,
    client_for,
    parts,
):
    from tests.ux.test_spanish_pages import english_msgids, english_on

    declaration, report, _photo = parts
    client = client_for(attorney)
    packet = new_packet(client, matter)
    choose(client, packet, [f"document:{declaration.pk}", f"evidence:{report.pk}"])
    client.post(reverse("cases:packet_build", args=[packet.pk]))
    build(packet)
    msgids = english_msgids()
    # Typed, or the parts' titles as the packet was built (in English): data, not interface.
    typed = {"USCIS", "Vermont Service Center", "I-914", "Police report", "Photo of the passport"}
    typed.add(declaration.template_name)
    for url in (
        reverse("cases:packets", args=[matter.pk]),
        reverse("cases:packet", args=[packet.pk]),
    ):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="es").text
        english = [t for t in english_on(page, msgids) if not any(x in t for x in typed)]
        assert english == [], (url, english)


def test_a_title_no_font_can_print_fails_with_a_message_naming_it(
    matter,  # noqa: F811
    attorney,
    client_for,
):
    from tests.cases.test_pdf_scripts import UNPRINTABLE

    odd = add_evidence(matter, samples.simple_pdf(1), "a.pdf", description=f"Letter {UNPRINTABLE}")
    client = client_for(attorney)
    packet = new_packet(client, matter)
    choose(client, packet, [f"evidence:{odd.pk}"])
    client.post(reverse("cases:packet_build", args=[packet.pk]))
    assert build(packet) is None
    progress, words = status_of(client, packet)
    assert progress == "failed" and "U+18B00" in words and "description" in words
    assert not PacketVersion.objects.exists()


def test_a_team_member_who_may_not_see_the_record_gets_neither_its_files_nor_the_packet(
    matter,  # noqa: F811
    attorney,
    paralegal,
    client_for,
):
    from aftercare.access import access_grant

    on_record = add_evidence(
        matter, samples.simple_pdf(1), "id.pdf", description="ID card", on_record=True
    )
    client = client_for(attorney)
    packet = new_packet(client, matter)
    choose(client, packet, [f"evidence:{on_record.pk}"])
    client.post(reverse("cases:packet_build", args=[packet.pk]))
    version = build(packet)

    # On the matter's team, without a grant on the client's record.
    access_grant(user=paralegal.user, obj=matter, actions=("view", "change"))
    other = client_for(paralegal)
    page = other.get(reverse("cases:packet", args=[packet.pk]))
    assert page.status_code == 200 and "ID card" not in page.text
    assert "a file of the client's record" in page.text  # in the provenance table
    assert "1 more part, a file of the client's record, stays chosen." in page.text
    assert other.get(reverse("cases:packet_download", args=[version.pk])).status_code == 404
    # Saving the packet as they see it keeps what the attorney chose, unseen.
    declaration_free = add_evidence(matter, samples.simple_pdf(1), "n.pdf", description="Note")
    other.post(
        reverse("cases:packet", args=[packet.pk]),
        {"part": [f"evidence:{declaration_free.pk}"], "subject": "I-914"},
    )
    assert Packet.objects.get(pk=packet.pk).selection == [
        {"kind": "evidence", "id": declaration_free.pk},
        {"kind": "evidence", "id": on_record.pk},
    ]
