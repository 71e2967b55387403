"""`make run`'s processes and its embedded broker, for real: one Ctrl-C stops the web
server, the worker, its pool and beat within seconds, and a half-written message in the
queue folder is set aside without stopping the worker."""

import os
import signal
import socket
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from kombu import Connection

from aftercare.models import AuditEvent
from aftercare.tasks import audit_chain_verify_task
from tests.aftercare.processes import (
    Process,
    celery_worker,
    descendants,
    living,
    process_env,
    wait_for,
)

pytestmark = pytest.mark.worker
STOPPED_WITHIN_SECONDS = 20
# Where the worker's settings put the embedded broker under AFTERCARE_ENV=test.
BROKER_DIR = settings.VAR_DIR / "broker-test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310  (our own test server)
            return True
    except urllib.error.HTTPError:
        return True  # a 503 from /healthz is an answer too
    except OSError:
        return False


def test_ctrl_c_stops_the_web_server_the_worker_and_beat(transactional_db, tmp_path):
    port = free_port()
    run = Process(
        [
            *(sys.executable, "manage.py", "run_local", f"127.0.0.1:{port}"),
            f"--beat-schedule={tmp_path / 'var' / 'celerybeat-schedule'}",
        ],
        process_env(embedded_broker=True),
    )
    try:
        assert wait_for(lambda: answers(f"http://127.0.0.1:{port}/healthz"), timeout=90), (
            run.output()[-3000:]
        )
        assert wait_for(lambda: " ready." in run.output(), timeout=90), run.output()[-3000:]
        assert wait_for(lambda: "beat: Starting" in run.output(), timeout=30)
        started = living(descendants(run.pid))
        # The web server and its autoreloader, the worker, its pool of two, and beat.
        assert len(started) >= 6, started

        os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends

        left = wait_for(lambda: not living(started | {run.pid}), timeout=STOPPED_WITHIN_SECONDS)
        survivors = living(started | {run.pid})
    finally:
        log = run.stop()
    assert left, f"still running after {STOPPED_WITHIN_SECONDS} s: {survivors}\n{log[-3000:]}"
    assert "Segmentation fault" not in log


def embedded_broker() -> Connection:
    """The worker's broker, from this process, whichever broker the tests' settings use."""
    folders = {
        "data_folder_in": BROKER_DIR / "queue",
        "data_folder_out": BROKER_DIR / "queue",
        "processed_folder": BROKER_DIR / "processed",
        "control_folder": BROKER_DIR / "control",
        "quarantine_folder": BROKER_DIR / "quarantine",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    return Connection(
        "filesystem://",
        transport="aftercare.broker:Transport",
        transport_options={name: str(path) for name, path in folders.items()},
    )


def queue_files(queue: str) -> list[Path]:
    return sorted((BROKER_DIR / "queue").glob(f"*.{queue}.msg"))


def test_a_half_written_message_does_not_stop_the_worker(transactional_db):
    queue = "test-halfwritten"
    for leftover in queue_files(queue):  # from an earlier run that was interrupted
        leftover.unlink()
    with embedded_broker() as broker:
        # A real message, cut in half as a writer killed mid-write would leave it.
        audit_chain_verify_task.apply_async(queue=queue, connection=broker)
        [message] = queue_files(queue)
        message.write_bytes(message.read_bytes()[: message.stat().st_size // 2])
        # And the task someone is waiting for, queued behind it.
        audit_chain_verify_task.apply_async(queue=queue, connection=broker)

    worker = celery_worker(env=process_env(embedded_broker=True), queue=queue)
    try:
        ran = wait_for(
            lambda: AuditEvent.objects.filter(action="aftercare.audit.chain_verified").exists(),
            timeout=90,
        )
        still_running = worker.alive()
    finally:
        log = worker.stop()
    assert ran, f"the later task never ran; the worker's log ends:\n{log[-3000:]}"
    assert still_running, log[-3000:]
    assert f"Set aside an unreadable broker message {message.name}" in log
    assert (BROKER_DIR / "quarantine" / message.name).exists()
    (BROKER_DIR / "quarantine" / message.name).unlink()
    assert not queue_files(queue)
