"""Demo evidence: a few synthetic files on the demo U-visa matter (the one whose RFE
came by mail), so that a person trying Aftercare finds exhibits to put in a filing
packet: the response to the RFE, with the police report the certification rests on.

The files are made here, in code, when the demo is seeded (nothing is committed): a
two-page police report and an agency receipt notice as PDFs with their text, and a
photo of a pay ledger as a PNG. Every word says it is synthetic. They go through the
same upload service as a person's files (checked, cleaned in a limited child, stored
encrypted in the evidence storage: local files under var/ in development).
"""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile

from aftercare.demo import acting_as, demo_seeder

MARK = "(synthetic demo file)"
FILES = (
    ("police-report.pdf", "police_report", f"Police report {MARK}"),
    ("receipt-notice.pdf", "agency_notice", f"Receipt notice for Form I-918 {MARK}"),
    ("pay-ledger.png", "trafficking", f"Photo of the pay ledger {MARK}"),
)


@demo_seeder(floor=3, reports="Added {} synthetic evidence files to a demo U-visa matter.")
def demo_seed_evidence() -> int:
    """Idempotent: nothing is added once the matter has a demo file."""
    from cases.models import Matter
    from evidence.models import Evidence
    from evidence.services import evidence_add

    attorney = acting_as("attorney@harbor.example", "Harbor Legal Aid")
    harbor = attorney.membership.organization
    matter = Matter.objects.filter(organization=harbor, sub_kind="u_visa").order_by("pk").first()
    if matter is None:
        return 0
    # Descriptions are encrypted: compared once read, on the few files of one matter.
    if any(e.description.endswith(MARK) for e in Evidence.objects.filter(matter=matter)):
        return 0
    makers = {
        "police-report.pdf": _police_report,
        "receipt-notice.pdf": _receipt_notice,
        "pay-ledger.png": _pay_ledger,
    }
    for name, kind, description in FILES:
        evidence_add(
            actor=attorney.actor,
            survivor=matter.client,
            matter=matter,
            kind=kind,
            upload=SimpleUploadedFile(name, makers[name]()),
            description=description,
        )
    return len(FILES)


def _text_pdf(pages: list[list[str]]) -> bytes:
    """A letter-size PDF of lines of text in Helvetica, one list of lines per page."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            }
        )
    )
    for lines in pages:
        page = writer.add_blank_page(612, 792)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
        commands = ["BT", "/F1 11 Tf", "14 TL", "72 720 Td"]
        for line in lines:
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            commands.append(f"({escaped}) Tj T*")
        commands.append("ET")
        content = DecodedStreamObject()
        content.set_data("\n".join(commands).encode("cp1252"))
        page[NameObject("/Contents")] = writer._add_object(content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _police_report() -> bytes:
    header = [
        "DEMO CITY POLICE DEPARTMENT - COMPLAINT REPORT",
        "SYNTHETIC DEMO FILE: no real person, place or event.",
        "",
    ]
    first = [
        *header,
        "Complaint no.: DEMO-2026-000123",
        "Reported: 2026-03-14, 10:20",
        "Complainant: the client of the demo matter (name withheld in this demo)",
        "",
        "Narrative:",
        "The complainant reported that an employer kept her passport and did not pay",
        "wages for her work in a restaurant kitchen over several months.",
        "The complainant was referred to victim services the same day.",
    ]
    second = [
        *header,
        "Officer's notes (continued):",
        "Follow-up interview scheduled. Case referred to the demo anti-trafficking unit.",
        "",
        "Page 2 of 2",
    ]
    return _text_pdf([first, second])


def _receipt_notice() -> bytes:
    return _text_pdf(
        [
            [
                "DEMO - NOTICE OF ACTION (RECEIPT)",
                "SYNTHETIC DEMO FILE: not issued by any agency.",
                "",
                "Form: I-918, Petition for U Nonimmigrant Status",
                "Receipt number: DEMO0000000001",
                "Received date: 2026-04-02",
                "",
                "This demo notice stands in for the receipt an agency would send.",
            ]
        ]
    )


def _pay_ledger() -> bytes:
    """A PNG picture of a handwritten-style pay ledger, every row saying no pay."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (900, 640), (250, 246, 232))
    draw = ImageDraw.Draw(image)
    draw.text((40, 30), "PAY LEDGER - SYNTHETIC DEMO PHOTO", fill=(40, 40, 40))
    draw.text((40, 55), "No real person, place or employer.", fill=(90, 90, 90))
    for row in range(14):
        y = 100 + row * 36
        draw.line((40, y, 860, y), fill=(170, 170, 200), width=2)
        if row:
            draw.text((50, y - 26), f"Week {row}", fill=(30, 30, 90))
            draw.text((300, y - 26), "Hours: 72", fill=(30, 30, 90))
            draw.text((560, y - 26), "Paid: $0 (deducted: housing)", fill=(120, 20, 20))
    draw.line((280, 100, 280, 568), fill=(170, 170, 200), width=2)
    draw.line((540, 100, 540, 568), fill=(170, 170, 200), width=2)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
