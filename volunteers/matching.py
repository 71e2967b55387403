"""A ranked, explained list of volunteers for a matter. Queries do not grow with the pool."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.models import Membership
from cases.models import Matter
from volunteers.eligibility import Facts, eligibility, language_names
from volunteers.models import VolunteerProfile


@dataclass
class Match:
    profile: VolunteerProfile
    eligible: bool
    score: float
    reasons_for: list[str] = field(default_factory=list)
    reasons_against: list[str] = field(default_factory=list)


def volunteers_for(matter: Matter) -> list[Match]:
    """Every volunteer member of the matter's organization, eligible first, best first."""
    today = timezone.localdate()
    members = (
        Membership.objects.active()
        .filter(organization_id=matter.organization_id, user__is_active=True)
        .values("user_id")
    )
    pool = (
        VolunteerProfile.objects.filter(user_id__in=members)
        .select_related("user")
        .prefetch_related("admissions", "credentials")
        .annotate(
            active=Count(
                "user__matterusergrant",
                distinct=True,
                filter=Q(
                    user__matterusergrant__permission__codename="view_matter",
                    user__matterusergrant__content_object__closed_at__isnull=True,
                ),
            )
        )
    )
    client_languages = language_names(matter.client.languages or "")
    court_state = (
        matter.jurisdiction.holiday_subdivision.upper()
        if matter.jurisdiction and matter.jurisdiction.type == "court"
        else None
    )
    matches = []
    for profile in pool:
        facts = Facts(
            today=today,
            active_matters=profile.active,
            client_is_minor=bool(matter.client.is_minor),
            court_state=court_state,
        )
        verdict = eligibility(profile, facts)
        reasons, score = [], 0.0
        shared = client_languages & {name.lower() for name in profile.languages}
        if shared:
            score += 3
            reasons.append(
                _("Speaks %(languages)s with the client.")
                % {"languages": ", ".join(sorted(s.title() for s in shared))}
            )
        if matter.kind in profile.practice_areas:
            score += 2
            reasons.append(_("Practices this area of law."))
        if court_state and any(
            a.jurisdiction.upper() == court_state and a.active for a in profile.admissions.all()
        ):
            score += 1
            reasons.append(_("Admitted where the court sits."))
        load = profile.active / profile.capacity if profile.capacity else 1
        score -= load
        reasons.append(
            _("Carries %(n)s of %(capacity)s matters.")
            % {"n": profile.active, "capacity": profile.capacity}
        )
        matches.append(Match(profile, verdict.eligible, score, reasons, verdict.reasons))
    return sorted(matches, key=lambda m: (not m.eligible, -m.score, m.profile.user.email))
