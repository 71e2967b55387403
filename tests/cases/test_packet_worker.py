"""A filing packet is built by a real Celery worker process, never in the request."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aftercare.celery import app
from cases.models import Packet, PacketVersion
from evidence.services import evidence_add
from evidence.storage import stored_delete
from tests.actors import lead_actor
from tests.conftest import WorkerProcess, broker_available, require_service
from tests.evidence import samples
from tests.factories import make_matter

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_worker_builds_the_packet_the_paralegal_asked_for(harbor, attorney, client_for):
    available, what = broker_available()
    require_service(available, what)
    app.control.purge()
    matter = make_matter(harbor, lead=attorney.user)
    evidence = evidence_add(
        actor=lead_actor(matter),
        survivor=matter.client,
        matter=matter,
        kind="police_report",
        upload=SimpleUploadedFile("report.pdf", samples.simple_pdf(2)),
        description="Police report",
    )
    client = client_for(attorney)
    packet = Packet.objects.create(
        matter=matter,
        created_by=attorney.user,
        selection=[{"kind": "evidence", "id": evidence.pk}],
    )
    worker = WorkerProcess(queue="celery")
    try:
        response = client.post(reverse("cases:packet_build", args=[packet.pk]))
        assert response.status_code == 302, "the request returns at once"
        deadline = time.monotonic() + 90
        while not PacketVersion.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        log = worker.stop()
    version = PacketVersion.objects.first()
    assert version is not None, log[-3000:]
    assert version.pages == 1 + 1 + 2 and version.created_by == attorney.user
    download = client.get(reverse("cases:packet_download", args=[version.pk]))
    assert download.content.startswith(b"%PDF-")
    # The worker and this process share the test storage folder: leave it as found.
    stored_delete(version.storage_name)
    stored_delete(evidence.storage_name)
