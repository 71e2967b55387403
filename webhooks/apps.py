from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        # The receivers of the survivors app's signals, and the erasure's shredder.
        from webhooks import events, shredder  # noqa: F401
