"""What a document says, built from the matter, the draft and the client's identity.

The identity comes in from the survivors app's door (`survivors.identity`), already
decided for this organization, this person and this moment; this module never reads the
survivor. Pseudonym mode is enforced by the caller, which does not even ask for the
legal name of a matter filed under a pseudonym, so no template, metadata field or file
name can carry it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from cases.models import Matter
from survivors.identity import ClientIdentity

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


WITHHELD_NAME = "[name not available]"


def client_display_name(matter: Matter, fields: dict, identity: ClientIdentity | None) -> str:
    """The pseudonym, the name the organization may know, or a placeholder that says so."""
    if matter.file_under_pseudonym:
        return fields.get("pseudonym") or DEFAULT_PSEUDONYM
    if identity is None or not identity.get("legal_name"):
        return WITHHELD_NAME
    return identity.get("legal_name")


def paragraphs(text: str) -> list[str]:
    return [" ".join(block.split()) for block in text.split("\n\n") if block.strip()]


def document_context(
    matter: Matter, fields: dict, *, title: str, identity: ClientIdentity | None
) -> dict:
    declarant = client_display_name(matter, fields, identity)
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
