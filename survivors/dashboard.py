"""The survivors panel of the dashboard: drafts to finish and referrals waiting."""

from __future__ import annotations

from django.http import HttpRequest

from aftercare.dashboard import Panel, register_panel
from survivors.models import Referral, Survivor


@register_panel
def survivors_panel(request: HttpRequest) -> Panel | None:
    membership = request.membership
    drafts = list(
        Survivor.objects.drafts_of(request.user)
        .filter(organization_id=membership.organization_id)
        .with_list_columns()[:10]
    )
    waiting = (
        Referral.objects.visible_to(membership)
        .filter(to_organization_id=membership.organization_id, status=Referral.Status.SENT)
        .select_related("survivor", "from_organization")[:10]
    )
    return Panel("survivors/_dashboard_panel.html", {"drafts": drafts, "waiting": list(waiting)})
