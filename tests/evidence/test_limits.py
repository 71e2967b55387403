"""Limits: a body over the cap is refused unread, a file is never spooled to disk, and a
file built to cost time or memory is refused within the web worker's bounded wait."""

from __future__ import annotations

import io
import re
import tempfile
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aftercare.access import access_grant
from evidence.models import Evidence
from tests.evidence import samples
from tests.factories import make_survivor

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="submission_token" value="([^"]+)"')
MB = 1024 * 1024


@pytest.fixture
def survivor(coordinator, attorney):
    survivor = make_survivor(coordinator.organization, by=coordinator.user)
    access_grant(user=attorney.user, obj=survivor, actions=("view", "change"))
    return survivor


def _post(client, survivor, data: bytes, name="scan.pdf", **extra):
    return client.post(
        reverse("evidence:survivor_upload", args=[survivor.pk]),
        {"kind": "other", "description": "Typed before", "file": SimpleUploadedFile(name, data)},
        **extra,
    )


def test_a_body_announced_over_the_cap_is_refused_before_it_is_read(client_for, attorney, survivor):
    client = client_for(attorney)
    read = []

    class Body(io.BytesIO):
        def read(self, *args):  # anyone reading the body would be seen here
            read.append(args)
            return super().read(*args)

    response = client.generic(
        "POST",
        reverse("evidence:survivor_upload", args=[survivor.pk]),
        data=b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(6 * MB),
        **{"wsgi.input": Body(b"")},
    )
    assert response.status_code == 413
    assert "larger than 5 MB" in response.text
    assert not read
    assert not Evidence.objects.exists()


def test_a_file_just_over_the_cap_is_refused_with_what_was_typed_kept(
    client_for, attorney, survivor, settings
):
    settings.UPLOAD_MAX_BYTES = 1 * MB
    response = _post(client_for(attorney), survivor, b"%PDF-" + b"0" * MB)
    assert response.status_code == 200
    assert "larger than 1 MB" in response.text
    assert "Typed before" in response.text
    assert not Evidence.objects.exists()


def test_an_upload_stays_in_memory_and_never_reaches_a_temporary_file(
    client_for, attorney, survivor, monkeypatch
):
    """Django spools a file over 2.5 MB to /tmp by default; ours is kept in memory."""
    made = []
    real = tempfile.NamedTemporaryFile

    def watched(*args, **kwargs):
        made.append(kwargs.get("suffix"))
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", watched)
    big = samples.jpeg_photo((2400, 1800), exif=True)
    padded = big + b"\0" * (4 * MB - len(big))  # 4 MB: over Django's 2.5 MB default
    response = _post(client_for(attorney), survivor, padded, name="big.jpg")
    assert response.status_code == 302
    assert ".upload" not in made  # Django's temporary upload files end so
    assert Evidence.objects.count() == 1


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: samples.pdf_with_huge_images(20, 20_000), "images too large to be read safely"),
        (lambda: samples.png_bomb(), "The image is too large (60000 by 60000 pixels)"),
    ],
    ids=["pdf-of-20-huge-images", "png-decompression-bomb"],
)
def test_a_hostile_file_is_refused_quickly_with_a_clear_message_and_nothing_changes(
    client_for, attorney, survivor, build, message, evidence_folder
):
    data = build()
    assert len(data) < 2 * MB
    client = client_for(attorney)
    started = time.monotonic()
    response = _post(client, survivor, data)
    assert time.monotonic() - started < 3
    assert response.status_code == 200
    assert message in response.text
    assert not Evidence.objects.exists()
    assert not evidence_folder.exists() or not any(evidence_folder.rglob("*.*"))


def test_work_that_runs_past_its_time_is_stopped_and_refused(
    client_for, attorney, survivor, settings, monkeypatch
):
    """Whatever the file: a child that does not answer in time is killed, the member told."""
    import aftercare.cleaning

    def slow(data, *, limits):
        time.sleep(30)

    monkeypatch.setattr(aftercare.cleaning, "clean", slow)
    settings.UPLOAD_CLEAN_SECONDS = 1.0
    started = time.monotonic()
    response = _post(client_for(attorney), survivor, samples.simple_pdf(1))
    assert time.monotonic() - started < 2
    assert "could not be checked in the time allowed" in response.text
    assert not Evidence.objects.exists()


def test_work_that_asks_for_too_much_memory_is_stopped_and_refused(
    client_for, attorney, survivor, monkeypatch
):
    import aftercare.cleaning

    def greedy(data, *, limits):
        return bytearray(4 * 1024 * MB)  # past the child's address-space limit

    monkeypatch.setattr(aftercare.cleaning, "clean", greedy)
    response = _post(client_for(attorney), survivor, samples.simple_pdf(1))
    assert "could not be checked in the time allowed" in response.text
    assert not Evidence.objects.exists()
