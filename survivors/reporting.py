"""Who an organization may count in its reports, and why the others are left out.

Reports count people, never list them, and read no personal field. Even so, a person is
counted only where she is the organization's own (its own record, or a client who
engaged it and whose client file is not erased) or her current consent to that
organization covers "Reporting (de-identified counts)". Everyone else is left out, and
the report says how many and why. Decided here, beside consent, for every app above.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from survivors.models import Consent, Engagement, Purpose, Survivor

COUNTED = ""
NO_CONSENT = "no_reporting_consent"
ERASED = "erased"
REASONS = {
    NO_CONSENT: _("shared with the organization without a current consent to reporting"),
    ERASED: _("erased on request"),
}


def reporting_basis(*, organization_id: int, survivor_ids: Iterable[int]) -> dict[int, str]:
    """{survivor id: COUNTED, or the reason she is left out}, in three queries at most."""
    ids = set(survivor_ids)
    if not ids:
        return {}
    rows = Survivor.objects.filter(pk__in=ids).values_list("pk", "organization_id", "status")
    engaged = set(
        Engagement.objects.filter(
            organization_id=organization_id, survivor_id__in=ids, erased_at__isnull=True
        ).values_list("survivor_id", flat=True)
    )
    consented = set(
        Consent.objects.current()
        .covering(organization_id=organization_id, purpose=Purpose.REPORTING)
        .filter(survivor_id__in=ids)
        .values_list("survivor_id", flat=True)
    )
    basis = {}
    for pk, owner, status in rows:
        if status == Survivor.Status.MERGED:
            continue  # a tombstone: what it had was moved to the kept record
        if pk in engaged:  # the client file outlives the partner's record
            basis[pk] = COUNTED
        elif status == Survivor.Status.ERASED:
            basis[pk] = ERASED
        elif owner == organization_id or pk in consented:
            basis[pk] = COUNTED
        else:
            basis[pk] = NO_CONSENT
    return basis
