from django.apps import AppConfig


class SurvivorsConfig(AppConfig):
    name = "survivors"

    def ready(self) -> None:
        from survivors import dashboard, merge  # noqa: F401  (the panel, the merge receiver)
