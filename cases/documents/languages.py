"""The languages a document can be produced in, and the fixed wording we have for each.

A declaration is signed in the language the declarant reads, and filed with an English
translation and a certificate of translation. The statement is typed (or pasted) by the
paralegal in each language: nothing here translates it. What is fixed in the document
(headings, the perjury clause, the signature labels) prints in the document's language
where this file has it (`FIXED_WORDING`), and in English, said so on the draft page,
where it does not. Like `wording.py`, the translations are data with their source and a
"verify against local rules": a court may require its own translated form.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class DocumentLanguage:
    code: str  # BCP 47, as the PDF's lang attribute carries it
    english: str  # as an English certificate names it: "from Spanish into English"
    label: str  # in the reader's language, for forms
    native: str  # as the language names itself
    rtl: bool = False


# The languages survivors served by legal aid organizations speak most often (the Mayan
# languages of Guatemala among them); a language missing here can be added as one line.
LANGUAGES = {
    language.code: language
    for language in [
        DocumentLanguage("en", "English", _("English"), "English"),
        DocumentLanguage("es", "Spanish", _("Spanish"), "Español"),
        DocumentLanguage("mam", "Mam", _("Mam"), "Mam"),
        DocumentLanguage("quc", "K'iche'", _("K'iche'"), "K'iche'"),
        DocumentLanguage("kjb", "Q'anjob'al", _("Q'anjob'al"), "Q'anjob'al"),
        DocumentLanguage("pt", "Portuguese", _("Portuguese"), "Português"),
        DocumentLanguage("fr", "French", _("French"), "Français"),
        DocumentLanguage("ht", "Haitian Creole", _("Haitian Creole"), "Kreyòl ayisyen"),
        DocumentLanguage("ti", "Tigrinya", _("Tigrinya"), "ትግርኛ"),
        DocumentLanguage("am", "Amharic", _("Amharic"), "አማርኛ"),
        DocumentLanguage("ar", "Arabic", _("Arabic"), "العربية", rtl=True),
        DocumentLanguage("fa", "Persian", _("Persian"), "فارسی", rtl=True),
        DocumentLanguage("zh", "Chinese", _("Chinese"), "中文"),
        DocumentLanguage("ko", "Korean", _("Korean"), "한국어"),
        DocumentLanguage("vi", "Vietnamese", _("Vietnamese"), "Tiếng Việt"),
        DocumentLanguage("tl", "Tagalog", _("Tagalog"), "Tagalog"),
        DocumentLanguage("th", "Thai", _("Thai"), "ไทย"),
        DocumentLanguage("my", "Burmese", _("Burmese"), "မြန်မာ"),
        DocumentLanguage("hi", "Hindi", _("Hindi"), "हिन्दी"),
        DocumentLanguage("ne", "Nepali", _("Nepali"), "नेपाली"),
        DocumentLanguage("ru", "Russian", _("Russian"), "Русский"),
        DocumentLanguage("uk", "Ukrainian", _("Ukrainian"), "Українська"),
    ]
}
ENGLISH = LANGUAGES["en"]


def language_choices(*, with_english: bool = True) -> list[tuple[str, str]]:
    """For a form: the name in the reader's language, then as the language names itself."""
    return [
        (
            code,
            format_lazy("{} · {}", language.label, language.native)
            if code != "en"
            else language.label,
        )
        for code, language in LANGUAGES.items()
        if with_english or code != "en"
    ]


def language_of(code: str) -> DocumentLanguage:
    return LANGUAGES.get(code, ENGLISH)


