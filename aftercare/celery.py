"""The Celery application. Settings come from Django's, under the CELERY_ prefix."""

import os

from celery import Celery
from celery.signals import worker_init

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
