"""What evidence moves when two records of the same person are merged (`survivors.merge`):
every file of the merged record, on the record or on a matter, now belongs to the kept one
(a matter's files follow its matter, which cases moves the same way)."""

from __future__ import annotations

from django.dispatch import receiver

from evidence.models import Evidence
from survivors.merge import MergeReport, survivor_merging


@receiver(survivor_merging, dispatch_uid="evidence.merge")
def evidence_merge(sender, *, kept, merged, actor, **kwargs) -> MergeReport:
    report = MergeReport("evidence")
    report.move("files", Evidence.objects.filter(survivor=merged).update(survivor=kept))
    return report
