from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"

    def ready(self) -> None:
        from cases import checks, dashboard, signals  # noqa: F401  (checks, panel, receivers)
