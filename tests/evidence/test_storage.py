"""Where the files live: encrypted before they reach a folder or an S3 bucket, under a
random name, and gone from it when the person is erased."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from evidence.models import Evidence
from evidence.services import evidence_add, evidence_read
from survivors.services.retention import survivor_erase
from tests.actors import actor_of
from tests.evidence import samples
from tests.factories import make_matter, make_survivor

pytestmark = pytest.mark.django_db

BUCKET = "aftercare-evidence-test"


@pytest.fixture(scope="module")
def s3_server():
    """A local S3-compatible server (moto's), on 127.0.0.1 only."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_client(s3_server):
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
        region_name="us-east-1",
    )
    if BUCKET not in [b["Name"] for b in client.list_buckets()["Buckets"]]:
        client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture
def s3_storage(settings, s3_server, s3_client):
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_server,
                "region_name": "us-east-1",
                "access_key": "test-key",
                "secret_key": "test-secret",
                "default_acl": None,
                "file_overwrite": False,
            },
        },
    }
    return s3_client


def _add(membership, survivor, data, name="passport.jpg", matter=None):
    return evidence_add(
        actor=actor_of(membership),
        survivor=survivor,
        matter=matter,
        kind="identity_document",
        description="Passport of the client",
        upload=SimpleUploadedFile(name, data),
    )


def test_a_file_goes_to_the_s3_bucket_encrypted_and_comes_back(coordinator, s3_storage):
    survivor = make_survivor(coordinator.organization, by=coordinator.user)
    photo = samples.jpeg_photo((80, 60))
    evidence = _add(coordinator, survivor, photo)

    stored = s3_storage.get_object(Bucket=BUCKET, Key=evidence.storage_name)["Body"].read()
    assert not stored.startswith(b"\xff\xd8\xff")  # not a JPEG: ciphertext
    assert b"JFIF" not in stored and samples.GPS_MARK not in stored
    assert "passport" not in evidence.storage_name

    content = evidence_read(actor=actor_of(coordinator), evidence=evidence)
    assert content.startswith(b"\xff\xd8\xff")
    assert samples.GPS_MARK not in content


def test_the_database_holds_no_file_and_no_name_in_plain_text(coordinator, evidence_folder):
    survivor = make_survivor(coordinator.organization, by=coordinator.user)
    evidence = _add(coordinator, survivor, samples.png_image(), name="maria-passport.png")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM evidence_evidence WHERE id = %s", [evidence.pk])
        row = " ".join(str(value) for value in cursor.fetchone())
    assert "maria-passport" not in row and "Passport of the client" not in row
    assert "iVBOR" not in row  # no PNG, not even as base64
    assert Evidence.objects.get().original_name == "maria-passport.png"


def test_erasing_the_survivor_removes_their_files_from_the_storage(
    coordinator, attorney, evidence_folder, django_capture_on_commit_callbacks
):
    survivor = make_survivor(coordinator.organization, by=coordinator.user)
    matter = make_matter(coordinator.organization, lead=attorney.user, client=survivor)
    _add(coordinator, survivor, samples.png_image())
    _add(attorney, survivor, samples.simple_pdf(1), name="notice.pdf", matter=matter)
    assert len([p for p in evidence_folder.rglob("*") if p.is_file()]) == 2

    with django_capture_on_commit_callbacks(execute=True):
        report = survivor_erase(actor=actor_of(coordinator), survivor=survivor)

    assert not Evidence.objects.exists()
    assert not [p for p in evidence_folder.rglob("*") if p.is_file()]
    assert report.audit_payload()["wiped"]["evidence.files"] == 2


def test_erasure_removes_the_object_from_the_s3_bucket(
    coordinator, s3_storage, django_capture_on_commit_callbacks
):
    survivor = make_survivor(coordinator.organization, by=coordinator.user)
    evidence = _add(coordinator, survivor, samples.png_image())
    assert s3_storage.head_object(Bucket=BUCKET, Key=evidence.storage_name)

    with django_capture_on_commit_callbacks(execute=True):
        survivor_erase(actor=actor_of(coordinator), survivor=survivor)

    listed = s3_storage.list_objects_v2(Bucket=BUCKET, Prefix=evidence.storage_name)
    assert listed.get("KeyCount", 0) == 0
