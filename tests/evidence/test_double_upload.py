"""A double click on Upload (two requests at the same moment, each on its own database
connection and each forking its own cleaning child) stores one file."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aftercare.access import access_grant
from evidence.models import Evidence
from tests.evidence import samples
from tests.factories import make_survivor
from tests.test_double_submit import post_at_once, same_browser

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = re.compile(r'name="submission_token" value="([^"]+)"')


def test_an_upload_sent_twice_at_once_stores_one_file(
    coordinator, attorney, client_for, evidence_folder
):
    survivor = make_survivor(coordinator.organization, by=coordinator.user)
    access_grant(user=attorney.user, obj=survivor, actions=("view", "change"))
    first = client_for(attorney)
    page = first.get(reverse("evidence:survivor", args=[survivor.pk]))
    token = TOKEN.search(page.text)[1]
    photo = samples.jpeg_photo((200, 150))

    def data() -> dict:  # each request its own file object, as two requests have
        return {
            "kind": "identity_document",
            "file": SimpleUploadedFile("IMG_1.JPG", photo),
            "submission_token": token,
        }

    answers = post_at_once(
        reverse("evidence:survivor_upload", args=[survivor.pk]),
        [(first, data()), (same_browser(first), data())],
    )

    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0]["Location"] == answers[1]["Location"]
    assert Evidence.objects.count() == 1
    stored = [p for p in evidence_folder.rglob("*") if p.is_file()]
    assert len(stored) == 1, "the second request stored nothing"
