"""What a document says, built from the matter and the draft.

Pseudonym mode is enforced here, where the data is gathered: for a matter filed under a
pseudonym, the survivor's legal name and aliases are never read into the context, so
no template, metadata field or file name can carry them.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from cases.models import Matter

DEFAULT_PSEUDONYM = "Jane Doe"
# Template-specific fields typed by the paralegal; never read from the survivor's record.
EXTRA_FIELDS = (
    "respondent",
    "conviction",
    "country",
    "translator",
    "source_language",
    "translated_document",
    "served_document",
    "served_on",
    "service_method",
)


def client_display_name(matter: Matter, fields: dict) -> str:
    if matter.file_under_pseudonym:
        return fields.get("pseudonym") or DEFAULT_PSEUDONYM
    return matter.client.legal_name


def paragraphs(text: str) -> list[str]:
    return [" ".join(block.split()) for block in text.split("\n\n") if block.strip()]


def document_context(matter: Matter, fields: dict, *, title: str) -> dict:
    declarant = client_display_name(matter, fields)
    attorney = matter.lead_attorney
    return {
        "title": title,
        "court": fields.get("court") or (matter.jurisdiction.name if matter.jurisdiction else ""),
        "caption_parties": _("In the Matter of\n%(name)s") % {"name": declarant},
        "case_number": matter.case_number or matter.receipt_number,
        "declarant": declarant,
        "paragraphs": paragraphs(fields.get("paragraphs", "")),
        "executed_on": fields.get("executed_on", ""),
        "executed_at": fields.get("executed_at", ""),
        "attorney_name": attorney.full_name or attorney.email,
        "bar_number": fields.get("bar_number", ""),
        "organization_name": matter.organization.name,
        "pleading": fields.get("pleading") == "on",
        **{name: fields.get(name, "") for name in EXTRA_FIELDS},
        "line_numbers": range(1, 29),
    }
