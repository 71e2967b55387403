from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "volunteers"

    def ready(self) -> None:
        # the panel, the receivers, and the erasure's shredder
        from volunteers import dashboard, shredder, signals  # noqa: F401
        from volunteers import merge  # noqa: F401  (its part when two records merge)
