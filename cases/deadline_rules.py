"""Computing a deadline from a rule, explained step by step; and the shipped rule pack.

Every computed date carries its steps (trigger, period, extra days, each weekend or
holiday it was moved past) so a person can check it. Nothing here is legal advice:
every rule says "verify against local rules".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import holidays
from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext_noop

from cases.kinds import SubKind
from survivors.models import majority_date

SHIPPED_RULES = [
    {
        "code": "rfe-response",
        "name": gettext_noop("Response to a request for evidence"),
        "deadline_kind": "response",
        "trigger_label": gettext_noop("Date of the RFE notice"),
        "days": 84,
        "mailed_extra_days": 3,
        "roll": "forward",
        "applies_to": [
            SubKind.T_VISA,
            SubKind.U_VISA,
            SubKind.ASYLUM,
            SubKind.SIJS,
            SubKind.TPS,
            SubKind.WORK_PERMIT,
            SubKind.ADJUSTMENT,
            SubKind.T_VISA_FAMILY,
        ],
        "source": gettext_noop(
            "USCIS RFE notices (period stated on the notice; 8 CFR 103.8(b) adds 3 days for mail)"
        ),
    },
    {
        "code": "noid-response",
        "name": gettext_noop("Response to a notice of intent to deny"),
        "deadline_kind": "response",
        "trigger_label": gettext_noop("Date of the NOID"),
        "days": 30,
        "mailed_extra_days": 3,
        "roll": "forward",
        "applies_to": [
            SubKind.T_VISA,
            SubKind.T_VISA_FAMILY,
            SubKind.U_VISA,
            SubKind.ASYLUM,
            SubKind.SIJS,
            SubKind.TPS,
            SubKind.WORK_PERMIT,
            SubKind.ADJUSTMENT,
        ],
        "source": gettext_noop(
            "8 CFR 103.2(b)(8)(iv) (at most 30 days; the period stated on the NOID "
            "governs); 8 CFR 103.8(b) adds 3 days for mail"
        ),
    },
    {
        "code": "i290b-appeal",
        "name": gettext_noop("Appeal or motion on a USCIS decision (I-290B)"),
        "deadline_kind": "filing",
        "trigger_label": gettext_noop("Date of the USCIS decision"),
        "days": 30,
        "mailed_extra_days": 3,
        "roll": "forward",
        "applies_to": [
            SubKind.T_VISA,
            SubKind.T_VISA_FAMILY,
            SubKind.U_VISA,
            SubKind.SIJS,
            SubKind.TPS,
            SubKind.WORK_PERMIT,
            SubKind.ADJUSTMENT,
        ],
        "source": gettext_noop(
            "8 CFR 103.3(a)(2)(i) (appeal, 30 days), 103.5(a)(1)(i) (motion, 30 days); "
            "8 CFR 103.8(b) adds 3 days for mail; Form I-290B instructions"
        ),
    },
    {
        "code": "bia-appeal",
        # Received by the Board, not mailed by then: no mailbox extension.
        "name": gettext_noop("Appeal to the Board of Immigration Appeals (EOIR-26)"),
        "deadline_kind": "filing",
        "trigger_label": gettext_noop(
            "Date of the immigration judge's decision (oral, or written decision mailed or served)"
        ),
        "days": 30,
        "mailed_extra_days": 0,
        "roll": "forward",
        "applies_to": [SubKind.ASYLUM, SubKind.ADJUSTMENT, SubKind.TPS],
        "source": gettext_noop(
            "8 CFR 1003.38(b) (30 days; filed when the Board receives it; a last day on "
            "a weekend or legal holiday moves to the next business day)"
        ),
    },
    {
        "code": "consular-refusal-reconsideration",
        "name": gettext_noop("Immigrant visa refused (221(g)): send what overcomes the refusal"),
        "deadline_kind": "response",
        "trigger_label": gettext_noop("Date of the consular refusal"),
        "years": 1,
        "roll": "backward",
        "applies_to": [SubKind.CONSULAR_PROCESSING],
        "source": gettext_noop(
            "22 CFR 42.81(e) (reconsidered without a new application if the evidence "
            "comes within one year of the refusal); the consulate's refusal letter"
        ),
    },
    {
        "code": "asylum-one-year",
        "name": gettext_noop("Asylum one-year filing deadline"),
        "deadline_kind": "filing",
        "trigger_label": gettext_noop("Date of last arrival in the United States"),
        "years": 1,
        "roll": "backward",
        "applies_to": [SubKind.ASYLUM],
        "source": gettext_noop("INA 208(a)(2)(B); 8 CFR 208.4(a)(2)"),
    },
    {
        "code": "sijs-age-out",
        "name": gettext_noop("SIJS petition before the 21st birthday"),
        "deadline_kind": "filing",
        "anchor": "birth",
        "trigger_label": gettext_noop("Client's date of birth"),
        "years": 21,
        "days": -1,
        "roll": "backward",
        "applies_to": [SubKind.SIJS],
        "source": gettext_noop("INA 101(a)(27)(J); 8 CFR 204.11(b)"),
    },
    {
        "code": "tvpra-limitation",
        "name": gettext_noop("TVPRA civil claim: statute of limitations"),
        "deadline_kind": "limitation",
        "trigger_label": gettext_noop("Date the violation ended"),
        "years": 10,
        "minor_tolls_until_majority": True,
        "roll": "forward",
        "applies_to": [SubKind.TVPRA_DAMAGES],
        "source": gettext_noop("18 U.S.C. 1595(c)"),
    },
    {
        "code": "protective-order-expiry",
        "name": gettext_noop("Protective order expires"),
        "deadline_kind": "renewal",
        "trigger_label": gettext_noop("Date the order was entered"),
        "years": 1,
        "roll": "backward",
        "applies_to": [SubKind.PROTECTIVE_ORDER],
        "source": gettext_noop("Term stated in the order (one year is common; check the order)"),
    },
    {
        "code": "protective-order-renewal",
        "name": gettext_noop("Protective order: file the renewal"),
        "deadline_kind": "renewal",
        "trigger_label": gettext_noop("Date the order was entered"),
        "years": 1,
        "days": -30,
        "roll": "backward",
        "applies_to": [SubKind.PROTECTIVE_ORDER],
        "source": gettext_noop("Renewal window before expiry (local rule)"),
    },
    {
        "code": "ead-renewal-window",
        "name": gettext_noop("Work permit: renewal window opens"),
        "deadline_kind": "renewal",
        "trigger_label": gettext_noop("Expiry date on the work permit"),
        "days": -180,
        "roll": "forward",
        "applies_to": [SubKind.WORK_PERMIT],
        "source": gettext_noop(
            "USCIS Form I-765 instructions (renew up to 180 days before expiry)"
        ),
    },
    {
        "code": "u-visa-certification",
        "name": gettext_noop("U visa: file before the I-918 B certification expires"),
        "deadline_kind": "filing",
        "trigger_label": gettext_noop("Date the I-918 Supplement B was signed"),
        "months": 6,
        "days": -1,
        "roll": "backward",
        "applies_to": [SubKind.U_VISA],
        "source": gettext_noop("Form I-918 instructions (certification valid six months)"),
    },
]


@dataclass
class Computation:
    due: date
    steps: list[dict] = field(default_factory=list)


def court_calendar(country: str, subdivision: str, years: range):
    try:
        return holidays.country_holidays(country, subdiv=subdivision or None, years=years)
    except NotImplementedError:
        return holidays.country_holidays(country, years=years)


def _period(rule) -> relativedelta:
    return relativedelta(years=rule.years, months=rule.months, days=rule.days)


def compute_due(
    rule,
    *,
    trigger: date | None,
    birth: date | None = None,
    mailed: bool = False,
    country: str = "US",
    subdivision: str = "",
) -> Computation:
    """Apply `rule` to a trigger date (or the birth date) and roll off non-court days."""
    start = birth if rule.anchor == "birth" else trigger
    if start is None:
        raise ValueError("This rule needs a date to count from")
    # A birth date is identity: the steps name it, never show it.
    if rule.anchor == "birth":
        steps = [{"step": "start", "label": rule.trigger_label, "from_birth": True}]
    else:
        steps = [{"step": "start", "date": start.isoformat(), "label": rule.trigger_label}]
    due = start + _period(rule)
    steps.append(
        {
            "step": "period",
            "years": rule.years,
            "months": rule.months,
            "days": rule.days,
            "date": due.isoformat(),
        }
    )
    if rule.minor_tolls_until_majority and birth and trigger and trigger < majority_date(birth):
        tolled = majority_date(birth) + _period(rule)
        if tolled > due:
            due = tolled
            steps.append({"step": "minor", "date": due.isoformat()})
    if mailed and rule.mailed_extra_days:
        due += timedelta(days=rule.mailed_extra_days)
        steps.append({"step": "mailed", "days": rule.mailed_extra_days, "date": due.isoformat()})
    return Computation(*_roll(due, rule.roll, country, subdivision, steps))


def _roll(due: date, direction: str, country: str, subdivision: str, steps: list[dict]):
    if direction == "none":
        return due, steps
    calendar = court_calendar(country, subdivision, range(due.year - 1, due.year + 2))
    move = timedelta(days=1 if direction == "forward" else -1)
    while due.weekday() >= 5 or due in calendar:
        holiday = calendar.get(due) if due in calendar else ""
        steps.append(
            {
                "step": "rolled",
                "from": due.isoformat(),
                "holiday": holiday,
                "weekend": due.weekday() >= 5,
                "direction": direction,
                "date": (due + move).isoformat(),
            }
        )
        due += move
    return due, steps
