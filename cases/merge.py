"""What cases moves when two records of the same person are merged (`survivors.merge`).

The merged record's matters, the conflict checks run for it, and the conflict hits that
found it now belong to the kept record. Matters keep their own teams and grants; the
grants on the survivor that came with a team move in the survivors app's part. Documents,
deadlines, notes and parties hang on the matter, so they follow it.
"""

from __future__ import annotations

from django.dispatch import receiver

from cases.models import ConflictCheck, ConflictHit, Matter
from survivors.merge import MergeReport, survivor_merging


@receiver(survivor_merging, dispatch_uid="cases.merge")
def cases_merge(sender, *, kept, merged, actor, **kwargs) -> MergeReport:
    report = MergeReport("cases")
    report.move("matters", Matter.objects.filter(client=merged).update(client=kept))
    report.move("conflict_checks", ConflictCheck.objects.filter(client=merged).update(client=kept))
    report.move("conflict_hits", ConflictHit.objects.filter(survivor=merged).update(survivor=kept))
    return report
