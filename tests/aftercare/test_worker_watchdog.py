"""A worker that stops taking messages while its queue fills stops itself, with a failure
status its supervisor restarts it for; a busy or an idle worker never does."""

import socket

import pytest
from django.conf import settings

from aftercare.tasks import audit_chain_verify_task
from aftercare.watchdog import STALLED_EXIT_CODE, StallWatch
from tests.aftercare.processes import celery_worker, process_env, wait_for
from tests.conftest import redis_reachable, require_service


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_worker_idle_while_messages_wait_is_stalled_after_the_limit():
    clock = Clock()
    watch = StallWatch(60, clock=clock)
    assert not watch.look(holding=0, waiting=3)
    clock.now += 59
    assert not watch.look(holding=0, waiting=3)
    clock.now += 1
    assert watch.look(holding=0, waiting=3)


def test_a_busy_worker_an_empty_queue_or_a_new_message_restart_the_count():
    clock = Clock()
    watch = StallWatch(60, clock=clock)
    watch.look(holding=0, waiting=3)
    clock.now += 50
    assert not watch.look(holding=2, waiting=3), "busy: the messages wait for a free slot"
    clock.now += 50
    assert not watch.look(holding=0, waiting=3), "idle again: counting starts afresh"
    clock.now += 30
    assert not watch.look(holding=0, waiting=0)
    clock.now += 100
    assert not watch.look(holding=0, waiting=3)
    clock.now += 40
    watch.received()
    clock.now += 59
    assert not watch.look(holding=0, waiting=3), "a message arrived 59 s ago"
    clock.now += 1
    assert watch.look(holding=0, waiting=3)


@pytest.mark.worker
def test_a_worker_that_stops_consuming_exits_for_its_supervisor(transactional_db):
    require_service(bool(settings.REDIS_URL), "Redis (set REDIS_URL)")
    require_service(redis_reachable(), f"Redis at {settings.REDIS_URL}")
    worker = celery_worker(env=process_env(WORKER_STALL_SECONDS="4"))
    try:
        assert wait_for(lambda: " ready." in worker.output(), timeout=90), worker.output()
        # An idle worker with an empty queue is not stalled.
        assert wait_for(lambda: not worker.alive(), timeout=8) is None, worker.output()
        # What kombu's lost registration looks like from outside: the worker is up and
        # takes nothing from its queue.
        replies = audit_chain_verify_task.app.control.cancel_consumer(
            worker.queue, destination=[f"{worker.queue}@{socket.gethostname()}"], reply=True
        )
        assert replies, worker.output()
        audit_chain_verify_task.apply_async(queue=worker.queue)
        assert wait_for(lambda: not worker.alive(), timeout=60), worker.output()
        assert worker.process.returncode == STALLED_EXIT_CODE
        assert "has taken no message for" in worker.output()
    finally:
        worker.stop()
