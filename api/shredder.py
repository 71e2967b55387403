"""What the API wipes when a survivor (or one organization's client file) is erased.

The API keeps no personal data: an idempotency key's stored answer holds ids, codes
and statuses, for two days. Still, an answer naming the erased survivor is deleted with
the erasure (within its scope), so that nothing of the API outlives the record.
Nothing is kept.
"""

from __future__ import annotations

from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from api.models import IdempotencyKey
from survivors.shredder import ShredReport, survivor_erasing


@receiver(survivor_erasing, dispatch_uid="api.shredder")
def api_shred(sender, *, survivor, organization, actor, scope, **kwargs) -> ShredReport:
    report = ShredReport("api", _("Partner API"))
    answers = IdempotencyKey.objects.filter(response_body__survivor=survivor.pk)
    deleted, _by_model = scope.limit(answers, organization="client__organization").delete()
    report.wipe("idempotency_answers", _("stored answers to retried API requests"), deleted)
    return report
