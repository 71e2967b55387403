from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"

    def ready(self) -> None:
        # checks, the dashboard panel, receivers, and the erasure's shredder
        from celery.signals import worker_init, worker_process_init

        from cases import attention, checks, dashboard, merge, shredder, signals  # noqa: F401

        # Warm the document renderer when a worker starts, before any document: in the
        # main process (the prefork pool's children are forked from it and inherit the
        # warm state), and again in each pool process, a no-op unless the pool started
        # it fresh rather than by fork (the solo pool runs tasks in the main process).
        worker_init.connect(_warm_renderer, dispatch_uid="cases.warm_renderer")
        worker_process_init.connect(_warm_renderer, dispatch_uid="cases.warm_renderer_process")


def _warm_renderer(**kwargs) -> None:
    from cases.documents.renderer import warm

    warm()
