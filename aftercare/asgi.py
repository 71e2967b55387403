import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftercare.settings")

application = get_asgi_application()

from aftercare.startup import refuse_to_start_on_wrong_key  # noqa: E402  (needs apps loaded)

refuse_to_start_on_wrong_key()
