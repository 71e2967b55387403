"""What webhooks keeps when a survivor is erased: everything, because nothing is personal.

An event holds a type, a time and ids (referral, consent, organizations); its delivery
rows and attempts hold times, status codes and durations. None of it names or describes
the survivor, and it is the organization's record of what it told its partners and when.
Deliveries still waiting go out as they are, and so do the events of the erasure itself
(the survivors app tells of the referrals it withdrew and the consents it ended): a
partner's system learns to stop, and finds the record erased when it fetches it.
"""

from __future__ import annotations

from django.db.models import Q
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from survivors.models import Consent, Referral
from survivors.shredder import ENGAGED_CLIENT_FILE, ShredReport, survivor_erasing
from webhooks.models import Event

KEPT_REASON = _(
    "webhook events and their delivery log: ids, types and times only, no personal data; "
    "the organization's record of what it told its partners"
)


@receiver(survivor_erasing, dispatch_uid="webhooks.shredder")
def webhooks_shred(sender, *, survivor, organization, actor, scope, **kwargs) -> ShredReport:
    report = ShredReport("webhooks", _("Webhooks"))
    referrals = Referral.objects.filter(survivor=survivor).values("pk")
    consents = Consent.objects.filter(survivor=survivor).values("pk")
    events = Event.objects.filter(Q(referral_id__in=referrals) | Q(consent_id__in=consents))
    report.keep("events", KEPT_REASON, scope.limit(events).count())
    report.keep("engaged_client_file", ENGAGED_CLIENT_FILE, scope.kept(events).count())
    return report
