"""System checks that stop the application from starting in a dangerous state."""

from django.core.checks import Error, register

from aftercare.crypto import canary_problem


@register()
def encryption_key_fits_database(app_configs, **kwargs) -> list[Error]:
    problem = canary_problem()
    if problem is None:
        return []
    return [Error(problem, id="aftercare.E001", hint="See README: encryption keys and rotation.")]
