"""What a document says, built from the matter, the draft and the client's identity.

The identity comes in from the survivors app's door (`survivors.identity`), already
decided for this organization, this person and this moment; this module never reads the
survivor. Pseudonym mode is enforced by the caller, which does not even ask for the
legal name of a matter filed under a pseudonym, so no template, metadata field or file
name can carry it.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from cases.documents.languages import fixed_wording, language_of
from cases.documents.wording import (
    INTERPRETER_STATEMENT,
    Wording,
    translation_certification,
    wording_for,
)
from cases.models import Matter
from survivors.identity import ClientIdentity

DEFAULT_PSEUDONYM = "Jane Doe"
# Template-specific fields typed by the paralegal; never read from the survivor's record.
EXTRA_FIELDS = (
    "respondent",
    "conviction",
    "country",
    "served_document",
    "served_on",
    "service_method",
)


WITHHELD_NAME = "[name not available]"


def client_display_name(matter: Matter, fields: dict, identity: ClientIdentity | None) -> str:
    """The pseudonym, the name the organization may know, or a placeholder that says so."""
    if matter.file_under_pseudonym:
        return fields.get("pseudonym") or DEFAULT_PSEUDONYM
    if identity is None or not identity.get("legal_name"):
        return WITHHELD_NAME
    return identity.get("legal_name")


_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\x0b\x0c\x85]")
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")
BLANK = "____________"


def normalize_newlines(text: str) -> str:
    """One line break, "\\n": browsers send CRLF, pasted text may bring CR alone or a
    Unicode line or paragraph separator."""
    return _LINE_BREAKS.sub("\n", text).replace("\u2029", "\n\n")


def typed_fields(fields: dict) -> dict:
    """The draft's fields with line endings normalized: done once, for every field."""
    return {k: normalize_newlines(v) if isinstance(v, str) else v for k, v in fields.items()}


def paragraphs(text: str) -> list[str]:
    """Blocks separated by a blank line (spaces on it allowed), each on one line."""
    blocks = _BLANK_LINE.split(normalize_newlines(text))
    return [" ".join(block.split()) for block in blocks if block.strip()]


def adversarial_caption(petitioner: str, respondent: str, wording: Wording) -> str:
    """Petitioner v. Respondent, in the form of the court's jurisdiction."""
    return f"{petitioner},\nPetitioner,\n\n{wording.versus}\n\n{respondent or BLANK},\nRespondent."


def attorney_block(matter: Matter, fields: dict) -> dict:
    """Who signs for the organization and how a court reaches them: from the record.

    The bar number is kept once on the attorney's membership; one typed on the draft
    (prefilled from it) wins, for a filing under another admission.
    """
    attorney, organization = matter.lead_attorney, matter.organization
    membership = attorney.memberships.filter(organization=organization).first()
    return {
        "attorney_name": attorney.full_name or attorney.email,
        "bar_number": fields.get("bar_number") or (membership.bar_number if membership else ""),
        "attorney_address": normalize_newlines(organization.mailing_address).strip(),
        "attorney_phone": (membership.phone if membership else "") or organization.contact_phone,
        "attorney_email": attorney.email,
        "organization_name": organization.name,
    }


def interpreter_context(
    fields: dict, wording: Wording, *, interpreter, declarant: str, in_translation_set: bool
) -> dict:
    """Who translated or interpreted, from the interpreter recorded on the matter (their
    own details), else from what was typed; and what they certify, in the court's form."""
    if interpreter is not None:
        name, language = interpreter.name, interpreter.language_in_english
        qualification = interpreter.qualification_in_english
        contact = [interpreter.organization, interpreter.phone, interpreter.email]
    else:
        name, language = fields.get("translator", ""), fields.get("source_language", "")
        qualification, contact = "", []
    document = fields.get("translated_document", "")
    if not document and in_translation_set:
        document = f"the {wording.title.lower()} of {declarant}"
    return {
        "translator": name,
        "translation_language": language,
        "translator_contact": [line for line in contact if line],
        "translation_title": wording.translation_title,
        "translation_sworn": wording.translation_sworn,
        "certification": translation_certification(
            wording,
            translator=name,
            qualification=qualification,
            language=language,
            document=document,
        ),
        "interpreter_statement": INTERPRETER_STATEMENT.format(
            interpreter=name or BLANK,
            qualification=qualification or "an interpreter",
            language=language or BLANK,
            document=document or f"foregoing {wording.title.lower()}",
            declarant=declarant,
        )
        if interpreter is not None
        else "",
    }


def document_context(
    matter: Matter,
    fields: dict,
    *,
    title: str,
    identity: ClientIdentity | None,
    language: str = "en",
    interpreter=None,
    in_translation_set: bool = False,
) -> dict:
    """Everything a document template prints. `language` is the document's (its fixed
    wording and the statement's direction); `interpreter` a `cases.Interpreter` of this
    matter chosen on the draft, or None."""
    fields = typed_fields(fields)
    declarant = client_display_name(matter, fields, identity)
    wording = wording_for(matter.jurisdiction)
    executed_on = fields.get("executed_on", "")
    document_language = language_of(language)
    doc = fixed_wording(
        document_language.code,
        wording,
        declarant=declarant,
        executed_on=executed_on,
        executed_at=fields.get("executed_at", ""),
    )
    return {
        "doc": doc,
        "doc_language": document_language,
        **interpreter_context(
            fields,
            wording,
            interpreter=interpreter,
            declarant=declarant,
            in_translation_set=in_translation_set,
        ),
        "title": title,
        "court": fields.get("court") or (matter.jurisdiction.name if matter.jurisdiction else ""),
        "caption_parties": (
            f"{doc['in_the_matter_of']}\n{declarant}"
            if doc["in_the_matter_of"]
            else _("In the Matter of\n%(name)s") % {"name": declarant}
        ),
        "adversarial_caption": adversarial_caption(
            declarant, fields.get("respondent", ""), wording
        ),
        "case_number": matter.case_number or matter.receipt_number,
        "declarant": declarant,
        "paragraphs": paragraphs(fields.get("paragraphs", "")),
        "executed_on": executed_on,
        "executed_at": fields.get("executed_at", ""),
        "wording": wording,
        "affirmation": wording.affirmation(executed_on),
        **attorney_block(matter, fields),
        "pleading": fields.get("pleading") == "on",
        **{name: fields.get(name, "") for name in EXTRA_FIELDS},
        "line_numbers": range(1, 29),
    }
