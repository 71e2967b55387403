"""Privileged notes and hours on a matter."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from aftercare.actor import Actor
from aftercare.audit import audit_record_by
from cases.models import Matter, MatterNote, TimeEntry


def note_add(
    *, actor: Actor, matter: Matter, body: str, corrects: MatterNote | None = None
) -> MatterNote:
    """Append a note; a correction points at the note it corrects, which stays visible."""
    if corrects is not None and (
        corrects.matter_id != matter.pk or hasattr(corrects, "correction")
    ):
        raise ValidationError("That note cannot be corrected here.")
    with transaction.atomic():
        note = MatterNote.objects.create(
            matter=matter, author=actor.user, body=body, corrects=corrects
        )
        audit_record_by(
            actor,
            "cases.note.added",
            target=matter,
            payload={"note": note.pk, "corrects": corrects.pk if corrects else None},
        )
    return note


def time_log(*, actor: Actor, matter: Matter, date, minutes: int, activity: str) -> TimeEntry:
    with transaction.atomic():
        entry = TimeEntry.objects.create(
            matter=matter, person=actor.user, date=date, minutes=minutes, activity=activity
        )
        audit_record_by(
            actor,
            "cases.time.logged",
            target=matter,
            payload={"entry": entry.pk, "minutes": minutes},
        )
    return entry
