import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftercare.settings")

application = get_wsgi_application()

from aftercare.startup import refuse_to_start_on_wrong_key  # noqa: E402  (needs apps loaded)

refuse_to_start_on_wrong_key()
