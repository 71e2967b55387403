"""Recording a survivor (intake), indexing their names, and reading the record."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass
from datetime import date

from anyascii import anyascii
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.access import access_grant, can_change, fetch_for_user
from aftercare.actor import Actor
from aftercare.audit import audit_record_by, audit_record_for_request
from aftercare.blind_index import birth_date_token, name_parts, name_tokens
from aftercare.history import changed_fields, history_record
from aftercare.models import Organization
from survivors.identity import client_file_of, consented_categories
from survivors.models import (
    DataCategory,
    Engagement,
    SafeContact,
    Survivor,
    SurvivorAccess,
    SurvivorAlias,
    SurvivorToken,
)

_PLAIN_FIELDS = ("interpreter_needed", "status", "trafficking_kinds", "indicators", "needs")

# No 0/O or 1/I: codes are read aloud and copied by hand.
_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def survivor_code_new(today: date | None = None) -> str:
    """A random pseudonymous code such as AC-2026-7KQ2MX: it reveals neither name nor count."""
    year = (today or timezone.localdate()).year
    return f"AC-{year}-" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))


def _initials(name: str) -> str:
    """Latin initials, transliterated, so that every list renders them with any font."""
    parts = [p for p in anyascii(name).replace("-", " ").split() if p[:1].isalpha()]
    if not parts:
        return ""
    chosen = parts if len(parts) <= 2 else [parts[0], parts[-1]]
    return ".".join(p[0].upper() for p in chosen) + "."


# Longer names are not indexed by parts: their pairs would grow with the square.
_MOST_PARTS_PAIRED = 6


def name_part_pairs(name: str) -> list[str]:
    """Every two parts of a name of three or more, in order: what people type of a
    longer name ("Maria Gomez", "Gomez Ruiz" of "María Elena Gómez Ruiz")."""
    parts = name_parts(name)
    if not 3 <= len(parts) <= _MOST_PARTS_PAIRED:
        return []
    return [f"{a} {b}" for a, b in itertools.combinations(parts, 2)]


def survivor_tokens_refresh(*, survivor: Survivor, aliases: list[str] | None = None) -> None:
    """Rebuild every blind-index token of a survivor from their current names and birth date."""
    if aliases is None:
        aliases = [a.name for a in survivor.aliases.all()]
    sources = [
        (SurvivorToken.Source.LEGAL_NAME, survivor.legal_name),
        (SurvivorToken.Source.PREFERRED_NAME, survivor.preferred_name),
    ]
    sources += [(SurvivorToken.Source.ALIAS, alias) for alias in aliases]
    rows = {
        (source, kind, token)
        for source, name in sources
        if name
        for kind, token in name_tokens(name).items()
    }
    rows |= {
        (SurvivorToken.Source.NAME_PART, kind, token)
        for _source, name in sources
        if name
        for pair in name_part_pairs(name)
        for kind, token in name_tokens(pair).items()
    }
    if survivor.date_of_birth:
        rows.add(
            (
                SurvivorToken.Source.DATE_OF_BIRTH,
                "birth_date",
                birth_date_token(survivor.date_of_birth),
            )
        )
    survivor.tokens.all().delete()
    SurvivorToken.objects.bulk_create(
        SurvivorToken(survivor=survivor, source=source, kind=kind, token=token)
        for source, kind, token in rows
    )


def survivor_create(
    *,
    actor: Actor,
    organization: Organization,
    data: dict,
    aliases: list[str] = (),
) -> Survivor:
    """Record a survivor, index their names, and let the person who recorded them see it.

    A member records only for the organization they act for; the system (a seed, an
    import) records for the organization it is given.
    """
    if actor.membership is not None and actor.organization_id != organization.pk:
        raise PermissionDenied
    fields = {
        name: value
        for name, value in data.items()
        if name in Survivor.PII_FIELDS or name in _PLAIN_FIELDS
    }
    fields["initials"] = _initials(data.get("legal_name", ""))
    with transaction.atomic():
        survivor = _insert_with_fresh_code(organization=organization, by=actor.user, fields=fields)
        SurvivorAccess.objects.create(
            survivor=survivor, organization=organization, survivor_created_at=survivor.created_at
        )
        SurvivorAlias.objects.bulk_create(
            SurvivorAlias(survivor=survivor, name=alias) for alias in aliases if name_parts(alias)
        )
        survivor_tokens_refresh(survivor=survivor, aliases=list(aliases))
        if actor.user is not None:
            access_grant(user=actor.user, obj=survivor, actions=("view", "change"))
        audit_record_by(
            actor, "survivors.survivor.created", target=survivor, organization=organization
        )
    return survivor


def _insert_with_fresh_code(*, organization, by, fields) -> Survivor:
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Survivor.objects.create(
                    organization=organization, created_by=by, code=survivor_code_new(), **fields
                )
        except IntegrityError:
            continue  # a code collision (one in a billion): draw again
    raise RuntimeError("Could not draw a unique survivor code")


@dataclass(frozen=True)
class SurvivorView:
    """A survivor as the acting organization may see them: which categories, and why."""

    survivor: Survivor
    categories: frozenset[str]
    shared: bool  # True when another organization recorded the survivor
    # The acting organization's own client file of this person, if she engaged it.
    client_file: Engagement | None = None

    def shows(self, category: str) -> bool:
        return category in self.categories


def visible_categories(membership, survivor: Survivor) -> frozenset[str]:
    """Everything for the recording organization; for others, what current consents cover."""
    if survivor.organization_id == membership.organization_id:
        return frozenset(DataCategory.values)
    return consented_categories(organization_id=membership.organization_id, survivor=survivor)


def _manages(membership, survivor: Survivor) -> bool:
    """Closing, holding and erasing a record: its own organization's coordinators and admins."""
    return survivor.organization_id == membership.organization_id and (
        membership.role_enum.sees_whole_organization
    )


