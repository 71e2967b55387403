"""What volunteers does when two records of the same person are merged (`survivors.merge`).

Nothing of this app points at a survivor: opportunities, interests and assignments hang
on a matter, and the matter moves to the kept record in the cases app's part. The
assignment's grant on the survivor (given when a volunteer joins the team) moves in the
survivors app's part. This receiver says so in the audit event, with the count of
opportunities that now serve the kept record's matters.
"""

from __future__ import annotations

from django.dispatch import receiver

from cases.models import Matter
from survivors.merge import MergeReport, survivor_merging
from volunteers.models import Opportunity


@receiver(survivor_merging, dispatch_uid="volunteers.merge")
def volunteers_merge(sender, *, kept, merged, actor, **kwargs) -> MergeReport:
    report = MergeReport("volunteers")
    # Receivers run in the order the apps are installed: cases has moved the matters.
    report.move(
        "opportunities_of_kept_matters",
        Opportunity.objects.filter(matter__in=Matter.objects.filter(client=kept)).count(),
    )
    return report
