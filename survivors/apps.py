from django.apps import AppConfig


class SurvivorsConfig(AppConfig):
    name = "survivors"

    def ready(self) -> None:
        from survivors import attention, dashboard, merge  # noqa: F401  (lists, receivers)
