"""Pro bono hours per volunteer and period, for the organization's reporting."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum

from aftercare.actor import Actor
from aftercare.audit import audit_record_by
from aftercare.spreadsheets import spreadsheet_text
from cases.kinds import Kind
from cases.models import TimeEntry
from volunteers.models import VolunteerProfile


@dataclass
class VolunteerHours:
    profile: VolunteerProfile
    minutes: int = 0
    matters: int = 0
    minutes_by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 2)


def hours_report(*, organization_id: int, start: date, end: date) -> list[VolunteerHours]:
    """Every volunteer of the organization, and anyone who volunteered on its matters in
    [start, end] and has left since, with their hours on its matters in that period.

    Two aggregate queries and one for the profiles, whatever the number of volunteers."""
    entries = TimeEntry.objects.filter(
        matter__organization_id=organization_id,
        date__gte=start,
        date__lte=end,
        person__volunteer_profile__isnull=False,
    )
    current = VolunteerProfile.objects.in_organization(organization_id)
    profiles = {
        p.user_id: p
        for p in VolunteerProfile.objects.filter(
            Q(pk__in=current.values("pk")) | Q(user_id__in=entries.values("person_id"))
        )
        .select_related("user")
        .order_by("user__full_name", "user__email")
    }
    rows = {user_id: VolunteerHours(profile) for user_id, profile in profiles.items()}
    for total in entries.values("person_id").annotate(
        minutes=Sum("minutes"), matters=Count("matter_id", distinct=True)
    ):
        row = rows[total["person_id"]]
        row.minutes, row.matters = total["minutes"], total["matters"]
    for by_kind in entries.values("person_id", "matter__kind").annotate(minutes=Sum("minutes")):
        rows[by_kind["person_id"]].minutes_by_kind[by_kind["matter__kind"]] = by_kind["minutes"]
    return list(rows.values())


def hours_csv(*, actor: Actor, start: date, end: date) -> str:
    """The report as CSV: volunteers, firms and hours; never a client or a matter."""
    organization = actor.organization
    if organization is None:
        raise PermissionDenied
    report = hours_report(organization_id=organization.pk, start=start, end=end)
    out = io.StringIO()
    writer = csv.writer(out)
    kinds = list(Kind)
    writer.writerow(
        ["volunteer", "email", "kind", "firm", "period_start", "period_end", "hours", "matters"]
        + [f"hours_{k.value}" for k in kinds]
    )
    for row in report:
        profile = row.profile
        writer.writerow(
            [
                spreadsheet_text(profile.user.full_name),
                spreadsheet_text(profile.user.email),
                profile.kind,
                spreadsheet_text(profile.firm),
                start.isoformat(),
                end.isoformat(),
                f"{row.hours:.2f}",
                row.matters,
            ]
            + [f"{row.minutes_by_kind.get(k.value, 0) / 60:.2f}" for k in kinds]
        )
    audit_record_by(
        actor,
        "volunteers.hours.exported",
        target=organization,
        payload={"start": start.isoformat(), "end": end.isoformat(), "rows": len(report)},
    )
    return out.getvalue()