def survivor_open(
    *, request: HttpRequest, pk: int, for_change: bool = False, manage: bool = False
) -> SurvivorView:
    """Fetch a survivor for reading (or changing); every read is in the audit trail.

    Another organization's survivor is visible only under a current consent, and only
    the categories it covers; it is never changed by anyone but its own organization.
    """
    check = _manages if manage else can_change if for_change else None
    survivor = fetch_for_user(
        request,
        Survivor.objects.select_related("organization"),
        pk=pk,
        can_change=check,
    )
    if survivor.status == Survivor.Status.ERASED:
        categories = frozenset()
    else:
        categories = visible_categories(request.membership, survivor)
    client_file = client_file_of(
        organization_id=request.membership.organization_id, survivor_id=survivor.pk
    )
    audit_record_for_request(
        request,
        "survivors.survivor.viewed",
        target=survivor,
        payload={
            "categories": sorted(categories),
            "for": "change" if for_change else "reading",
            "client_file": client_file is not None,
        },
    )
    return SurvivorView(
        survivor,
        categories,
        shared=survivor.organization_id != request.membership.organization_id,
        client_file=client_file,
    )


def survivor_duplicates(
    *, membership, name: str, born: date | None, aliases: list[str] = ()
) -> tuple[list[Survivor], bool]:
    """Possible existing records of the same person, before a new one is saved.

    Returns the matches the member may open, and whether other matches exist in the
    organization that they may not see (to be resolved by a coordinator, no detail).
    """
    candidates = Survivor.objects.exclude(status__in=[Survivor.Status.ERASED])
    matches = candidates.none()
    for variant in [name, *aliases]:
        if name_parts(variant):
            matches |= candidates.matching(name=variant)
    if born:
        matches |= candidates.matching(born=born)
    in_organization = matches.filter(organization_id=membership.organization_id)
    visible = list(in_organization.visible_to(membership).with_list_columns()[:10])
    hidden = in_organization.exclude(pk__in=[s.pk for s in visible]).exists()
    return visible, hidden


INTAKE_STEPS = 6


def survivor_intake_start(*, actor: Actor, data: dict, aliases: list[str]) -> Survivor:
    """Save the first intake step as a draft: nothing typed is ever lost after this."""
    data = {**data, "status": Survivor.Status.DRAFT}
    with transaction.atomic():
        survivor = survivor_create(
            actor=actor, organization=actor.organization, data=data, aliases=aliases
        )
        survivor.intake_step = 2
        survivor.save(update_fields=["intake_step"])
    return survivor


_INDEXED = {"legal_name", "preferred_name", "date_of_birth"}


