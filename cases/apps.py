from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"

    def ready(self) -> None:
        from cases import checks, dashboard  # noqa: F401  (registers checks and the panel)
