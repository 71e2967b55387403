"""The real Celery worker: it runs our tasks against the same database, and it
refuses to start with the wrong encryption key."""

import time

import pytest
from cryptography.fernet import Fernet

from aftercare.audit import audit_record
from aftercare.models import AuditEvent
from aftercare.tasks import audit_chain_verify_task
from tests.conftest import WorkerProcess, broker_available, require_service

pytestmark = pytest.mark.worker


def wait_for(predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.25)
    return None


def test_the_worker_verifies_the_audit_chain(celery_worker_process):
    for n in range(3):
        audit_record(action="tests.thing.viewed", object_type="tests.thing", object_id=n)
    audit_chain_verify_task.apply_async(queue=celery_worker_process.queue)

    event = wait_for(
        lambda: AuditEvent.objects.filter(action="aftercare.audit.chain_verified").first()
    )
    log = "" if event else celery_worker_process.stop()
    assert event is not None, f"the worker did not run the task:\n{log[-3000:]}"
    assert event.payload == {
        "intact": True,
        "checked": 3,
        "broken_event_id": None,
        "channel": "worker",
    }


def test_a_worker_with_the_wrong_key_refuses_to_start(transactional_db):
    available, what = broker_available()
    require_service(available, what)
    worker = WorkerProcess({"FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode()})
    try:
        worker.process.wait(timeout=60)
    finally:
        output = worker.stop()
    assert worker.process.returncode != 0
    assert "cannot decrypt the stored encryption canary" in output
