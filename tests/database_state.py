"""What is in the database, to say "nothing changed" about a failed or read-only action."""

from __future__ import annotations

from django.apps import apps

from aftercare.models import AuditEvent

# What a read may write: its audit event, and the session it runs in.
READ_MAY_WRITE = {"aftercare.auditevent", "aftercare.auditchainhead", "sessions.session"}


def _models(exclude=()):
    for model in apps.get_models():
        meta = model._meta
        if meta.managed and not meta.proxy and meta.label_lower not in exclude:
            yield model


def database_state() -> dict[str, list[tuple]]:
    """Every row of every table, in key order: equal states mean nothing was written."""
    return {
        model._meta.label_lower: [
            tuple(repr(value) for value in row)
            for row in model._base_manager.order_by("pk").values_list()
        ]
        for model in _models()
    }


def rows_besides_reads() -> dict[str, int]:
    """How many rows each table holds, leaving out what a read may write."""
    return {
        model._meta.label_lower: model._base_manager.count()
        for model in _models(exclude=READ_MAY_WRITE)
    }


class AuditWriteError(Exception):
    """The audit trail cannot be written (a full disk, a lost connection)."""


def audit_writes_fail(monkeypatch) -> None:
    """From here on, writing an audit event fails: a change must then be undone with it."""

    def refuse(self, *args, **kwargs):
        raise AuditWriteError(self.action)

    monkeypatch.setattr(AuditEvent, "save", refuse)
