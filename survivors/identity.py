"""The one door through which a survivor's identity leaves the survivors app.

Other apps hold a foreign key to `Survivor`, never a read of its personal fields. They
ask `survivor_identity_for(actor=..., survivor=..., use=..., fields=...)`, which decides
what this organization may know of this person, right now, and for this use:

- the organization that recorded the survivor knows its own record;
- a legal organization the survivor engaged knows its own client file (`Engagement`),
  whatever happens later to the partner's consent or record;
- any other organization knows only the categories of a current consent, and nothing
  once it is revoked or expired.

Every call writes an audit event (which fields, for which use, on which basis, which
were withheld) and fails closed: `IdentityWithheld` when the organization has no basis
at all, or the acting person may not see the survivor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.audit import audit_record_by
from survivors.models import (
    ClientFileToken,
    Consent,
    DataCategory,
    Engagement,
    Survivor,
    SurvivorShare,
    SurvivorToken,
    majority_date,
)


class IdentityUse(models.TextChoices):
    """Why another app asks. Each use may ask for a fixed set of fields."""

    DOCUMENT = "document", _("a court document")
    DEADLINES = "deadlines", _("computing a deadline")
    STAFFING = "staffing", _("staffing a matter")
    # Only the survivors app itself opens a client file (prefilled from the consent).
    ENGAGEMENT = "engagement", _("opening the client file")
    # A partner's own system reading the record through the API (api/): what the
    # organization's staff would read on the survivor's page, bar the safety fields.
    PARTNER_API = "partner_api", _("a partner system, through the API")


class Basis(models.TextChoices):
    OWN_RECORD = "own_record", _("your organization's own record")
    ENGAGEMENT = "engagement", _("your organization's client file (engagement)")
    CONSENT = "consent", _("the survivor's consent")


# Which category discloses each field other apps may ask for.
FIELD_CATEGORY = {
    "legal_name": DataCategory.IDENTITY,
    "preferred_name": DataCategory.IDENTITY,
    "date_of_birth": DataCategory.IDENTITY,
    "is_minor": DataCategory.IDENTITY,
    "gender": DataCategory.IDENTITY,
    "country_of_origin": DataCategory.IDENTITY,
    "nationality": DataCategory.IDENTITY,
    "languages": DataCategory.IDENTITY,
    "interpreter_needed": DataCategory.IDENTITY,
    "guardian_name": DataCategory.IDENTITY,
    "guardian_contact": DataCategory.IDENTITY,
    "trafficking_kinds": DataCategory.SITUATION,
    "indicators": DataCategory.SITUATION,
    "needs": DataCategory.NEEDS,
}

USE_FIELDS = {
    IdentityUse.DOCUMENT: {"legal_name"},
    IdentityUse.DEADLINES: {"date_of_birth"},
    IdentityUse.STAFFING: {"languages", "interpreter_needed", "is_minor", "trafficking_kinds"},
    IdentityUse.ENGAGEMENT: set(Engagement.IDENTITY_FIELDS) | {"interpreter_needed"},
    # Never the safety situation or the safe house: those stay on the audited pages.
    IdentityUse.PARTNER_API: set(FIELD_CATEGORY),
}

NO_BASIS = _(
    "Your organization has no current consent or engagement for this person: nothing "
    "of their identity can be used."
)
NOT_COVERED = _(
    "Not shared with your organization: the survivor's consent does not cover %(category)s, "
    "and no engagement is recorded."
)
ERASED = _("The survivor's record was erased.")


class IdentityWithheld(PermissionDenied):
    """Nothing of this person may be known by this actor. Carries a reason to show."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ClientIdentity:
    """What one organization may know of one person, for one use, now."""

    survivor_id: int
    code: str
    basis: str
    values: dict[str, Any] = field(default_factory=dict)
    withheld: dict[str, str] = field(default_factory=dict)  # field -> why, to show

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def why_not(self, name: str) -> str:
        return self.withheld.get(name, "")


@dataclass(frozen=True)
class Knowing:
    """How an organization knows a survivor: basis ("" when not at all), the categories,
    and its client file when the basis is an engagement."""

    basis: str
    categories: frozenset[str]
    client_file: Engagement | None = None


