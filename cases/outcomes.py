"""What a matter can achieve, per kind of matter: the outcomes a team records, in one place.

Like the stage paths in `cases.kinds`, the list per kind is data: the form offers only
the outcomes of the matter's kind, and the service refuses any other. Money outcomes
carry an amount and its currency; "status obtained" names the status.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.kinds import Kind


class OutcomeKind(models.TextChoices):
    FILED = "filed", _("Filed")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")
    GRANTED = "granted", _("Granted")
    VACATED = "vacated", _("Conviction vacated")
    EXPUNGED = "expunged", _("Record expunged or sealed")
    SETTLED = "settled", _("Settled")
    JUDGMENT = "judgment", _("Judgment")
    RECOVERED = "recovered", _("Amount recovered")
    COLLECTED = "collected", _("Amount collected")
    STATUS = "status", _("Status obtained")
    DISMISSED = "dismissed", _("Dismissed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class StatusObtained(models.TextChoices):
    T_NONIMMIGRANT = "t_nonimmigrant", _("T nonimmigrant")
    U_NONIMMIGRANT = "u_nonimmigrant", _("U nonimmigrant")
    ASYLEE = "asylee", _("Asylee")
    LPR = "lpr", _("Lawful permanent resident")
    SIJS = "sijs", _("Special immigrant juvenile")
    TPS = "tps", _("Temporary protected status")
    CONTINUED_PRESENCE = "continued_presence", _("Continued Presence")
    WORK_PERMIT = "work_permit", _("Employment authorization")


K = OutcomeKind
OUTCOMES_BY_KIND: dict[str, tuple[str, ...]] = {
    Kind.IMMIGRATION: (K.FILED, K.APPROVED, K.DENIED, K.STATUS, K.WITHDRAWN),
    Kind.PROTECTIVE_ORDER: (K.FILED, K.GRANTED, K.DENIED, K.DISMISSED, K.WITHDRAWN),
    Kind.CIVIL: (
        K.FILED,
        K.SETTLED,
        K.JUDGMENT,
        K.RECOVERED,
        K.COLLECTED,
        K.DISMISSED,
        K.WITHDRAWN,
    ),
    Kind.FOSTER: (K.FILED, K.GRANTED, K.DENIED, K.WITHDRAWN),
    Kind.CRIMINAL_RELIEF: (K.FILED, K.VACATED, K.EXPUNGED, K.DENIED, K.WITHDRAWN),
    Kind.VICTIM_RIGHTS: (K.JUDGMENT, K.RECOVERED, K.COLLECTED, K.DISMISSED),
}

# An amount is required for these, and may be given for a settlement or a judgment.
MONEY_REQUIRED = frozenset({K.RECOVERED, K.COLLECTED})
MONEY_ALLOWED = MONEY_REQUIRED | {K.SETTLED, K.JUDGMENT}
CURRENCIES = (("USD", "USD"), ("EUR", "EUR"), ("GBP", "GBP"), ("CAD", "CAD"), ("MXN", "MXN"))

# What closing "granted" or "denied" records when the team gave no outcome at closing.
CLOSING_DEFAULTS: dict[str, dict[str, str]] = {
    "granted": {
        Kind.IMMIGRATION: K.APPROVED,
        Kind.PROTECTIVE_ORDER: K.GRANTED,
        Kind.CIVIL: K.JUDGMENT,
        Kind.FOSTER: K.GRANTED,
        Kind.CRIMINAL_RELIEF: K.VACATED,
        Kind.VICTIM_RIGHTS: K.JUDGMENT,
    },
    "denied": {kind: K.DENIED for kind in Kind.values if K.DENIED in OUTCOMES_BY_KIND[kind]}
    | {Kind.CIVIL: K.DISMISSED, Kind.VICTIM_RIGHTS: K.DISMISSED},
    "settled": {Kind.CIVIL: K.SETTLED},
}


def outcome_choices(kind: str) -> list[tuple[str, str]]:
    """The outcomes a matter of `kind` may record, for a form."""
    return [(code, OutcomeKind(code).label) for code in OUTCOMES_BY_KIND[kind]]
