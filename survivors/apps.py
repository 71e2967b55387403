from django.apps import AppConfig


class SurvivorsConfig(AppConfig):
    name = "survivors"

    def ready(self) -> None:
        from survivors import dashboard  # noqa: F401  (registers the dashboard panel)
        from survivors import merge  # noqa: F401  (the merge's own receiver)
