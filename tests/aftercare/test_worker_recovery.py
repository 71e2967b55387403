"""A worker outlives its Redis: restarted several times (without persistence, so every
queue is lost each time), and down for a while, Redis comes back and a task published
afterwards still runs on the same worker process, which never gave up and exited."""

import shutil
import subprocess
import time
from urllib.parse import urlparse

import pytest
from django.conf import settings

from aftercare.models import AuditEvent
from aftercare.tasks import audit_chain_verify_task
from tests.aftercare.processes import celery_worker, process_env, wait_for
from tests.conftest import redis_reachable, require_service

pytestmark = pytest.mark.worker
RESTARTS = 3


@pytest.fixture
def restartable_redis(transactional_db):
    require_service(
        bool(settings.REDIS_URL) and shutil.which("redis-server") is not None,
        "a Redis server this test may restart (REDIS_URL and redis-server)",
    )
    require_service(redis_reachable(), f"Redis at {settings.REDIS_URL}")
    url = urlparse(settings.REDIS_URL)
    return url.hostname, str(url.port or 6379)


def redis_stop(host: str, port: str) -> None:
    subprocess.run(
        ["redis-cli", "-h", host, "-p", port, "shutdown", "nosave"],
        check=False,
        capture_output=True,
        timeout=30,
    )
    assert wait_for(lambda: not redis_reachable(), timeout=30), "Redis did not stop"


def redis_start(host: str, port: str) -> None:
    subprocess.run(
        [
            *("redis-server", "--daemonize", "yes", "--bind", host, "--port", port),
            *("--save", "", "--appendonly", "no"),
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    assert wait_for(redis_reachable, timeout=30), "Redis did not start"


def verified() -> int:
    return AuditEvent.objects.filter(action="aftercare.audit.chain_verified").count()


def publish_and_wait(worker, expected: int, what: str) -> None:
    audit_chain_verify_task.apply_async(queue=worker.queue)
    ran = wait_for(lambda: verified() >= expected, timeout=90)
    assert ran, f"{what}: the task never ran; the worker's log ends:\n{worker.output()[-4000:]}"


def test_the_worker_consumes_again_after_each_redis_restart(restartable_redis):
    host, port = restartable_redis
    worker = celery_worker(env=process_env(), as_in_production=True)
    try:
        assert wait_for(lambda: " ready." in worker.output(), timeout=90), worker.output()
        publish_and_wait(worker, 1, "before any restart")
        # Losing the connection several times within seconds once left a worker
        # connected and idle for good (celery/celery#8030).
        for _ in range(2):
            redis_stop(host, port)
            redis_start(host, port)
        publish_and_wait(worker, 2, "after two restarts in a row")
        for restart in range(1, RESTARTS + 1):
            redis_stop(host, port)
            if restart == RESTARTS:
                time.sleep(10)  # a longer outage: the worker keeps trying, and does not exit
            redis_start(host, port)
            publish_and_wait(worker, 2 + restart, f"after restart {restart}")
        alive = worker.alive()
    finally:
        log = worker.stop()
    assert alive, f"the worker exited:\n{log[-4000:]}"
    assert "Unrecoverable error" not in log


def test_a_worker_started_while_redis_is_down_waits_for_it(restartable_redis):
    host, port = restartable_redis
    redis_stop(host, port)
    worker = celery_worker(env=process_env(), as_in_production=True)
    try:
        assert wait_for(lambda: "Trying again" in worker.output(), timeout=60)
        time.sleep(5)
        assert worker.alive(), f"the worker gave up:\n{worker.output()[-3000:]}"
        redis_start(host, port)
        publish_and_wait(worker, 1, "once Redis was up")
    finally:
        if not redis_reachable():
            redis_start(host, port)
        worker.stop()
