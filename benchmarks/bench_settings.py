"""Settings for the load benchmark only: the application's, plus a hello-world page.

`load.py` starts gunicorn with DJANGO_SETTINGS_MODULE=benchmarks.bench_settings; the
production URLconf never has the hello-world view.
"""

from aftercare.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.bench_urls"