# What a declaration prints that the paralegal does not type, in each language we have
# it in. "{name}" is the declarant. Titles, the introduction and the clause are by the
# jurisdiction's wording code (`wording.py`); English takes them from that wording
# itself. A clause with no translation here prints in English, and the preview says so.
FIXED_WORDING = {
    "es": {
        "title": {"federal": "Declaración de {name}", "new-york": "Afirmación de {name}"},
        "intro": {
            "federal": "Yo, {name}, declaro lo siguiente:",
            "new-york": "Yo, {name}, afirmo lo siguiente:",
        },
        "clause": {
            "federal": "Declaro bajo pena de perjurio conforme a las leyes de los Estados "
            "Unidos de América que lo anterior es verdadero y correcto.",
            "new-york": "Afirmo este día {day} de {month} de {year}, bajo pena de perjurio "
            "conforme a las leyes de Nueva York, que puede incluir multa o prisión, que lo "
            "anterior es verdadero, y entiendo que este documento puede presentarse en una "
            "acción o procedimiento ante un tribunal.",
        },
        # Not an official form: the English clauses translated for the declarant to read
        # what they sign; the English version with its certificate is what is filed.
        "source": "Translation of 28 U.S.C. 1746 and N.Y. CPLR 2106 for the declarant; the "
        "English version is filed with its certificate of translation.",
        "executed": "Firmado el {date}",
        "executed_at": " en {place}",
        "declarant": "Declarante",
        "case_number": "Caso n.º",
        "in_the_matter_of": "En el asunto de",
        "submitted_by": "Presentado por:",
        "attorney_for": "Abogado/a de la persona declarante",
        "bar_number": "N.º de colegiatura",
        "page": "Página",
        "page_of": "de",
        "date": "{day} de {month} de {year}",
        "months": [
            "enero",
            "febrero",
            "marzo",
            "abril",
            "mayo",
            "junio",
            "julio",
            "agosto",
            "septiembre",
            "octubre",
            "noviembre",
            "diciembre",
        ],
    },
}
BLANK = "____________"


def has_fixed_wording(code: str) -> bool:
    return code == "en" or code in FIXED_WORDING


def fixed_wording(
    code: str, wording, *, declarant: str, executed_on: str, executed_at: str
) -> dict:
    """What the document prints around the typed text, in its language where we have it.

    English comes from the jurisdiction's wording, unchanged; another language from
    `FIXED_WORDING`, entry by entry, with English for what it lacks (`clause_in_english`).
    """
    date_typed = executed_on or BLANK
    english = {
        "title": f"{wording.title} of {declarant}",
        "intro": f"I, {declarant}, {wording.verb} as follows:",
        "clause": wording.affirmation(executed_on),
        "executed": f"Executed on {date_typed}" + (f" at {executed_at}" if executed_at else ""),
        "declarant": "Declarant",
        "case_number": "Case No.",
        "in_the_matter_of": "",  # the caption's own (context.py)
        "submitted_by": "Submitted by:",
        "attorney_for": "Attorney for the declarant",
        "bar_number": "Bar No.",
        "page": "Page",
        "page_of": "of",
        "clause_in_english": False,
        "source": "",
    }
    pack = FIXED_WORDING.get(code)
    if pack is None:
        return english
    translated = {
        "title": pack["title"].get(wording.code, "").format(name=declarant) or english["title"],
        "intro": pack["intro"].get(wording.code, "").format(name=declarant) or english["intro"],
        "executed": pack["executed"].format(date=_in_words(executed_on, pack) or date_typed)
        + (pack["executed_at"].format(place=executed_at) if executed_at else ""),
        **{key: pack[key] for key in LABELS},
        "source": pack["source"],
    }
    clause = pack["clause"].get(wording.code)
    if clause is None:
        return {**english, **translated, "clause_in_english": True}
    return {**english, **translated, "clause": _dated(clause, wording, executed_on, pack)}


LABELS = (
    "declarant",
    "case_number",
    "in_the_matter_of",
    "submitted_by",
    "attorney_for",
    "bar_number",
    "page",
    "page_of",
)


def _in_words(executed_on: str, pack: dict) -> str:
    """A date typed as "November 20, 2026" written in the pack's language, or ""."""
    from cases.documents.wording import parse_signing_date

    signed = parse_signing_date(executed_on)
    if signed is None:
        return ""
    month = pack["months"][signed.month - 1]
    return pack["date"].format(day=signed.day, month=month, year=signed.year)


def _dated(clause: str, wording, executed_on: str, pack: dict) -> str:
    if not wording.date_in_clause:
        return clause
    from cases.documents.wording import BLANK_DAY, BLANK_MONTH, BLANK_YEAR, parse_signing_date

    signed = parse_signing_date(executed_on)
    if signed is None:
        return clause.format(day=BLANK_DAY, month=BLANK_MONTH, year=BLANK_YEAR)
    return clause.format(day=signed.day, month=pack["months"][signed.month - 1], year=signed.year)
