from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "volunteers"

    def ready(self) -> None:
        # the panel, the receivers, and the erasure's shredder
        from volunteers import attention, dashboard, merge, shredder, signals  # noqa: F401
