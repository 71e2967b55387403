from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "Partner API"

    def ready(self) -> None:
        # The key scheme for drf-spectacular, and the erasure's shredder.
        from api import schema, shredder  # noqa: F401
