"""A worker that has stopped taking messages exits, so that its supervisor starts it again.

kombu's Redis transport can lose its consumer's registration when the broker restarts
(celery/kombu#2629, celery/celery#8030): the worker stays up and reports nothing, its
queue fills, and reminders wait for ever. No setting of Celery's recovers from that, and
a fresh process does, so the worker watches itself: when it holds no task, messages wait
in its queues, and nothing has arrived for WORKER_STALL_SECONDS, it logs why and stops
with a non-zero status. docker-compose's `restart: unless-stopped` (or systemd's
`Restart=on-failure`) starts it again; the reminders' sweep covers whatever was lost.

Only with Redis: the embedded file-system broker of `make run` polls a folder and has no
such registration to lose.
"""

import logging
import os
import threading
import time
from collections.abc import Callable

from django.conf import settings

logger = logging.getLogger("aftercare.worker")

# kombu's Redis transport keeps one list per priority step; messages without a priority
# go to the queue's own name (kombu.transport.redis: PRIORITY_STEPS, sep "\x06\x16").
_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")
# EX_SOFTWARE: the supervisor sees a failure, not a requested stop.
STALLED_EXIT_CODE = 70


class StallWatch:
    """Decides, from what it is shown at each look, whether the worker has stalled.

    Stalled: for `stall_seconds` without a break, the worker held no task while messages
    waited in its queues, and no message arrived in that time.
    """

    def __init__(self, stall_seconds: float, clock: Callable[[], float] = time.monotonic):
        self.stall_seconds = stall_seconds
        self.clock = clock
        self.last_received = clock()
        self.idle_with_waiting_since: float | None = None

    def received(self) -> None:
        self.last_received = self.clock()

    def look(self, *, holding: int, waiting: int) -> bool:
        now = self.clock()
        if holding or not waiting:
            self.idle_with_waiting_since = None
            return False
        if self.idle_with_waiting_since is None:
            self.idle_with_waiting_since = now
        since = max(self.idle_with_waiting_since, self.last_received)
        return now - since >= self.stall_seconds


def _waiting_messages(client, queues: list[str]) -> int:
    pipe = client.pipeline(transaction=False)
    for queue in queues:
        for suffix in _PRIORITY_SUFFIXES:
            pipe.llen(queue + suffix)
    return sum(pipe.execute())


def _holding() -> int:
    from celery.worker import state

    return len(state.reserved_requests) + len(state.active_requests)


def _stop_the_worker(stalled_for: float) -> None:
    from celery.worker import state

    logger.critical(
        "The worker has taken no message for %d s while messages wait in its queues "
        "(a broker connection that never recovered). Stopping, so that its supervisor "
        "starts it again.",
        stalled_for,
    )
    # The worker's own loop ends with this status at its next turn; if that loop is
    # what stalled, the process ends here a minute later.
    state.should_stop = STALLED_EXIT_CODE
    time.sleep(60)
    logger.critical("The worker did not stop in 60 s; ending the process.")
    os._exit(STALLED_EXIT_CODE)


def _watch(watch: StallWatch, queues: list[str], every: float) -> None:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=10, socket_connect_timeout=5)
    while True:
        time.sleep(every)
        try:
            waiting = _waiting_messages(client, queues)
        except redis.RedisError:
            # The broker is away: nothing is waiting that this worker could take, and
            # the consumer is busy reconnecting. The clock starts when it is back.
            watch.idle_with_waiting_since = None
            continue
        if watch.look(holding=_holding(), waiting=waiting):
            _stop_the_worker(watch.clock() - watch.last_received)
            return


def watchdog_start(consumer) -> StallWatch | None:
    """Start watching (from `worker_ready`, in the worker's main process)."""
    from celery.signals import task_received

    if not settings.REDIS_URL or not settings.WORKER_STALL_SECONDS:
        return None
    queues = [queue.name for queue in consumer.task_consumer.queues]
    watch = StallWatch(settings.WORKER_STALL_SECONDS)
    task_received.connect(lambda **kwargs: watch.received(), weak=False)
    every = max(1.0, min(15.0, settings.WORKER_STALL_SECONDS / 4))
    threading.Thread(
        target=_watch, args=(watch, queues, every), name="aftercare-watchdog", daemon=True
    ).start()
    return watch
