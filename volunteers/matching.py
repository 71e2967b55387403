"""A ranked, explained list of volunteers for a matter. Queries do not grow with the pool."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.models import Matter
from survivors.identity import IdentityUse, IdentityWithheld, survivor_identity_for
from volunteers.eligibility import (
    Facts,
    eligibility,
    language_key,
    language_label,
    language_names,
)
from volunteers.models import Credential, Proficiency, Training, VolunteerProfile


@dataclass(frozen=True)
class ClientForStaffing:
    """What staffing may know of the client, from the identity door.

    Unknown is never read as "safe": a client whose age is not shared is treated as a
    minor (a background check and trauma-informed training are then required).
    """

    # The client's languages a volunteer could work in (`language_key`s): English is
    # left out when the client needs an interpreter, since it is not theirs to work in.
    languages: frozenset[str]
    minor_or_unknown: bool
    trafficking_kinds: frozenset[str]
    unknown: tuple[str, ...] = ()  # why something is not known, to show the coordinator
    interpreter_needed: bool = False


def client_for_staffing(*, actor, matter: Matter) -> ClientForStaffing:
    try:
        identity = survivor_identity_for(
            actor=actor, survivor=matter.client, use=IdentityUse.STAFFING
        )
    except IdentityWithheld as withheld:
        return ClientForStaffing(frozenset(), True, frozenset(), (withheld.reason,))
    reasons = tuple(dict.fromkeys(identity.withheld.values()))
    interpreter = bool(identity.get("interpreter_needed"))
    languages = language_names(identity.get("languages") or "")
    if interpreter:
        languages.discard(ENGLISH)
    return ClientForStaffing(
        languages=frozenset(languages),
        minor_or_unknown=identity.get("is_minor") is not False,
        trafficking_kinds=frozenset(identity.get("trafficking_kinds") or ()),
        unknown=reasons,
        interpreter_needed=interpreter,
    )


ENGLISH = language_key("English")


@dataclass(frozen=True)
class LanguageFit:
    """How well a volunteer can talk with the client, and what to say about it."""

    rank: int  # 2: works in a language of the client's; 1: speaks some of one; 0: none
    reason: str | None


def language_fit(client: ClientForStaffing, levels: dict[str, Proficiency]) -> LanguageFit:
    fluent = [k for k in sorted(client.languages) if k in levels and levels[k].works_with_client]
    some = [k for k in sorted(client.languages) if k in levels]
    if fluent:
        names = ", ".join(language_label(k) for k in fluent)
        return LanguageFit(
            2,
            ngettext(
                "Speaks %(languages)s, the client's language.",
                "Speaks %(languages)s, the client's languages.",
                len(fluent),
            )
            % {"languages": names},
        )
    if some:
        names = ", ".join(language_label(k) for k in some)
        return LanguageFit(
            1,
            _("Speaks some %(languages)s, the client's language; an interpreter may be needed.")
            % {"languages": names},
        )
    if client.interpreter_needed:
        return LanguageFit(0, _("Does not speak the client's language: an interpreter is needed."))
    return LanguageFit(0, None)


@dataclass
class Match:
    profile: VolunteerProfile
    eligible: bool
    score: float
    reasons_for: list[str] = field(default_factory=list)
    reasons_against: list[str] = field(default_factory=list)
    language_rank: int = 0


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
        levels = {language_key(k): v for k, v in profile.language_levels().items()}
        fit = language_fit(client, levels)
        if fit.reason:
            reasons.append(fit.reason)
        score += {2: 3, 1: 1}.get(fit.rank, 0)
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
            ngettext(
                "Carries %(n)s of %(capacity)s matter.",
                "Carries %(n)s of %(capacity)s matters.",
                profile.capacity,
            )
            % {"n": profile.load, "capacity": profile.capacity}
        )
        matches.append(Match(profile, verdict.eligible, score, reasons, verdict.reasons, fit.rank))
    # A client who needs an interpreter is best served by someone who speaks their
    # language, whatever else a volunteer brings: that comes first among the eligible.
    by_language = client.interpreter_needed
    return sorted(
        matches,
        key=lambda m: (
            not m.eligible,
            -m.language_rank if by_language else 0,
            -m.score,
            m.profile.user.email,
        ),
    )
