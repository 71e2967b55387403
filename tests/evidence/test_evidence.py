"""Evidence files on a survivor's record and on a matter: what staff see and do."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from aftercare.access import access_grant
from aftercare.models import AuditEvent
from evidence.models import Evidence
from survivors.models import Consent, Purpose, SurvivorShare
from survivors.services.sharing import survivor_access_refresh
from tests.evidence import samples
from tests.factories import make_matter, make_survivor

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="submission_token" value="([^"]+)"')


@pytest.fixture
def survivor(coordinator, attorney):
    survivor = make_survivor(coordinator.organization, by=coordinator.user, legal_name="Ana Test")
    access_grant(user=attorney.user, obj=survivor, actions=("view", "change"))
    return survivor


@pytest.fixture
def matter(coordinator, attorney, survivor):
    return make_matter(coordinator.organization, lead=attorney.user, client=survivor)


def _upload(client, url, data: bytes, name: str, *, kind="identity_document", **extra):
    page = client.get(url.replace("upload/", ""))
    token = TOKEN.search(page.text).group(1)
    return client.post(
        url,
        {
            "kind": kind,
            "description": "Passport, photo page",
            "file": SimpleUploadedFile(name, data, content_type="application/octet-stream"),
            "submission_token": token,
            **extra,
        },
    )


def _stored_files(folder) -> list:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_a_phone_photo_is_stored_encrypted_and_comes_back_without_its_location(
    client_for, attorney, survivor, evidence_folder
):
    client = client_for(attorney)
    photo = samples.jpeg_photo((64, 48), orientation=6)
    response = _upload(
        client, reverse("evidence:survivor_upload", args=[survivor.pk]), photo, "IMG_0042.JPG"
    )
    assert response.status_code == 302

    evidence = Evidence.objects.get()
    assert evidence.kind == "identity_document" and evidence.pages == 1
    # Stored under a random name, as ciphertext: no photo, no name, no GPS.
    [stored] = _stored_files(evidence_folder)
    raw = stored.read_bytes()
    assert "IMG_0042" not in str(stored) and b"\xff\xd8\xff" not in raw[:4]
    assert samples.GPS_MARK not in raw and b"PhoneMaker" not in raw

    download = client.get(reverse("evidence:download", args=[evidence.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "image/jpeg"
    assert download["Content-Disposition"].startswith("attachment")
    # Named by number, kind and day, never by the uploaded name (it may be a person's).
    day = timezone.localdate(evidence.uploaded_at).isoformat()
    name = f"evidence-{evidence.pk}-identity-document-{day}.jpg"
    assert download["Content-Disposition"] == f'attachment; filename="{name}"'
    assert "IMG_0042" not in download["Content-Disposition"]
    assert "no-store" in download["Cache-Control"]
    from PIL import Image

    image = Image.open(io.BytesIO(download.content))
    exif = image.getexif()
    assert not exif.get_ifd(0x8825) and 0x010F not in exif  # no GPS, no camera
    assert image.size == (48, 64)  # turned upright by its orientation, then dropped
    assert samples.GPS_MARK not in download.content

    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"evidence.file.uploaded", "evidence.file.downloaded"} <= actions


def test_the_list_shows_kind_date_author_size_and_pages(
    client_for, attorney, survivor, django_assert_max_num_queries
):
    client = client_for(attorney)
    url = reverse("evidence:survivor_upload", args=[survivor.pk])
    _upload(client, url, samples.simple_pdf(3), "report.pdf", kind="police_report")
    _upload(client, url, samples.png_image(), "screenshot.png", kind="trafficking")

    page = client.get(reverse("survivors:detail", args=[survivor.pk]))
    section = page.text[page.text.index('id="evidence"') :]
    assert "Police report" in section and "Evidence of trafficking" in section
    assert "Passport, photo page" in section
    assert attorney.user.full_name in section
    assert "<td>3</td>" in section  # pages of the PDF
    assert "report.pdf" not in page.text  # the original name is not listed

    with django_assert_max_num_queries(30):
        client.get(reverse("evidence:survivor", args=[survivor.pk]))
    for _ in range(3):
        _upload(client, url, samples.png_image(), "more.png", kind="other")
    with django_assert_max_num_queries(30) as counted:
        client.get(reverse("evidence:survivor", args=[survivor.pk]))
    few = len(counted.captured_queries)
    _upload(client, url, samples.png_image(), "more.png", kind="other")
    with django_assert_max_num_queries(few):
        client.get(reverse("evidence:survivor", args=[survivor.pk]))


def test_a_heic_photo_becomes_a_jpeg(client_for, attorney, survivor):
    client = client_for(attorney)
    _upload(
        client,
        reverse("evidence:survivor_upload", args=[survivor.pk]),
        samples.heic_photo(),
        "IMG_1234.HEIC",
    )
    evidence = Evidence.objects.get()
    download = client.get(reverse("evidence:download", args=[evidence.pk]))
    assert download["Content-Type"] == "image/jpeg"
    assert download.content.startswith(b"\xff\xd8\xff")
    assert download["Content-Disposition"].endswith('.jpg"')
    assert "IMG_1234" not in download["Content-Disposition"]
    assert samples.GPS_MARK not in download.content


@pytest.mark.parametrize(
    ("data", "name"),
    [(samples.word_docx(), "statement.pdf"), (samples.WORD_DOC, "statement.doc")],
)
def test_a_word_document_is_refused_saying_to_save_it_as_pdf(
    client_for, attorney, survivor, data, name, evidence_folder
):
    client = client_for(attorney)
    response = _upload(client, reverse("evidence:survivor_upload", args=[survivor.pk]), data, name)
    assert response.status_code == 200
    assert "Word documents cannot be uploaded" in response.text
    assert "Save As, PDF" in response.text
    # What was typed is still there to send again.
    assert "Passport, photo page" in response.text
    assert not Evidence.objects.exists() and not _stored_files(evidence_folder)


def test_a_file_named_like_a_photo_is_known_by_its_content(client_for, attorney, survivor):
    client = client_for(attorney)
    response = _upload(
        client,
        reverse("evidence:survivor_upload", args=[survivor.pk]),
        b"#!/bin/sh\necho not a photo\n",
        "photo.jpg",
    )
    assert "Upload a PDF, or a photo in JPEG, PNG or HEIC format." in response.text
    assert not Evidence.objects.exists()


def test_the_refusal_reads_in_spanish(client_for, attorney, survivor):
    client = client_for(attorney)
    client.cookies["django_language"] = "es"
    response = _upload(
        client,
        reverse("evidence:survivor_upload", args=[survivor.pk]),
        samples.WORD_DOC,
        "declaracion.doc",
    )
    assert "No se pueden subir documentos de Word" in response.text
    page = client.get(reverse("survivors:detail", args=[survivor.pk]))
    assert "Pruebas" in page.text and "Subir" in page.text


def test_the_same_upload_sent_twice_makes_one_file(client_for, attorney, survivor):
    client = client_for(attorney)
    url = reverse("evidence:survivor_upload", args=[survivor.pk])
    token = TOKEN.search(client.get(reverse("evidence:survivor", args=[survivor.pk])).text)[1]
    data = samples.png_image()
    for _ in range(2):
        response = client.post(
            url,
            {
                "kind": "other",
                "file": SimpleUploadedFile("a.png", data),
                "submission_token": token,
            },
        )
        assert response.status_code == 302
    assert Evidence.objects.count() == 1


def test_removing_a_file_removes_it_from_the_storage(
    client_for, coordinator, survivor, evidence_folder, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    _upload(
        client,
        reverse("evidence:survivor_upload", args=[survivor.pk]),
        samples.png_image(),
        "a.png",
    )
    evidence = Evidence.objects.get()
    assert _stored_files(evidence_folder)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("evidence:delete", args=[evidence.pk]))
    assert response.status_code == 302
    assert not Evidence.objects.exists()
    assert not _stored_files(evidence_folder)
    assert AuditEvent.objects.filter(action="evidence.file.removed").exists()


def test_a_matters_files_are_on_the_matter_page_not_the_survivors(
    client_for, attorney, matter, survivor
):
    client = client_for(attorney)
    _upload(
        client,
        reverse("evidence:matter_upload", args=[matter.pk]),
        samples.simple_pdf(1),
        "notice.pdf",
        kind="agency_notice",
    )
    evidence = Evidence.objects.get()
    assert evidence.matter == matter and evidence.survivor == survivor
    matter_page = client.get(reverse("cases:detail", args=[matter.pk]))
    assert "<td>Agency notice</td>" in matter_page.text
    survivor_page = client.get(reverse("survivors:detail", args=[survivor.pk]))
    assert "<td>Agency notice</td>" not in survivor_page.text
    assert "No evidence files yet." in survivor_page.text


def _share(survivor, partner, by, categories):
    consent = Consent.objects.create(
        survivor=survivor,
        recipient=partner.organization,
        purpose=Purpose.SERVICE_REFERRAL,
        categories=categories,
        method=Consent.Method.WRITTEN,
        given_on=timezone.localdate(),
        recorded_by=by.user,
    )
    SurvivorShare.objects.create(survivor=survivor, organization=consent.recipient, consent=consent)
    survivor_access_refresh(survivor=survivor, organization_id=consent.recipient_id)
    return consent


def test_a_partner_sees_the_files_only_under_a_consent_to_share_documents(
    client_for, attorney, coordinator, partner_coordinator, survivor
):
    _upload(
        client_for(attorney),
        reverse("evidence:survivor_upload", args=[survivor.pk]),
        samples.png_image(),
        "a.png",
    )
    evidence = Evidence.objects.get()
    partner = client_for(partner_coordinator)
    _share(survivor, partner_coordinator, coordinator, ["identity", "needs"])
    assert partner.get(reverse("survivors:detail", args=[survivor.pk])).status_code == 200
    assert "Evidence" not in partner.get(reverse("survivors:detail", args=[survivor.pk])).text
    assert partner.get(reverse("evidence:survivor", args=[survivor.pk])).status_code == 404
    assert partner.get(reverse("evidence:download", args=[evidence.pk])).status_code == 404

    _share(survivor, partner_coordinator, coordinator, ["documents"])
    page = partner.get(reverse("survivors:detail", args=[survivor.pk]))
    assert "Evidence" in page.text and "Upload" not in page.text
    download = partner.get(reverse("evidence:download", args=[evidence.pk]))
    assert download.status_code == 200 and download.content.startswith(b"\x89PNG")
    # Reading is not changing: the partner neither adds nor removes.
    assert partner.post(reverse("evidence:delete", args=[evidence.pk])).status_code == 403


def test_the_consent_form_offers_documents(client_for, coordinator, survivor):
    page = client_for(coordinator).get(reverse("survivors:consents", args=[survivor.pk]))
    assert 'value="documents"' in page.text
    assert "Documents and evidence files" in page.text


def test_a_pdf_keeps_its_pages_and_loses_thumbnails_attachments_and_scripts(
    client_for, attorney, survivor
):
    client = client_for(attorney)
    hostile = samples.hostile_pdf(pages=2)
    assert samples.GPS_MARK in hostile and samples.EMBEDDED_MARK in hostile
    _upload(
        client,
        reverse("evidence:survivor_upload", args=[survivor.pk]),
        hostile,
        "police.pdf",
        kind="police_report",
    )
    evidence = Evidence.objects.get()
    assert evidence.pages == 2 and evidence.content_type == "application/pdf"
    content = client.get(reverse("evidence:download", args=[evidence.pk])).content
    for secret in (samples.GPS_MARK, samples.EMBEDDED_MARK, samples.XMP_MARK, b"PhoneMaker"):
        assert secret not in content
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    assert [len(page.images) for page in reader.pages] == [1, 1]
    assert not reader.metadata and not reader.attachments


def test_a_request_too_large_is_answered_in_spanish(client_for, attorney, survivor):
    client = client_for(attorney)
    client.cookies["django_language"] = "es"
    response = client.generic(
        "POST",
        reverse("evidence:survivor_upload", args=[survivor.pk]),
        data=b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "El archivo pesa más de 5 MB" in response.text
