"""The history of a record: who changed which field, when, from what to what.

A table of its own rather than the audit trail: audit payloads are plaintext JSON under a
hash chain (they hold ids, codes and counts, never personal data), while a history must
keep the old and new values themselves. Here both values are always encrypted, whatever
the field, and a row says whether the value is personal, so a page that shows a record's
fields to fewer people than the record (a survivor's, through the identity door) can
withhold those values and still say that the field changed, by whom and when.

Services call `history_record` inside the transaction of the change, next to its audit
event: the change, the event and the history rows commit together or not at all. Any app
may use it for its own records; the rows name the record by its model label and id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_time
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from encrypted_model_fields.fields import EncryptedTextField

from aftercare.actor import Actor
from aftercare.models import Organization


class FieldChangeQuerySet(models.QuerySet["FieldChange"]):
    def of(self, *records: models.Model) -> FieldChangeQuerySet:
        """The changes of these records (of one or more models), newest first."""
        match = models.Q(pk__in=[])
        for record in records:
            match |= models.Q(object_type=record._meta.label_lower, object_id=str(record.pk))
        return self.filter(match)

    def of_model(self, model: type[models.Model], ids) -> FieldChangeQuerySet:
        return self.filter(object_type=model._meta.label_lower, object_id__in=[str(i) for i in ids])


class FieldChange(models.Model):
    """One field of one record changed once: the old and new values, encrypted."""

    PII_FIELDS = ("old_value", "new_value")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    field = models.CharField(max_length=60)
    old_value = EncryptedTextField(blank=True)
    new_value = EncryptedTextField(blank=True)
    personal = models.BooleanField(default=False)

    objects = FieldChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "-at"], name="history_of")]

    def __str__(self) -> str:
        # Never the values: str() ends up in logs and error reports.
        return f"{self.object_type} {self.object_id}: {self.field} changed"


def stored(value: Any) -> str:
    """A value as the history keeps it: dates and times in ISO form, records by their name."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime | date | time):
        return value.isoformat(timespec="minutes") if isinstance(value, time) else value.isoformat()
    if isinstance(value, models.Model):
        return getattr(value, "full_name", "") or getattr(value, "email", "") or str(value)
    if isinstance(value, list | tuple | set):
        return ", ".join(sorted(stored(v) for v in value))
    return str(value)


def history_record(
    *,
    actor: Actor,
    target: models.Model,
    changes: dict[str, tuple[Any, Any]],
    personal: set[str] | tuple[str, ...] = (),
    organization_id: int | None = None,
) -> list[FieldChange]:
    """Write one row per field whose stored value differs. Call inside the change's
    transaction. `personal` names the fields whose values are personal data."""
    now = timezone.now()
    rows = [
        FieldChange(
            organization_id=organization_id or actor.organization.pk,
            object_type=target._meta.label_lower,
            object_id=str(target.pk),
            actor=actor.user,
            at=now,
            field=name,
            old_value=stored(old),
            new_value=stored(new),
            personal=name in personal,
        )
        for name, (old, new) in changes.items()
        if stored(old) != stored(new)
    ]
    return FieldChange.objects.bulk_create(rows)


def changed_fields(instance: models.Model, data: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The fields of `data` whose value differs from the instance's: {name: (old, new)}."""
    return {
        name: (getattr(instance, name), value)
        for name, value in data.items()
        if stored(getattr(instance, name)) != stored(value)
    }


@dataclass(frozen=True)
class HistoryLine:
    """One change as a page shows it."""

    at: datetime
    who: str
    record: str
    field: str
    old: str
    new: str
    withheld: bool


def _shown(model: type[models.Model] | None, field: str, value: str) -> str:
    if value == "":
        return "—"
    kind = None
    if model is not None:
        try:
            kind = model._meta.get_field(field)
        except Exception:  # a field since removed: its stored text is all there is
            kind = None
    if isinstance(kind, models.BooleanField):
        return _("Yes") if value == "1" else _("No")
    if isinstance(kind, models.DateField) and parse_date(value):
        return date_format(parse_date(value), "DATE_FORMAT")
    if isinstance(kind, models.TimeField) and parse_time(value):
        return time_format(parse_time(value), "TIME_FORMAT")
    return value


# Fields a record keeps in rows of its own rather than in a column (a party's or a
# survivor's other names): no model field gives their label.
_LABELS_WITHOUT_A_FIELD = {"aliases": gettext_lazy("Other names")}


def _label(model: type[models.Model] | None, field: str) -> str:
    if field in _LABELS_WITHOUT_A_FIELD:
        return str(_LABELS_WITHOUT_A_FIELD[field])
    try:
        return str(model._meta.get_field(field).verbose_name).capitalize()
    except Exception:
        return field.replace("_", " ").capitalize()


def history_lines(
    changes, *, models_by_type: dict[str, type[models.Model]], records: dict, show_personal=True
) -> list[HistoryLine]:
    """The changes ready for a page. `records` names each (type, id) for the reader;
    personal values are withheld unless `show_personal` (the reader may see the fields)."""
    lines = []
    for change in changes:
        model = models_by_type.get(change.object_type)
        withheld = change.personal and not show_personal
        who = change.actor.full_name or change.actor.email if change.actor else _("the system")
        lines.append(
            HistoryLine(
                at=change.at,
                who=who,
                record=records.get((change.object_type, change.object_id), ""),
                field=_label(model, change.field),
                old="" if withheld else _shown(model, change.field, change.old_value),
                new="" if withheld else _shown(model, change.field, change.new_value),
                withheld=withheld,
            )
        )
    return lines