def survivor_intake_save(
    *,
    actor: Actor,
    survivor: Survivor,
    step: int,
    data: dict,
    aliases: list[str] | None = None,
    advance: bool = True,
) -> Survivor:
    """Store one step of intake (or of a later edit); re-index names when they change."""
    allowed = (set(Survivor.PII_FIELDS) | set(_PLAIN_FIELDS)) - {"status", "initials"}
    changed = [f for f, v in data.items() if f in allowed and getattr(survivor, f) != v]
    # A finished record corrected through the intake steps keeps its history too.
    before = {f: getattr(survivor, f) for f in changed}
    with transaction.atomic():
        for field in changed:
            setattr(survivor, field, data[field])
        if "legal_name" in changed:
            survivor.initials = _initials(survivor.legal_name)
            changed.append("initials")
        if advance and survivor.status == Survivor.Status.DRAFT:
            survivor.intake_step = max(survivor.intake_step, min(step + 1, INTAKE_STEPS + 1))
            changed.append("intake_step")
        if changed:
            survivor.save(update_fields=[*changed, "updated_at"])
        if aliases is not None:
            survivor.aliases.all().delete()
            SurvivorAlias.objects.bulk_create(
                SurvivorAlias(survivor=survivor, name=a) for a in aliases if name_parts(a)
            )
        if aliases is not None or _INDEXED & set(changed):
            survivor_tokens_refresh(survivor=survivor, aliases=aliases)
        if survivor.status != Survivor.Status.DRAFT:
            history_record(
                actor=actor,
                target=survivor,
                # The safe house never: it is read only through the audited reveal.
                changes={
                    f: (before[f], getattr(survivor, f)) for f in before if f != "safe_location"
                },
                personal=RECORD_EDITABLE,
                organization_id=survivor.organization_id,
            )
        audit_record_by(
            actor,
            "survivors.survivor.changed",
            target=survivor,
            payload={"step": step, "fields": sorted(changed)},
        )
    return survivor


# What intake collected and a correction may change. Not the safe house: it is written
# only through the intake step and read only through the audited reveal.
RECORD_EDITABLE = (
    "legal_name",
    "preferred_name",
    "date_of_birth",
    "gender",
    "country_of_origin",
    "nationality",
    "languages",
    "interpreter_needed",
    "guardian_name",
    "guardian_contact",
    "safety_situation",
    "trafficking_kinds",
    "indicators",
    "needs",
)
# Aliases are rows of their own; the history names them as one field of the record.
ALIASES_FIELD = "aliases"
# Which consent category discloses the old and new values of each field in the history.
HISTORY_FIELD_CATEGORY = {
    **{f: c for c, fields in Survivor.CATEGORY_FIELDS.items() for f in fields},
    ALIASES_FIELD: DataCategory.IDENTITY,
}


