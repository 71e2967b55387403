from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "evidence"

    def ready(self) -> None:
        from evidence import merge, shredder  # noqa: F401  (receivers of merging and erasure)
