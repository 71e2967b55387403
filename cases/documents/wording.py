"""What a document must say where it is filed: the shipped wording pack, as data.

The court or agency on the matter decides: an agency (USCIS) or a court with no state
takes the federal wording; a court in a state with an entry here takes that state's.
A court in a state with no entry yet gets the federal wording and says so. Like the
deadline rules, nothing here is legal advice: every entry says "verify against local
rules", and the document preview and the courts settings page show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext_lazy as _

VERIFY = _("Verify against local rules.")  # shown with every entry

SHIPPED_WORDING = [
    {
        "code": "federal",
        "name": "Federal courts and USCIS",
        "title": "Declaration",  # of the signer's own statement
        "verb": "declare",
        # 28 U.S.C. 1746(1): the form valid whether signed inside or outside the US.
        "clause": "I declare under penalty of perjury under the laws of the United States "
        "of America that the foregoing is true and correct.",
        "date_in_clause": False,  # "Executed on (date)" follows the clause
        "versus": "v.",
        "signature": "Signature, printed name, date of execution",
        "attorney_block": "Name, address, email and telephone (Fed. R. Civ. P. 11(a))",
        "source": "28 U.S.C. 1746; Fed. R. Civ. P. 11(a)",
        "checked_on": "2026-12-03",  # against the statute's text
        "verify_against_local_rules": True,
    },
    {
        "code": "new-york",
        "name": "New York State courts",
        "title": "Affirmation",
        "verb": "affirm",
        "states": ["NY"],
        "clause": "I affirm this {day} day of {month}, {year}, under the penalties of perjury "
        "under the laws of New York, which may include a fine or imprisonment, that the "
        "foregoing is true, and I understand that this document may be filed in an action "
        "or proceeding in a court of law.",
        "date_in_clause": True,
        "versus": "-against-",
        "signature": "Signature with the name printed below it; the date is in the affirmation",
        "attorney_block": "Name, address and telephone (CPLR 2101(d); 22 NYCRR 130-1.1a)",
        "source": "N.Y. CPLR 2106 (as amended effective January 1, 2024); CPLR 2101(d)",
        "checked_on": "2026-12-03",  # against nysenate.gov/legislation/laws/CVP/2106
        "verify_against_local_rules": True,
    },
]

BLANK_DAY, BLANK_MONTH, BLANK_YEAR = "___", "______", "____"


@dataclass(frozen=True)
class Wording:
    code: str
    name: str
    title: str
    verb: str
    clause: str
    date_in_clause: bool
    versus: str
    signature: str
    attorney_block: str
    source: str
    checked_on: str
    verify_against_local_rules: bool
    states: tuple[str, ...] = ()
    # True when the court's state has no entry yet and the federal wording stands in.
    fallback: bool = False

    @property
    def verify_note(self) -> str:
        return str(VERIFY) if self.verify_against_local_rules else ""

    def affirmation(self, executed_on: str) -> str:
        """The clause, with the date of signing filled in where the form asks for it."""
        if not self.date_in_clause:
            return self.clause
        signed = parse_signing_date(executed_on)
        if signed is None:
            return self.clause.format(day=BLANK_DAY, month=BLANK_MONTH, year=BLANK_YEAR)
        return self.clause.format(
            day=ordinal(signed.day), month=signed.strftime("%B"), year=signed.year
        )


WORDINGS = {
    entry["code"]: Wording(**{**entry, "states": tuple(entry.get("states", ()))})
    for entry in SHIPPED_WORDING
}
FEDERAL = WORDINGS["federal"]


def wording_for(jurisdiction) -> Wording:
    """The wording for a matter's court or agency (a `cases.Jurisdiction`, or None)."""
    if jurisdiction is None or jurisdiction.type == "agency":
        return FEDERAL
    state = (jurisdiction.holiday_subdivision or "").strip().upper()
    if not state:
        return FEDERAL
    for wording in WORDINGS.values():
        if state in wording.states:
            return wording
    return Wording(**{**FEDERAL.__dict__, "fallback": True})


def parse_signing_date(text: str) -> date | None:
    """A date typed as "November 20, 2026" or "2026-11-20"; None for anything else."""
    text = " ".join((text or "").replace(",", ", ").split()).replace(" ,", ",")
    for form in ("%B %d, %Y", "%Y-%m-%d", "%b %d, %Y"):
        try:
            return datetime.strptime(text, form).date()  # noqa: DTZ007 (a calendar date)
        except ValueError:
            continue
    return None


def ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"
