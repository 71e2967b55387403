"""Beat in a fresh clone: it makes the folder of its schedule file and ticks, and when it
does not tick, /healthz and `reminders_status` say so."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from aftercare.celery import app
from aftercare.models import Heartbeat
from tests.aftercare.processes import celery_worker, process_env, wait_for
from tests.conftest import broker_available, require_service


def healthz() -> tuple[int, str]:
    response = Client().get("/healthz")
    return response.status_code, response.content.decode()


@pytest.mark.worker
def test_beat_inside_a_worker_in_a_fresh_clone_ticks(transactional_db, tmp_path):
    available, what = broker_available()
    require_service(available, what)
    schedule = tmp_path / "fresh-clone" / "var" / "celerybeat-schedule"
    assert healthz() == (503, "beat has never ticked")

    worker = celery_worker("--beat", f"--schedule={schedule}", env=process_env())
    try:
        ticked = wait_for(lambda: healthz()[0] == 200, timeout=90)
    finally:
        log = worker.stop()
        # Beat's periodic tasks went to the default queue, which this worker did not read.
        app.control.purge()
    assert ticked, f"/healthz still says {healthz()}; the worker's log ends:\n{log[-3000:]}"
    assert schedule.parent.is_dir()
    assert "FileNotFoundError" not in log


def test_healthz_and_reminders_status_say_when_beat_stopped(db):
    Heartbeat.objects.create(service="beat", at=timezone.now() - timedelta(minutes=10))

    assert healthz() == (503, "beat has not ticked for 10 minutes")
    out = StringIO()
    call_command("reminders_status", stdout=out)
    assert out.getvalue().splitlines()[0] == (
        "beat: NOT TICKING (beat has not ticked for 10 minutes)"
    )

    Heartbeat.objects.filter(service="beat").update(at=timezone.now() - timedelta(seconds=30))
    assert healthz() == (200, "ok")
    out = StringIO()
    call_command("reminders_status", stdout=out)
    assert out.getvalue().splitlines()[0] == "beat: ticking"
