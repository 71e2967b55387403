"""What on the docket needs a coordinator: computed deadlines nobody confirmed as their
date nears, and open matters where nothing has happened for weeks."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import DateTimeField, F, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.attention import SHOWN, Group, Item, days_before, group_of, register_attention
from aftercare.models import Membership
from cases.models import (
    AgencyNotice,
    Deadline,
    DocumentVersion,
    Matter,
    MatterNote,
    Task,
    TimeEntry,
)

# A computed deadline this close, still unconfirmed, is a risk: nobody has checked it.
UNCONFIRMED_WITHIN_DAYS = 14
# An open matter with no note, time, deadline, task, notice or document for this long.
IDLE_AFTER_DAYS = 45


def _legal(membership: Membership) -> bool:
    return membership.organization.kind == "legal_aid"


@register_attention
def unconfirmed_deadlines(membership: Membership, today: date) -> Group | None:
    if not _legal(membership):
        return None
    deadlines = (
        Deadline.objects.open()
        .filter(
            matter__in=Matter.objects.visible_to(membership).open().values("pk"),
            rule__isnull=False,
            confirmed_at__isnull=True,
            due_date__lte=today + timedelta(days=UNCONFIRMED_WITHIN_DAYS),
        )
        .select_related("matter", "rule")
        .only("id", "due_date", "matter__id", "matter__number", "rule__name")
        .order_by("due_date", "id")[: SHOWN + 1]
    )
    items = [
        Item(
            what=f"{d.matter.number}: {d.rule.label}",
            link=reverse("cases:detail", args=[d.matter_id]) + "#deadlines",
            when=d.due_date,
            when_label=_("due"),
        )
        for d in deadlines
    ]
    return group_of(
        _("Computed deadlines nobody has confirmed"),
        _("Due within %(days)d days, or past, and not yet checked by an attorney.")
        % {"days": UNCONFIRMED_WITHIN_DAYS},
        items,
    )


def _latest(model, field: str = "created_at") -> Subquery:
    return Subquery(
        model.objects.filter(matter=OuterRef("pk"))
        .order_by()
        .values("matter")
        .annotate(latest=Max(field))
        .values("latest")[:1],
        output_field=DateTimeField(),
    )


@register_attention
def idle_matters(membership: Membership, today: date) -> Group | None:
    if not _legal(membership):
        return None
    # Each Coalesce: SQLite's GREATEST is NULL when any argument is.
    last_activity = Greatest(
        F("opened_at"),
        *(
            Coalesce(_latest(model, field), F("opened_at"))
            for model, field in (
                (MatterNote, "created_at"),
                (TimeEntry, "created_at"),
                (Deadline, "created_at"),
                (Task, "created_at"),
                (AgencyNotice, "recorded_at"),
                (DocumentVersion, "created_at"),
            )
        ),
    )
    since = days_before(today, IDLE_AFTER_DAYS)
    matters = (
        Matter.objects.visible_to(membership)
        .open()
        .annotate(last_activity=last_activity)
        .filter(last_activity__lt=since)
        .only("id", "number")
        .order_by("last_activity", "id")[: SHOWN + 1]
    )
    items = [
        Item(
            what=matter.number,
            link=reverse("cases:detail", args=[matter.pk]),
            when=timezone.localdate(matter.last_activity),
            when_label=_("last activity"),
        )
        for matter in matters
    ]
    return group_of(
        _("Open matters with no activity"),
        _("No note, time, deadline, task, notice or document for %(days)d days.")
        % {"days": IDLE_AFTER_DAYS},
        items,
    )
