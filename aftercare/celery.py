"""The Celery application. Settings come from Django's, under the CELERY_ prefix."""

import os
from pathlib import Path

from celery import Celery
from celery.beat import PersistentScheduler
from celery.signals import beat_embedded_init, worker_init, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftercare.settings")

app = Celery("aftercare")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _refuse_wrong_key(**kwargs) -> None:
    # A worker with the wrong key would write ciphertext-of-ciphertext: stop it at start.
    # SystemExit, because Celery logs and swallows ordinary exceptions from signal handlers.
    from aftercare.crypto import canary_problem

    if problem := canary_problem():
        raise SystemExit(f"Refusing to start: {problem}")


@worker_ready.connect
def _watch_for_a_stalled_consumer(sender, **kwargs) -> None:
    from aftercare.watchdog import watchdog_start

    watchdog_start(sender)


class Scheduler(PersistentScheduler):
    """Beat's scheduler (CELERY_BEAT_SCHEDULER): the stock file-backed one, which makes
    the folder of its schedule file (a fresh clone has no var/, and beat inside
    `worker --beat` died of it while the worker reported ready), and records a heartbeat
    each tick so that /healthz can tell when beat stops."""

    def setup_schedule(self) -> None:
        Path(self.schedule_filename).parent.mkdir(parents=True, exist_ok=True)
        super().setup_schedule()

    def tick(self, *args, **kwargs) -> float:
        from aftercare.health import beat_tick_record

        interval = super().tick(*args, **kwargs)
        beat_tick_record()
        return interval


# Kept, never closed nor collected: closing would write to their descriptor numbers.
_inherited_connections: list = []


@beat_embedded_init.connect
def _forget_inherited_database_connections(**kwargs) -> None:
    # `worker --beat` forks beat from the worker, which has already used the database,
    # and the fork closes every inherited descriptor. Closing such a connection (by
    # Django, or by the garbage collector) would send its goodbye to whatever file now
    # has that number, such as beat's schedule: set it aside, and connect afresh.
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        if conn.connection is not None:
            _inherited_connections.append(conn.connection)
            conn.connection = None
