"""The demo has evidence to put in a packet: synthetic files made in code when the demo
is seeded, on the U-visa matter, stored encrypted like anyone's upload, once."""

from __future__ import annotations

import io
import subprocess

import pytest
from django.core.management import call_command
from PIL import Image
from pypdf import PdfReader

from cases.models import Matter, Packet
from cases.services.packet_build import packet_build_run
from evidence.models import Evidence
from evidence.storage import decrypted_read

pytestmark = pytest.mark.django_db


def test_the_demo_u_visa_matter_has_synthetic_exhibits_ready_for_a_packet(evidence_folder):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "Added 3 synthetic evidence files to a demo U-visa matter." in out.getvalue()
    matter = Matter.objects.get(organization__name="Harbor Legal Aid", sub_kind="u_visa")
    files = {e.description: e for e in Evidence.objects.filter(matter=matter)}
    assert sorted(files) == [
        "Photo of the pay ledger (synthetic demo file)",
        "Police report (synthetic demo file)",
        "Receipt notice for Form I-918 (synthetic demo file)",
    ]
    assert Evidence.objects.count() == 3, "on that matter only"

    # Stored encrypted, as any upload: the bytes on disk are not the file.
    report = files["Police report (synthetic demo file)"]
    on_disk = b"".join(p.read_bytes() for p in evidence_folder.rglob("*") if p.is_file())
    assert on_disk and b"%PDF" not in on_disk and b"\x89PNG" not in on_disk
    pdf = decrypted_read(report.storage_name)
    assert report.pages == len(PdfReader(io.BytesIO(pdf)).pages) == 2
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "SYNTHETIC DEMO FILE" in text and "COMPLAINT REPORT" in text
    photo = files["Photo of the pay ledger (synthetic demo file)"]
    assert photo.content_type == "image/png" and photo.kind == "trafficking"
    with Image.open(io.BytesIO(decrypted_read(photo.storage_name))) as image:
        assert image.size == (900, 640)

    # Seeding again adds nothing.
    again = io.StringIO()
    call_command("seed_demo", stdout=again)
    assert "evidence" not in again.getvalue() and Evidence.objects.count() == 3

    # What a person trying the demo would do with them: a packet of the three.
    packet = Packet.objects.create(
        matter=matter,
        created_by=matter.lead_attorney,
        selection=[{"kind": "evidence", "id": e.pk} for e in files.values()],
        status=Packet.Status.QUEUED,
    )
    version = packet_build_run(packet_id=packet.pk, user_id=matter.lead_attorney_id)
    assert version is not None and version.pages == version.cover_pages + 3 + 2 + 1 + 1