def knowing(*, organization_id: int, survivor: Survivor) -> Knowing:
    """How an organization knows a survivor, without auditing: read once, used by the door,
    the pages that say how the client is known, and the engagement."""
    if survivor.organization_id == organization_id:
        if survivor.status == Survivor.Status.ERASED:
            return Knowing("", frozenset())
        return Knowing(Basis.OWN_RECORD, frozenset(DataCategory.values))
    consented = consented_categories(organization_id=organization_id, survivor=survivor)
    client_file = client_file_of(organization_id=organization_id, survivor_id=survivor.pk)
    if client_file is not None:
        return Knowing(Basis.ENGAGEMENT, consented | {DataCategory.IDENTITY}, client_file)
    if consented and survivor.status != Survivor.Status.ERASED:
        return Knowing(Basis.CONSENT, consented)
    return Knowing("", frozenset())


def knowledge_basis(*, organization_id: int, survivor: Survivor) -> tuple[str, frozenset[str]]:
    """(basis, categories); basis is "" when the organization does not know them at all."""
    known = knowing(organization_id=organization_id, survivor=survivor)
    return known.basis, known.categories


def consented_categories(*, organization_id: int, survivor: Survivor) -> frozenset[str]:
    """The categories current consents share with an organization (empty once revoked)."""
    consents = Consent.objects.filter(
        shares__in=SurvivorShare.objects.current().filter(
            survivor=survivor, organization_id=organization_id
        )
    )
    return frozenset(c for consent in consents for c in consent.categories)


def client_file_of(*, organization_id: int, survivor_id: int) -> Engagement | None:
    """The organization's client file of this person, while it is not erased (a former
    client's file is kept under the organization's own retention)."""
    return (
        Engagement.objects.filter(
            organization_id=organization_id, survivor_id=survivor_id, erased_at__isnull=True
        )
        .order_by("-engaged_on", "-id")
        .first()
    )


def _reaches(actor, survivor: Survivor) -> bool:
    """The acting person may see this survivor at all (assignment, or the whole org)."""
    if actor.membership is None:
        return False
    return Survivor.objects.visible_to(actor.membership).filter(pk=survivor.pk).exists()


def _value(source, name: str, today: date) -> Any:
    if name == "is_minor":
        born = source.date_of_birth
        return None if born is None else today < majority_date(born)
    return getattr(source, name)


def survivor_identity_for(
    *, actor, survivor: Survivor, use: str, fields: set[str] | None = None
) -> ClientIdentity:
    """What the actor's organization may know of `fields` for `use`; audited, fails closed.

    Raises `IdentityWithheld` when the organization has no basis at all (no own record,
    engagement or current consent), or the acting person may not see the survivor.
    A field the basis does not cover is absent from `values`, with its reason in
    `withheld`: callers say so plainly instead of printing a blank.
    """
    asked = set(fields) if fields is not None else set(USE_FIELDS[use])
    if not asked <= USE_FIELDS[use]:
        raise ValueError(f"{use} may not ask for {sorted(asked - USE_FIELDS[use])}")
    organization_id = actor.organization_id
    known = (
        knowing(organization_id=organization_id, survivor=survivor)
        if organization_id is not None
        else Knowing("", frozenset())
    )
    basis, categories, client_file = known.basis, known.categories, known.client_file
    if not basis or not _reaches(actor, survivor):
        audit_record_by(
            actor,
            "aftercare.access.denied",
            target=survivor,
            payload={"use": str(use), "reason": "no_basis" if not basis else "not_assigned"},
        )
        raise IdentityWithheld(str(ERASED if _erased_own(survivor, organization_id) else NO_BASIS))
    today = timezone.localdate()
    values, withheld = {}, {}
    for name in sorted(asked):
        category = FIELD_CATEGORY[name]
        if category not in categories:
            label = dict(DataCategory.choices)[category]
            withheld[name] = str(NOT_COVERED % {"category": label})
            continue
        source = client_file if (client_file and category == DataCategory.IDENTITY) else survivor
        values[name] = _value(source, name, today)
    audit_record_by(
        actor,
        "survivors.identity.read",
        target=survivor,
        payload={
            "use": str(use),
            "basis": str(basis),
            "fields": sorted(values),
            "withheld": sorted(withheld),
        },
    )
    return ClientIdentity(survivor.pk, survivor.code, str(basis), values, withheld)


