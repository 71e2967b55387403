"""Recording, correcting and removing the interpreters of a matter.

Each change commits with its audit event, which names the interpreter's row and
language code, never their name or contact. The same interpreter recorded twice for a
language (a double click, a retried request) is one row: the create is idempotent by
its submission token and, behind it, by what was typed.
"""

from __future__ import annotations

from django.db import transaction

from aftercare.actor import Actor
from aftercare.audit import audit_record_by
from cases.models import Interpreter, Matter

INTERPRETER_EDITABLE = ("name", "language", "qualification", "organization", "phone", "email")


def _cleaned(data: dict) -> dict:
    unknown = set(data) - set(INTERPRETER_EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    return {name: " ".join(str(value or "").split()) for name, value in data.items()}


def interpreter_add(*, actor: Actor, matter: Matter, **data) -> Interpreter:
    """Record who interprets for the client on this matter (their own details)."""
    fields = _cleaned(data)
    with transaction.atomic():
        # Encrypted names cannot be matched in SQL: the matter's few rows are compared here.
        for existing in Interpreter.objects.select_for_update().filter(matter=matter):
            if all(getattr(existing, k) == v for k, v in fields.items()):
                return existing
        interpreter = Interpreter.objects.create(matter=matter, added_by=actor.user, **fields)
        audit_record_by(
            actor,
            "cases.interpreter.added",
            target=matter,
            payload={"interpreter": interpreter.pk, "language": interpreter.language},
        )
    return interpreter


def interpreter_edit(*, actor: Actor, interpreter: Interpreter, **data) -> list[str]:
    """Correct an interpreter's details; returns the names of the fields changed."""
    fields = _cleaned(data)
    with transaction.atomic():
        locked = Interpreter.objects.select_for_update().get(pk=interpreter.pk)
        changed = sorted(k for k, v in fields.items() if getattr(locked, k) != v)
        if not changed:
            return []
        for name in changed:
            setattr(locked, name, fields[name])
            setattr(interpreter, name, fields[name])
        locked.save(update_fields=changed)
        audit_record_by(
            actor,
            "cases.interpreter.edited",
            target=interpreter.matter,
            payload={"interpreter": locked.pk, "fields": changed},
        )
    return changed


def interpreter_remove(*, actor: Actor, interpreter: Interpreter) -> None:
    with transaction.atomic():
        deleted, _by_model = Interpreter.objects.filter(pk=interpreter.pk).delete()
        if deleted:
            audit_record_by(
                actor,
                "cases.interpreter.removed",
                target=interpreter.matter,
                payload={"interpreter": interpreter.pk, "language": interpreter.language},
            )
