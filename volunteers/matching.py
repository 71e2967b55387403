"""A ranked, explained list of volunteers for a matter. Queries do not grow with the pool."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Matter
from survivors.identity import IdentityUse, IdentityWithheld, survivor_identity_for
from volunteers.eligibility import Facts, eligibility, language_names
from volunteers.models import Credential, Training, VolunteerProfile


@dataclass(frozen=True)
class ClientForStaffing:
    """What staffing may know of the client, from the identity door.

    Unknown is never read as "safe": a client whose age is not shared is treated as a
    minor (a background check and trauma-informed training are then required).
    """

    languages: frozenset[str]
    minor_or_unknown: bool
    trafficking_kinds: frozenset[str]
    unknown: tuple[str, ...] = ()  # why something is not known, to show the coordinator


def client_for_staffing(*, actor, matter: Matter) -> ClientForStaffing:
    try:
        identity = survivor_identity_for(
            actor=actor, survivor=matter.client, use=IdentityUse.STAFFING
        )
    except IdentityWithheld as withheld:
        return ClientForStaffing(frozenset(), True, frozenset(), (withheld.reason,))
    reasons = tuple(dict.fromkeys(identity.withheld.values()))
    return ClientForStaffing(
        languages=frozenset(language_names(identity.get("languages") or "")),
        minor_or_unknown=identity.get("is_minor") is not False,
        trafficking_kinds=frozenset(identity.get("trafficking_kinds") or ()),
        unknown=reasons,
    )


@dataclass
class Match:
    profile: VolunteerProfile
    eligible: bool
    score: float
    reasons_for: list[str] = field(default_factory=list)
    reasons_against: list[str] = field(default_factory=list)


def volunteers_for(
    matter: Matter, *, client: ClientForStaffing, exclude: Iterable[int] = ()
) -> list[Match]:
    """Every volunteer member of the matter's organization but those in `exclude` (user
    ids, e.g. the team), eligible first, best first, for the client as staffing knows
    them (`client_for_staffing`)."""
    today = timezone.localdate()
    pool = (
        VolunteerProfile.objects.in_organization(matter.organization_id)
        .exclude(user_id__in=list(exclude))
        .select_related("user")
        .prefetch_related(
            "admissions",
            Prefetch(
                "credentials",
                queryset=Credential.objects.filter(
                    organization_id=matter.organization_id
                ).without_certificate(),
            ),
        )
        .with_load()
    )
    required = tuple(
        Training.objects.filter(
            organization_id=matter.organization_id, required_for_every_matter=True
        ).values_list("pk", "name")
    )
    client_languages = client.languages
    # "" for a court whose state is not recorded: the admission rule then says so.
    court_state = (
        (matter.jurisdiction.holiday_subdivision or "").strip().upper()
        if matter.jurisdiction and matter.jurisdiction.type == "court"
        else None
    )
    minor_or_unknown = client.minor_or_unknown
    matches = []
    for profile in pool:
        facts = Facts(
            today=today,
            organization_id=matter.organization_id,
            active_matters=profile.load,
            client_is_minor=minor_or_unknown,
            court_state=court_state,
            required_trainings=required,
        )
        verdict = eligibility(profile, facts)
        reasons, score = [], 0.0
        levels = profile.language_levels()
        fluent = sorted(
            n.title() for n in client_languages if n in levels and levels[n].works_with_client
        )
        some = sorted(n.title() for n in client_languages if n in levels)
        if fluent:
            score += 3
            reasons.append(
                _("Speaks %(languages)s with the client.") % {"languages": ", ".join(fluent)}
            )
        elif some:
            score += 1
            reasons.append(
                _("Speaks some %(languages)s; an interpreter may still be needed.")
                % {"languages": ", ".join(some)}
            )
        if matter.kind in profile.practice_areas:
            score += 2
            reasons.append(_("Practices this area of law."))
        if court_state and any(
            a.jurisdiction.upper() == court_state and a.in_good_standing
            for a in profile.admissions.all()
        ):
            score += 1
            reasons.append(_("Admitted where the court sits."))
        load = profile.load / profile.capacity if profile.capacity else 1
        score -= load
        reasons.append(
            _("Carries %(n)s of %(capacity)s matters.")
            % {"n": profile.load, "capacity": profile.capacity}
        )
        matches.append(Match(profile, verdict.eligible, score, reasons, verdict.reasons))
    return sorted(matches, key=lambda m: (not m.eligible, -m.score, m.profile.user.email))
