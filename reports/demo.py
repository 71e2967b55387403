"""Demo hours for Harbor's reports: staff work spread over the last quarter, and every
demo hour charged to a grant by the rules, once the volunteers' hours are logged."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from aftercare.demo import acting_as, demo_seeder
from cases.demo import demo_grants_apply
from cases.models import Matter, TimeEntry
from cases.services.work import time_log
from reports.periods import last_quarter

ACTIVITIES = ["meeting", "research", "drafting", "court", "travel", "drafting"]


@demo_seeder(floor=4, reports="Logged {} demo hours of staff work for the reports.")
def demo_seed_report_hours() -> int:
    """Idempotent: the staff hours are logged once, when the last quarter has none. Then
    the report aggregates are rebuilt from every demo row below (some are dated by bulk
    updates, past the signals that refresh them)."""
    made = _report_hours()
    _report_aggregates_rebuild()
    return made


def _report_aggregates_rebuild() -> None:
    from aftercare.models import Organization
    from reports.aggregates import organization_rebuild

    for org in Organization.objects.order_by("pk").values_list("pk", flat=True):
        organization_rebuild(org)


def _report_hours() -> int:
    attorney = acting_as("attorney@harbor.example", "Harbor Legal Aid")
    harbor = attorney.membership.organization
    quarter = last_quarter(timezone.localdate())
    made = 0
    with transaction.atomic():
        demo_grants_apply(harbor)  # the volunteers' hours, logged on a higher floor
        in_quarter = TimeEntry.objects.filter(
            matter__organization=harbor,
            person=attorney.user,
            date__gte=quarter.start,
            date__lte=quarter.end,
        )
        if in_quarter.exists():
            return 0
        rng = random.Random(15)  # noqa: S311  (synthetic data)
        days = (quarter.end - quarter.start).days
        for matter in Matter.objects.filter(organization=harbor).order_by("pk"):
            opened = timezone.localtime(matter.opened_at).date()
            for _n in range(3):
                day = quarter.start + timedelta(days=rng.randint(0, days))
                if day < opened:
                    continue
                time_log(
                    actor=attorney.actor,
                    matter=matter,
                    date=day,
                    minutes=rng.choice([30, 60, 90, 120, 180]),
                    activity=rng.choice(ACTIVITIES),
                )
                made += 1
    return made
