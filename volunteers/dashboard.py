"""The volunteering panel of the dashboard: a volunteer's own load, credentials and
opportunities; for coordinators, who needs attention."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from aftercare.dashboard import Panel, register_panel
from volunteers.models import Credential, Interest, Opportunity, VolunteerProfile


@register_panel
def volunteering_panel(request: HttpRequest) -> Panel | None:
    membership = request.membership
    if membership.organization.kind != "legal_aid":
        return None
    if membership.role_enum.sees_whole_organization:
        return _coordinator_panel(request)
    profile = VolunteerProfile.objects.filter(user_id=membership.user_id).first()
    if profile is None:
        return None
    today = timezone.localdate()
    credentials = list(
        Credential.objects.filter(profile=profile, organization_id=membership.organization_id)
        .without_certificate()
        .select_related("training")
    )
    soon = today + timedelta(days=30)
    return Panel(
        "volunteers/_dashboard_panel.html",
        {
            "profile": profile,
            "paused": profile.is_paused(today),
            "load": VolunteerProfile.objects.filter(pk=profile.pk).with_load().get().load,
            "incomplete": not (profile.languages or profile.practice_areas),
            "expiring": [c for c in credentials if c.expires_on and today <= c.expires_on <= soon],
            "expired": [c for c in credentials if c.expires_on and c.expires_on < today],
            "open_opportunities": Opportunity.objects.visible_to(membership).open().count(),
        },
    )


def _coordinator_panel(request: HttpRequest) -> Panel:
    membership = request.membership
    volunteers = VolunteerProfile.objects.visible_to(membership)
    at_capacity = volunteers.with_load().filter(load__gte=F("capacity")).count()
    return Panel(
        "volunteers/_dashboard_panel_coordinator.html",
        {
            "volunteers": volunteers.count(),
            "at_capacity": at_capacity,
            "paused": volunteers.filter(paused_until__gte=timezone.localdate()).count(),
            "to_verify": Credential.objects.visible_to(membership)
            .filter(verified_at__isnull=True)
            .count(),
            "interested": Interest.objects.filter(
                opportunity__organization_id=membership.organization_id,
                opportunity__closed_at__isnull=True,
                no_conflict_confirmed_at__isnull=False,
                withdrawn_at__isnull=True,
            ).count(),
        },
    )