def survivor_record_correct(
    *, actor: Actor, survivor: Survivor, data: dict, aliases: list[str] | None = None
) -> list:
    """Correct what intake collected on a finished record, with its history.

    The change, its audit event (field names only) and the history rows (values
    encrypted) commit together; a changed name, alias or birth date rewrites the search
    tokens in the same transaction, so the old name stops finding the record at once
    (type it among the other names used if the person was known by it).
    Returns the history rows written (none when nothing changed).
    """
    unknown = set(data) - set(RECORD_EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    if survivor.organization_id != actor.organization_id:
        raise PermissionDenied
    with transaction.atomic():
        locked = Survivor.objects.select_for_update().get(pk=survivor.pk)
        if locked.status not in (Survivor.Status.ACTIVE, Survivor.Status.CLOSED):
            raise ValidationError(_("Only a finished record is corrected here."))
        changes = changed_fields(locked, data)
        if aliases is not None:
            old_aliases = [a.name for a in locked.aliases.order_by("pk")]
            new_aliases = [a for a in aliases if name_parts(a)]
            if sorted(old_aliases) != sorted(new_aliases):
                changes[ALIASES_FIELD] = (old_aliases, new_aliases)
        if not changes:
            return []
        fields = [name for name in changes if name != ALIASES_FIELD]
        for name in fields:
            setattr(survivor, name, changes[name][1])
        if "legal_name" in changes:
            survivor.initials = _initials(survivor.legal_name)
            fields.append("initials")
        if fields:
            survivor.save(update_fields=[*fields, "updated_at"])
        if ALIASES_FIELD in changes:
            survivor.aliases.all().delete()
            SurvivorAlias.objects.bulk_create(
                SurvivorAlias(survivor=survivor, name=a) for a in changes[ALIASES_FIELD][1]
            )
        if ALIASES_FIELD in changes or _INDEXED & set(changes):
            survivor_tokens_refresh(survivor=survivor)
        rows = history_record(
            actor=actor,
            target=survivor,
            changes=changes,
            personal=(*RECORD_EDITABLE, ALIASES_FIELD),
            organization_id=survivor.organization_id,
        )
        audit_record_by(
            actor,
            "survivors.survivor.corrected",
            target=survivor,
            payload={"fields": sorted(changes)},
        )
    return rows


def survivor_contacts_save(*, actor: Actor, survivor: Survivor, rules: dict[str, dict]) -> None:
    """Replace the safe-contact rules, one per channel."""
    with transaction.atomic():
        for channel, values in rules.items():
            SafeContact.objects.update_or_create(
                survivor=survivor, channel=channel, defaults=values
            )
        audit_record_by(
            actor,
            "survivors.safe_contact.changed",
            target=survivor,
            payload={"channels": sorted(rules)},
        )


def survivor_intake_finish(*, actor: Actor, survivor: Survivor) -> Survivor:
    with transaction.atomic():
        survivor.status = Survivor.Status.ACTIVE
        survivor.save(update_fields=["status", "updated_at"])
        audit_record_by(actor, "survivors.intake.finished", target=survivor)
    return survivor


def safe_location_reveal(*, actor: Actor, survivor: Survivor) -> str:
    """Show the safe-house address to a member whose role needs it; every reveal is audited."""
    allowed = actor.role.may_reveal_safe_location and DataCategory.LOCATION in (
        visible_categories(actor.membership, survivor)
    )
    if not allowed:
        audit_record_by(
            actor, "aftercare.access.denied", target=survivor, payload={"field": "safe_location"}
        )
        raise PermissionDenied
    audit_record_by(actor, "survivors.survivor.safe_location_revealed", target=survivor)
    return survivor.safe_location


def survivor_category_require(*, actor: Actor, view: SurvivorView, category: str) -> None:
    """A page about one category opens only when the actor may see it; else 404, audited."""
    if view.shows(category):
        return
    audit_record_by(
        actor, "aftercare.access.denied", target=view.survivor, payload={"category": category}
    )
    raise Http404


def survivor_search_record(*, actor: Actor, by_name: bool, by_birth_date: bool) -> None:
    """Record that a search was made, never its terms: they are personal data."""
    audit_record_by(
        actor,
        "survivors.survivor.searched",
        payload={"by_name": by_name, "by_birth_date": by_birth_date},
    )


def survivor_legal_hold_set(*, actor: Actor, survivor: Survivor, on: bool) -> None:
    with transaction.atomic():
        survivor.legal_hold = on
        survivor.save(update_fields=["legal_hold", "updated_at"])
        audit_record_by(
            actor, "survivors.survivor.legal_hold_changed", target=survivor, payload={"on": on}
        )


def survivor_close(*, actor: Actor, survivor: Survivor) -> None:
    """Close the record: the retention clock starts now."""
    with transaction.atomic():
        survivor.status, survivor.closed_at = Survivor.Status.CLOSED, timezone.now()
        survivor.save(update_fields=["status", "closed_at", "updated_at"])
        audit_record_by(actor, "survivors.survivor.closed", target=survivor)


def minor_flags_refresh(*, actor: Actor, today: date | None = None) -> int:
    """Turn off `is_minor` for survivors who came of age (decrypting minors only).

    One event per organization, with the count: which survivor came of age when would
    tell their birthday to every reader of the trail. Safe to run twice.
    """
    today = today or timezone.localdate()
    came_of_age: dict[int, list[int]] = {}
    minors = Survivor.objects.filter(is_minor=True).only("id", "organization_id", "date_of_birth")
    for survivor in minors:
        if not survivor.is_minor_on(today):
            came_of_age.setdefault(survivor.organization_id, []).append(survivor.pk)
    organizations = Organization.objects.in_bulk(came_of_age)
    changed = 0
    for organization_id, ids in came_of_age.items():
        with transaction.atomic():
            count = Survivor.objects.filter(pk__in=ids, is_minor=True).update(is_minor=False)
            audit_record_by(
                actor,
                "survivors.survivor.minor_flags_refreshed",
                organization=organizations[organization_id],
                payload={"count": count},
            )
        changed += count
    return changed
