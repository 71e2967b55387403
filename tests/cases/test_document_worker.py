"""Generation happens in a real Celery worker process, never in the request."""

import time

import pytest
from django.urls import reverse

from aftercare.celery import app
from cases.models import DocumentDraft, DocumentVersion
from tests.conftest import WorkerProcess, broker_available, require_service
from tests.factories import make_matter

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_worker_renders_the_pdf_the_paralegal_asked_for(
    harbor, attorney, paralegal, client_for
):
    available, what = broker_available()
    require_service(available, what)
    app.control.purge()
    matter = make_matter(harbor, lead=attorney.user, case_number="F-777-26")
    from aftercare.access import access_grant

    access_grant(user=paralegal.user, obj=matter, actions=("view", "change"))
    access_grant(user=paralegal.user, obj=matter.client, actions=("view",))  # as the team form
    client = client_for(paralegal)
    client.post(reverse("cases:documents", args=[matter.pk]), {"template": "survivor_declaration"})
    draft = DocumentDraft.objects.get()
    worker = WorkerProcess(queue="celery")
    try:
        response = client.post(
            reverse("cases:document_draft", args=[draft.pk]),
            {
                "court": "Family Court",
                "bar_number": "NY-42",
                "paragraphs": "Facts.",
                "generate": "1",
            },
        )
        assert response.status_code == 302, "the request returns at once"
        deadline = time.monotonic() + 90
        while not DocumentVersion.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        log = worker.stop()
    version = DocumentVersion.objects.first()
    assert version is not None, log[-3000:]
    assert version.created_by == paralegal.user and version.pdf.startswith(b"%PDF-")
    # Warmed once as the worker started, before any document: no render child pays
    # WeasyPrint's cold start (issue #19).
    assert "Document renderer warmed" in log
    assert log.index("Document renderer warmed") < log.index("received"), log[-3000:]
