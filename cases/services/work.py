"""Privileged notes and hours on a matter."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from aftercare.actor import Actor
from aftercare.audit import audit_record_by
from cases.models import Matter, MatterNote, TimeEntry
from cases.services.grants import BY_RULES, grant_check_chosen, grant_for_hours


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


def time_log(
    *, actor: Actor, matter: Matter, date, minutes: int, activity: str, grant=BY_RULES
) -> TimeEntry:
    """Log hours; `grant` is one chosen, None for none, or `BY_RULES` (the matter's grant
    when the date is in its period and the activity counts)."""
    if grant == BY_RULES:
        grant = grant_for_hours(matter=matter, date=date, activity=activity)
    grant_check_chosen(grant=grant, organization_id=matter.organization_id, date=date)
    with transaction.atomic():
        entry = TimeEntry.objects.create(
            matter=matter,
            person=actor.user,
            date=date,
            minutes=minutes,
            activity=activity,
            grant=grant,
        )
        audit_record_by(
            actor,
            "cases.time.logged",
            target=matter,
            payload={"entry": entry.pk, "minutes": minutes, "grant": grant and grant.code},
        )
    return entry


TIME_ENTRY_EDITABLE = ("date", "minutes", "activity", "grant")


def time_entry_refusal(entry: TimeEntry) -> str | None:
    """Why an entry may no longer be corrected, or None."""
    if entry.exported_at is None:
        return None
    return _(
        "These hours went out in a report on %(date)s: the entry can no longer be "
        "corrected, so that the report and the matter agree. Record a new entry instead."
    ) % {"date": date_format(entry.exported_at.date(), "DATE_FORMAT")}


def time_entry_edit(*, actor: Actor, entry: TimeEntry, **data) -> list:
    """Correct an entry's date, minutes, activity or grant, unless it was exported in a
    report (its grant is locked with the rest).

    Returns the history rows written (none when nothing changed).
    """
    from aftercare.history import changed_fields, history_record

    unknown = set(data) - set(TIME_ENTRY_EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    with transaction.atomic():
        # Locked, so an export running now either sees the corrected entry or refuses it.
        locked = TimeEntry.objects.select_for_update().get(pk=entry.pk)
        if refusal := time_entry_refusal(locked):
            raise ValidationError(refusal)
        if "minutes" in data and not 1 <= data["minutes"] <= 24 * 60:
            raise ValidationError({"minutes": _("Enter between 0.1 and 24 hours.")})
        changes = changed_fields(locked, data)
        if not changes:
            return []
        if "grant" in changes or "date" in changes:
            grant = data.get("grant", locked.grant)
            day = data.get("date", locked.date)
            grant_check_chosen(grant=grant, organization_id=matter_org(locked), date=day)
        for name, (_old, new) in changes.items():
            setattr(locked, name, new)
        locked.save(update_fields=list(changes))
        matter = Matter.objects.only("id", "organization_id").get(pk=locked.matter_id)
        rows = history_record(
            actor=actor, target=locked, changes=changes, organization_id=matter.organization_id
        )
        audit_record_by(
            actor,
            "cases.time.edited",
            target=matter,
            payload={"entry": locked.pk, "fields": sorted(changes)},
        )
    for name, (_old, new) in changes.items():
        setattr(entry, name, new)
    return rows


def matter_org(entry: TimeEntry) -> int:
    return Matter.objects.values_list("organization_id", flat=True).get(pk=entry.matter_id)
