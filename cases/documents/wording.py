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
        # 8 C.F.R. 103.2(b)(3): a document in a foreign language is accompanied by a full
        # English translation "which the translator has certified as complete and
        # accurate, and by the translator's certification that he or she is competent
        # to translate from the foreign language into English".
        "translation_title": "Certificate of Translation",
        "translation_text": "I, {translator}, certify that I am competent to translate from "
        "{language} into English, and that the attached English translation of {document} "
        "is complete and accurate.",
        "translation_sworn": False,
        "translation_source": "8 C.F.R. 103.2(b)(3)",
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
        # CPLR 2101(b): a paper in a foreign language is accompanied by an English
        # translation "and an affidavit by the translator stating his qualifications and
        # that the translation is accurate" (CPLR 2106 now lets an affirmation stand in).
        "translation_title": "Translator's Affidavit",
        "translation_text": "{translator}, being duly sworn, deposes and says: I am "
        "{qualification}, competent to translate from {language} into English. The "
        "attached English translation of {document} is a complete and accurate "
        "translation of the original in {language}.",
        "translation_sworn": True,
        "translation_source": "N.Y. CPLR 2101(b); CPLR 2106",
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
    translation_title: str = "Certificate of Translation"
    translation_text: str = ""
    translation_sworn: bool = False
    translation_source: str = ""
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


# The interpreter's own statement, for a declaration signed by someone who does not read
# English: it was read to them in their language and they said they understood it. It
# ends with the jurisdiction's own clause (above), signed by the interpreter.
INTERPRETER_STATEMENT = (
    "I, {interpreter}, am {qualification}, competent to interpret between {language} "
    "and English. I read the {document} to {declarant} in {language}, in full. "
    "{declarant} told me that they understood it, and signed it in my presence."
)


def translation_certification(
    wording: Wording, *, translator: str, qualification: str, language: str, document: str
) -> str:
    """The translator's certification in the jurisdiction's form, blanks where unknown."""
    return wording.translation_text.format(
        translator=translator or BLANK_LINE,
        qualification=qualification or "a translator",
        language=language or BLANK_LINE,
        document=document or "the attached document",
    )


BLANK_LINE = "____________"


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
