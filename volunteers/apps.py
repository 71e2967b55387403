from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "volunteers"

    def ready(self) -> None:
        from volunteers import dashboard, signals  # noqa: F401  (the panel and the receivers)
