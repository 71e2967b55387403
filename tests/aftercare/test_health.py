"""/healthz, as monitoring polls it while beat is down: 503 with the reason, logged as a
warning each time, never as the ERROR that mails the admins for every poll."""

import logging

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_stopped_beat_answers_503_and_logs_a_warning_not_an_error(caplog):
    with caplog.at_level(logging.INFO):
        response = Client().get("/healthz")
    assert (response.status_code, response.content) == (503, b"beat has never ticked")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["Health check: beat has never ticked"]
