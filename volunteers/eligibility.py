"""Who may take a matter, and why not: every rule in one place, each with its reason."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from django.conf.locale import LANG_INFO
from django.utils.formats import date_format
from django.utils.translation import get_language_info, ngettext
from django.utils.translation import gettext as _

from volunteers.models import Credential, VolunteerProfile


@dataclass
class Facts:
    """What the rules need to know, loaded once for a whole pool (see matching.py)."""

    today: date
    organization_id: int  # the matter's: only credentials given to it count
    active_matters: int
    # A minor, or of unknown age: when age is not known, protect as if a child.
    client_is_minor: bool
    court_state: str | None  # state code of a court matter's jurisdiction, None for agencies
    # Trainings the matter's organization requires of every volunteer: (id, name).
    required_trainings: tuple[tuple[int, str], ...] = ()


def minor_needs_background_check(profile: VolunteerProfile, facts: Facts) -> str | None:
    if facts.client_is_minor and not _current(profile, Credential.Kind.BACKGROUND_CHECK, facts):
        return _(
            "No current background check, which work with a minor (or a client of unknown "
            "age) requires."
        )
    return None


def minor_needs_trauma_training(profile: VolunteerProfile, facts: Facts) -> str | None:
    if facts.client_is_minor and not _current(profile, Credential.Kind.TRAUMA_INFORMED, facts):
        return _(
            "No current trauma-informed care training, which work with a minor (or a client "
            "of unknown age) requires."
        )
    return None


def every_matter_needs_confidentiality_training(
    profile: VolunteerProfile, facts: Facts
) -> str | None:
    if not _current(profile, Credential.Kind.CONFIDENTIALITY, facts):
        return _("No current confidentiality training, which every matter requires.")
    return None


def organization_required_trainings(profile: VolunteerProfile, facts: Facts) -> str | None:
    done = {c.training_id for c in profile.credentials.all() if c.training_id and _counts(c, facts)}
    missing = [name for pk, name in facts.required_trainings if pk not in done]
    if missing:
        return _("No current %(trainings)s, which this organization requires.") % {
            "trainings": ", ".join(missing)
        }
    return None


def attorney_needs_malpractice_coverage(profile: VolunteerProfile, facts: Facts) -> str | None:
    if profile.kind == VolunteerProfile.Kind.ATTORNEY and not profile.malpractice_coverage:
        return _("No malpractice coverage, which an attorney needs to take a matter.")
    return None


def court_needs_admission(profile: VolunteerProfile, facts: Facts) -> str | None:
    if profile.kind != VolunteerProfile.Kind.ATTORNEY or facts.court_state is None:
        return None
    if not facts.court_state:
        return _("The court's state is not recorded, so admission there cannot be checked.")
    if any(
        a.in_good_standing and a.jurisdiction.upper() == facts.court_state
        for a in profile.admissions.all()
    ):
        return None
    return _("Not admitted to practice in %(state)s, where the court sits.") % {
        "state": facts.court_state
    }


def not_paused(profile: VolunteerProfile, facts: Facts) -> str | None:
    if profile.is_paused(facts.today):
        return _("Paused until %(date)s.") % {
            "date": date_format(profile.paused_until, "DATE_FORMAT")
        }
    return None


def has_room(profile: VolunteerProfile, facts: Facts) -> str | None:
    if facts.active_matters >= profile.capacity:
        return ngettext(
            "At capacity: %(n)s of %(capacity)s matter.",
            "At capacity: %(n)s of %(capacity)s matters.",
            profile.capacity,
        ) % {"n": facts.active_matters, "capacity": profile.capacity}
    return None


RULES = [
    not_paused,
    has_room,
    every_matter_needs_confidentiality_training,
    organization_required_trainings,
    attorney_needs_malpractice_coverage,
    minor_needs_background_check,
    minor_needs_trauma_training,
    court_needs_admission,
]


def _counts(credential: Credential, facts: Facts) -> bool:
    """A credential counts for the organization it was given to, once one of its
    coordinators verified it, and until it expires."""
    return (
        credential.organization_id == facts.organization_id
        and credential.is_verified
        and credential.is_current(facts.today)
    )


def _current(profile: VolunteerProfile, kind: str, facts: Facts) -> bool:
    return any(c.kind == kind and _counts(c, facts) for c in profile.credentials.all())


@dataclass
class Verdict:
    eligible: bool
    reasons: list[str] = field(default_factory=list)


def eligibility(profile: VolunteerProfile, facts: Facts) -> Verdict:
    reasons = [reason for rule in RULES if (reason := rule(profile, facts))]
    return Verdict(eligible=not reasons, reasons=reasons)


def language_names(text: str) -> set[str]:
    """'Spanish (native), English (basic)' -> {'spanish', 'english'}; a language written
    in itself ('Español', 'português') is read as its English name, as volunteers write."""
    return {
        language_key(re.sub(r"\(.*?\)", "", part))
        for part in text.split(",")
        if re.sub(r"\(.*?\)", "", part).strip()
    }


def _folded(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.cache
def _known_languages() -> tuple[dict[str, str], dict[str, str]]:
    """(folded name in English or in itself -> English name, English name -> code)."""
    keys, codes = {}, {}
    for code, info in LANG_INFO.items():
        if "name" not in info:
            continue
        english = info["name"].lower()
        codes.setdefault(english, code)
        keys.setdefault(_folded(info["name_local"]), english)
        keys.setdefault(_folded(english), english)
    return keys, codes


def language_key(name: str) -> str:
    """One key per language however it is written: its English name, lower-cased."""
    keys, _codes = _known_languages()
    return keys.get(_folded(name), name.strip().lower())


def language_label(key: str) -> str:
    """A language's name in the reader's language where Django knows it ('español')."""
    _keys, codes = _known_languages()
    if key in codes:
        return str(get_language_info(codes[key])["name_translated"])
    return key.title()
