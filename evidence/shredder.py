"""What evidence wipes when a survivor (or one organization's client file) is erased.

Within the erasure's scope every file goes: the encrypted object from the storage, once
the erasure has committed, and its row (description and original name with it). The
audit trail keeps that files were added, read and removed (ids and codes, no content).
A legal organization that engaged the client keeps the files of its own matters: its
client file, under its own retention and legal hold.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from evidence.models import Evidence
from evidence.storage import stored_delete
from survivors.shredder import ENGAGED_CLIENT_FILE, ShredReport, survivor_erasing


@receiver(survivor_erasing, dispatch_uid="evidence.shredder")
def evidence_shred(sender, *, survivor, organization, actor, scope, **kwargs) -> ShredReport:
    report = ShredReport("evidence", _("Evidence files"))
    files = Evidence.objects.filter(survivor=survivor)
    reached = scope.limit(files)
    names = list(reached.values_list("storage_name", flat=True))
    report.wipe("files", _("evidence files, their descriptions and names"), reached.delete()[0])
    # Only once the erasure is committed: an erasure undone keeps its files.
    transaction.on_commit(lambda: _objects_delete(names))
    report.keep("engaged_client_file", ENGAGED_CLIENT_FILE, scope.kept(files).count())
    return report


def _objects_delete(names: list[str]) -> None:
    for name in names:
        stored_delete(name)
