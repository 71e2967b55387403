import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftercare.settings")

try:
    application = get_wsgi_application()
except ImproperlyConfigured as error:
    # Gunicorn logs an exception here with its traceback and keeps the operator guessing;
    # one line says what to fix. Exit status 4 is gunicorn's "App failed to load": the
    # master stops instead of starting workers that would fail the same way.
    sys.stderr.write(f"Aftercare cannot start: {error}\n")
    raise SystemExit(4) from None

# Imported here: it needs the apps loaded.
from aftercare.startup import refuse_to_start_on_wrong_key

refuse_to_start_on_wrong_key()
