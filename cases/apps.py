from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"

    def ready(self) -> None:
        # checks, the dashboard panel, receivers, and the erasure's shredder
        from cases import checks, dashboard, shredder, signals  # noqa: F401
