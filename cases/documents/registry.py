"""The document templates: what each is for, and which fields a paralegal fills in."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.kinds import SubKind


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    multiline: bool = False
    help_text: str = ""


class NeutralLabel(models.TextChoices):
    """What a file name and the PDF's metadata may say of a document: its form, never
    the kind of matter (a "T-visa declaration" in a download folder discloses status)."""

    DECLARATION = "declaration", _("Declaration")
    AFFIDAVIT = "affidavit", _("Affidavit")
    PETITION = "petition", _("Petition")
    MOTION = "motion", _("Motion")
    CERTIFICATE = "certificate", _("Certificate")
    LETTER = "letter", _("Letter")


@dataclass(frozen=True)
class DocumentTemplate:
    code: str
    name: str
    template: str
    version: int
    label: str  # a NeutralLabel: the only description that leaves the application
    sub_kinds: tuple[str, ...] = ()  # empty: every matter
    language: str = "en"
    fields: tuple[Field, ...] = field(default_factory=tuple)
    # A letter sent to the client by post: the client's safe-contact rules decide whether
    # it may be generated (`survivors.services.communications.contact_permitted`).
    to_client: bool = False
    # Filled from an interpreter recorded on the matter (chosen on the draft).
    interpreter: bool = False
    # May be produced in the client's language too, with its certificate of translation.
    translatable: bool = False


COMMON = (
    Field("court", _("Court or agency (as on the caption)")),
    Field("executed_on", _("Date signed"), help_text=_("For example: November 20, 2026")),
    Field("executed_at", _("Place signed"), help_text=_("City and state")),
    Field(
        "bar_number",
        _("Attorney's bar number"),
        help_text=_(
            "Filled in from the lead attorney's membership; change it only for a filing "
            "under another admission."
        ),
    ),
)

STATEMENT = Field(
    "paragraphs",
    _("Statement"),
    multiline=True,
    help_text=_("One paragraph per block; leave a blank line between paragraphs."),
)

TEMPLATES = {
    t.code: t
    for t in [
        DocumentTemplate(
            code="survivor_declaration",
            name=_("Survivor declaration under penalty of perjury"),
            template="documents/survivor_declaration.html",
            version=3,
            label=NeutralLabel.DECLARATION,
            interpreter=True,
            translatable=True,
            fields=(
                *COMMON,
                Field(
                    "paragraphs",
                    _("Statement"),
                    multiline=True,
                    help_text=_("One paragraph per block; leave a blank line between paragraphs."),
                ),
            ),
        ),
        DocumentTemplate(
            code="t_visa_declaration",
            name=_("Declaration in support of a T-visa application"),
            template="documents/survivor_declaration.html",
            version=3,
            label=NeutralLabel.DECLARATION,
            sub_kinds=(SubKind.T_VISA,),
            interpreter=True,
            translatable=True,
            fields=(
                *COMMON,
                Field(
                    "paragraphs",
                    _(
                        "Statement: how you came to the United "
                        "States, the work, the force or fraud, and "
                        "what would happen if you were sent back"
                    ),
                    multiline=True,
                ),
            ),
        ),
        DocumentTemplate(
            code="affidavit_jurat",
            name=_("Affidavit with a notary jurat"),
            template="documents/affidavit_jurat.html",
            version=2,
            label=NeutralLabel.AFFIDAVIT,
            fields=(*COMMON, STATEMENT),
        ),
        DocumentTemplate(
            code="protective_order_petition",
            name=_("Petition for a protective order"),
            template="documents/protective_order_petition.html",
            version=2,
            label=NeutralLabel.PETITION,
            sub_kinds=(SubKind.PROTECTIVE_ORDER,),
            fields=(
                *COMMON,
                Field("respondent", _("Respondent (as named in the petition)")),
                STATEMENT,
            ),
        ),
        DocumentTemplate(
            code="vacatur_motion",
            name=_("Motion to vacate a conviction"),
            template="documents/vacatur_motion.html",
            version=2,
            label=NeutralLabel.MOTION,
            sub_kinds=(SubKind.VACATUR, SubKind.EXPUNGEMENT),
            fields=(
                *COMMON,
                Field("conviction", _("Conviction (docket, offense, date)")),
                STATEMENT,
            ),
        ),
        DocumentTemplate(
            code="sijs_special_findings",
            name=_("Petition for special findings (SIJS)"),
            template="documents/sijs_special_findings.html",
            version=2,
            label=NeutralLabel.PETITION,
            sub_kinds=(SubKind.SIJS, SubKind.DEPENDENCY, SubKind.GUARDIANSHIP),
            fields=(
                *COMMON,
                Field("country", _("Country the child should not return to")),
                STATEMENT,
            ),
        ),
        DocumentTemplate(
            code="translation_certificate",
            name=_("Certificate of translation"),
            template="documents/translation_certificate.html",
            version=3,
            label=NeutralLabel.CERTIFICATE,
            interpreter=True,
            fields=(
                *COMMON,
                Field("translated_document", _("Document translated")),
                Field(
                    "translator",
                    _("Translator's name"),
                    help_text=_("Only when no interpreter recorded on the matter translated it."),
                ),
                Field("source_language", _("Translated from")),
            ),
        ),
        DocumentTemplate(
            code="interpreter_statement",
            name=_("Interpreter's statement (read to the declarant)"),
            template="documents/interpreter_statement.html",
            version=1,
            label=NeutralLabel.CERTIFICATE,
            interpreter=True,
            fields=(
                *COMMON,
                Field("translated_document", _("Document read to the declarant")),
            ),
        ),
        DocumentTemplate(
            code="cover_letter",
            name=_("Cover letter with exhibit index"),
            template="documents/cover_letter.html",
            version=2,
            label=NeutralLabel.LETTER,
            fields=(*COMMON, Field("paragraphs", _("Exhibits, one per block"), multiline=True)),
        ),
        DocumentTemplate(
            code="client_letter",
            name=_("Letter to the client (by post)"),
            template="documents/client_letter.html",
            version=2,
            label=NeutralLabel.LETTER,
            fields=(
                *COMMON,
                Field("paragraphs", _("Letter"), multiline=True, help_text=STATEMENT.help_text),
            ),
            to_client=True,
        ),
        DocumentTemplate(
            code="certificate_of_service",
            name=_("Certificate of service"),
            template="documents/certificate_of_service.html",
            version=2,
            label=NeutralLabel.CERTIFICATE,
            fields=(
                *COMMON,
                Field("served_document", _("Document served")),
                Field("served_on", _("Served on (name and address of the party)")),
                Field("service_method", _("How it was served")),
            ),
        ),
    ]
}


def templates_for(sub_kind: str) -> list[DocumentTemplate]:
    return [t for t in TEMPLATES.values() if not t.sub_kinds or sub_kind in t.sub_kinds]
