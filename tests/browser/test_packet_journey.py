"""An attorney puts a filing packet together in the browser: the matter's declaration and
a police report, numbered in order, a cover letter typed; "Build" says queued, then,
without a reload, that version 1 is ready, and the PDF downloads with its exhibits."""

import base64
import hashlib
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from playwright.sync_api import expect
from pypdf import PdfReader

from cases.models import DocumentDraft, DocumentVersion, Matter, Packet
from cases.services.packet_build import packet_build_run
from evidence.services import evidence_add
from tests.actors import lead_actor
from tests.browser.conftest import sign_in
from tests.evidence import samples

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ATTORNEY = "attorney@harbor.example"


@pytest.fixture
def evidence_folder(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "evidence")},
        },
    }


def _declaration(matter) -> DocumentVersion:
    pdf = samples.simple_pdf(2)
    draft = DocumentDraft.objects.create(
        matter=matter, template_code="survivor_declaration", created_by=matter.lead_attorney
    )
    return DocumentVersion.objects.create(
        draft=draft,
        matter=matter,
        number=1,
        template_code="survivor_declaration",
        template_version=1,
        pdf_base64=base64.b64encode(pdf).decode(),
        sha256=hashlib.sha256(pdf).hexdigest(),
        pages=2,
        snapshot_json="{}",
        names_client=False,
        created_by=matter.lead_attorney,
    )


def test_an_attorney_builds_a_packet_and_downloads_it(
    open_context, live_server, demo, evidence_folder
):
    page = open_context(accept_downloads=True)
    base = live_server.url
    matter = Matter.objects.filter(lead_attorney__email=ATTORNEY).order_by("pk").first()
    _declaration(matter)
    evidence_add(
        actor=lead_actor(matter),
        survivor=matter.client,
        matter=matter,
        kind="police_report",
        upload=SimpleUploadedFile("report.pdf", samples.simple_pdf(3)),
        description="Police report of 2025",
    )
    sign_in(page, base, ATTORNEY, demo)
    page.goto(base + reverse("cases:detail", args=[matter.pk]))
    page.get_by_role("link", name="Filing packets").click()
    page.get_by_role("button", name="New packet").click()

    # The police report first (Exhibit A), then the declaration.
    page.get_by_role("checkbox", name="Police report of 2025").check()
    page.get_by_role("spinbutton", name="Order of Police report of 2025").fill("1")
    page.get_by_role("checkbox", name="Survivor declaration").check()
    page.get_by_role("spinbutton", name="Order of Survivor declaration").fill("2")
    page.get_by_label("To", exact=True).fill("USCIS\nVermont Service Center")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Build the packet").click()  # no worker is running

    progress = page.get_by_role("region", name="The PDF")
    status = progress.get_by_role("status")
    expect(status).to_contain_text("Queued")
    packet = Packet.objects.get(matter=matter)
    packet_build_run(packet_id=packet.pk, user_id=packet.created_by_id)  # the worker
    expect(status).to_contain_text("Version 1 is ready (8 pages)", timeout=10_000)

    with page.expect_download() as download:
        status.get_by_role("link", name="Download the PDF").click()
    pdf = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert len(pdf.pages) == 1 + 1 + 3 + 1 + 2
    assert [item.title for item in pdf.outline][1].startswith("A. Police report of 2025")
    page.reload()
    expect(page.get_by_role("table", name="Where each part came from")).to_contain_text(
        "Police report of 2025"
    )
