"""What volunteers wipes when a survivor (or one organization's client file) is erased.

An opportunity repeats the client's language and describes the work on their matter in
free text (meant to hold no names, but typed by people): both are wiped within the
erasure's scope. Interests and assignments hold no text. A volunteer's private check-in
note is about the volunteer and tied to no matter or survivor, so it is not searched.
"""

from __future__ import annotations

from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from cases.models import Matter
from survivors.shredder import ENGAGED_CLIENT_FILE, ShredReport, survivor_erasing
from volunteers.models import Opportunity


@receiver(survivor_erasing, dispatch_uid="volunteers.shredder")
def volunteers_shred(sender, *, survivor, organization, actor, scope, **kwargs) -> ShredReport:
    report = ShredReport("volunteers", _("Volunteer opportunities"))
    clients_matters = Matter.objects.filter(client=survivor)
    report.wipe(
        "opportunities",
        _("opportunity descriptions and the language needed"),
        Opportunity.objects.filter(matter__in=scope.limit(clients_matters)).update(
            description="", language=""
        ),
    )
    report.keep(
        "engaged_client_file",
        ENGAGED_CLIENT_FILE,
        Opportunity.objects.filter(matter__in=scope.kept(clients_matters)).count(),
    )
    return report