def _erased_own(survivor: Survivor, organization_id: int | None) -> bool:
    return survivor.organization_id == organization_id and survivor.status == (
        Survivor.Status.ERASED
    )


def survivor_known_to(*, organization_id: int, survivor: Survivor) -> bool:
    """Whether an organization may still work with this person at all (no field read)."""
    basis, _categories = knowledge_basis(organization_id=organization_id, survivor=survivor)
    return bool(basis)


@dataclass(frozen=True)
class BasisSummary:
    """How an organization knows a person, in words, for the pages that work on them."""

    basis: str
    text: str
    may_engage: bool  # a legal organization that knows the person but has no client file


def basis_summary(*, organization, survivor: Survivor) -> BasisSummary:
    basis, categories = knowledge_basis(organization_id=organization.pk, survivor=survivor)
    labels = [str(label) for code, label in DataCategory.choices if code in categories]
    if basis == Basis.OWN_RECORD:
        text = str(_("Your organization's own record."))
    elif basis == Basis.ENGAGEMENT:
        text = str(_("Your client file: the client engaged your organization."))
    elif basis == Basis.CONSENT:
        text = str(_("The survivor's consent, which covers: %(categories)s.")) % {
            "categories": "; ".join(labels)
        }
    else:
        text = str(NO_BASIS)
    # A consent basis means no client file yet; an own record may already have one.
    may_engage = organization.kind == organization.Kind.LEGAL_AID and (
        basis == Basis.CONSENT
        or (
            basis == Basis.OWN_RECORD
            and client_file_of(organization_id=organization.pk, survivor_id=survivor.pk) is None
        )
    )
    return BasisSummary(str(basis), text, may_engage)


def conflict_client_matches(
    *, organization_id: int, tokens: dict[str, str], exclude_survivor: int | None = None
) -> dict[int, set[str]]:
    """The people an organization must check a new client or adverse party against, by
    keyed-hash tokens alone: survivor id -> the kinds of token that matched.

    They are its own records (erased ones too, through their conflict-only tokens), the
    people who engaged it (by the names in its client file, and by the partner's record,
    even after either was erased), and people shared
    with it under a current consent that covers identity. Nobody else: a hit on a person
    the organization may not name (a consent without identity, one that ended) would
    confirm a guessed name.
    """
    rows = (
        SurvivorToken.objects.filter(token__in=list(tokens))
        .exclude(survivor_id=exclude_survivor)
        .exclude(source=SurvivorToken.Source.NAME_PART)
        .values_list("survivor_id", "survivor__organization_id", "token")
    )
    found: dict[int, set[str]] = {}
    own: set[int] = set()
    for survivor_id, owner_id, token in rows:
        found.setdefault(survivor_id, set()).add(tokens[token])
        if owner_id == organization_id:
            own.add(survivor_id)
    # What the client told this organization's lawyers: its own client files' names.
    for survivor_id, token in ClientFileToken.objects.filter(
        organization_id=organization_id, token__in=list(tokens)
    ).values_list("engagement__survivor_id", "token"):
        if survivor_id != exclude_survivor:
            found.setdefault(survivor_id, set()).add(tokens[token])
            own.add(survivor_id)
    others = set(found) - own
    engaged = set(
        Engagement.objects.filter(
            organization_id=organization_id, survivor_id__in=others
        ).values_list("survivor_id", flat=True)
    )
    shared = {
        share.survivor_id
        for share in SurvivorShare.objects.current()
        .filter(organization_id=organization_id, survivor_id__in=others - engaged)
        .select_related("consent")
        if DataCategory.IDENTITY in share.consent.categories
    }
    known = own | engaged | shared
    return {survivor_id: kinds for survivor_id, kinds in found.items() if survivor_id in known}


def conflict_tokens_of(survivor: Survivor) -> dict[str, str]:
    """A client's own keyed-hash tokens (token -> kind), to check them against others.
    They never leave as names: the conflict check compares hashes."""
    return dict(
        SurvivorToken.objects.filter(survivor=survivor)
        .exclude(source=SurvivorToken.Source.NAME_PART)
        .values_list("token", "kind")
    )
