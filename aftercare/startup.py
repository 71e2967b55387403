"""Start-up guards shared by the web server, the worker and manage.py checks."""

from django.core.exceptions import ImproperlyConfigured

from aftercare.crypto import canary_problem


def refuse_to_start_on_wrong_key() -> None:
    problem = canary_problem()
    if problem:
        raise ImproperlyConfigured(problem)
