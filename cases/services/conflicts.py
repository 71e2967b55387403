"""The conflict check: tokens only, hits that say where without saying who."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.actor import Actor
from aftercare.audit import audit_record_by
from aftercare.blind_index import MATCH_STRENGTH, TokenKind, birth_date_token, name_tokens
from cases.models import ConflictCheck, ConflictHit, Matter, Party, PartyToken, ProspectiveParty
from survivors.identity import conflict_client_matches, conflict_tokens_of
from survivors.models import Referral, Survivor


def _tokens_of(names: list[str], born=None) -> dict[str, str]:
    """token -> kind for a person's names, aliases and birth date."""
    found = {}
    for name in names:
        for kind, token in name_tokens(name).items():
            found.setdefault(token, kind)
    if born:
        found[birth_date_token(born)] = TokenKind.BIRTH_DATE
    return found


def _strongest(kinds: set[str]) -> str | None:
    """A hit needs a name match; a birth date alone is too common to count."""
    names = [k for k in MATCH_STRENGTH if k in kinds and k != TokenKind.BIRTH_DATE]
    if not names:
        return None
    return names[0] + ("+birth_date" if TokenKind.BIRTH_DATE in kinds else "")


def _client_hits(org_id: int, tokens: dict[str, str], exclude_survivor: int | None):
    """Everyone the organization has served and may name, asked of the survivors app:
    a hit on a person it may not name would confirm a guessed name."""
    return conflict_client_matches(
        organization_id=org_id, tokens=tokens, exclude_survivor=exclude_survivor
    )


def _party_hits(org_id: int, tokens: dict[str, str]):
    rows = PartyToken.objects.filter(organization_id=org_id, token__in=list(tokens)).values_list(
        "party_id", "party__matter_id", "party__role", "token"
    )
    by_party: dict[int, tuple[int, str, set[str]]] = {}
    for party_id, matter_id, role, token in rows:
        by_party.setdefault(party_id, (matter_id, role, set()))[2].add(tokens[token])
    return by_party


def _matter_of_client(org_id: int, survivor_id: int) -> int | None:
    return (
        Matter.objects.filter(organization_id=org_id, client_id=survivor_id)
        .values_list("id", flat=True)
        .first()
    )


def _record_hits(
    check: ConflictCheck, checked: str, tokens: dict[str, str], exclude_survivor: int | None
) -> None:
    org_id = check.organization_id
    hits = []
    for survivor_id, kinds in _client_hits(org_id, tokens, exclude_survivor).items():
        if strength := _strongest(kinds):
            hits.append(
                ConflictHit(
                    conflict_check=check,
                    checked=checked,
                    found_as=ConflictHit.Found.CLIENT,
                    survivor_id=survivor_id,
                    matter_id=_matter_of_client(org_id, survivor_id),
                    strength=strength,
                )
            )
    for matter_id, role, kinds in _party_hits(org_id, tokens).values():
        if strength := _strongest(kinds):
            found = (
                ConflictHit.Found.ADVERSE if role in Party.ADVERSE else ConflictHit.Found.RELATED
            )
            hits.append(
                ConflictHit(
                    conflict_check=check,
                    checked=checked,
                    found_as=found,
                    matter_id=matter_id,
                    strength=strength,
                )
            )
    ConflictHit.objects.bulk_create(hits)


def conflict_check_run(
    *, actor: Actor, client: Survivor, parties: list[dict], referral: Referral | None = None
) -> ConflictCheck:
    """Check the client and each adverse party against the organization's whole history.

    The client's tokens are read from the survivor's blind index, never decrypted names.
    """
    if actor.organization is None:
        raise PermissionDenied  # a check belongs to the organization that runs it
    with transaction.atomic():
        check = ConflictCheck.objects.create(
            organization=actor.organization,
            client=client,
            referral=referral,
            requested_by=actor.user,
        )
        client_tokens = conflict_tokens_of(client)
        _record_hits(check, "client", client_tokens, exclude_survivor=client.pk)
        for party in parties:
            prospective = ProspectiveParty.objects.create(
                conflict_check=check,
                role=party["role"],
                name=party["name"],
                aliases="\n".join(party.get("aliases", [])),
                date_of_birth=party.get("date_of_birth"),
            )
            tokens = _tokens_of(
                [party["name"], *party.get("aliases", [])], party.get("date_of_birth")
            )
            _record_hits(check, f"party:{prospective.pk}", tokens, exclude_survivor=client.pk)
        audit_record_by(
            actor,
            "cases.conflict_check.run",
            target=check,
            payload={"client": client.pk, "parties": len(parties), "hits": check.hits.count()},
        )
    return check


@dataclass(frozen=True)
class CheckedParty:
    """One other party as it was checked: what the coordinator typed, and its place."""

    key: str  # as a hit names it: "party:<id>"
    number: int
    role: str
    name: str
    aliases: list[str]
    date_of_birth: object


@dataclass(frozen=True)
class HitView:
    """What one member may learn of a hit."""

    checked: str
    found_as: str
    where: str | None  # "M-2026-0042" or a survivor code; None: not visible to this member
    strength: str
    party: CheckedParty | None = None  # None: the hit is on the client

    @property
    def strength_label(self) -> str:
        """ "exact+birth_date" as people read it: "same name, same date of birth"."""
        return ", ".join(
            str(TokenKind(part).label)
            for part in self.strength.split("+")
            if part in TokenKind.values
        )


def checked_parties(check: ConflictCheck) -> list[CheckedParty]:
    """The other parties the check ran on, in the order they were typed. Their names were
    typed by the organization's own staff for this check; whoever sees the check sees them."""
    roles = dict(Party.Role.choices)
    return [
        CheckedParty(
            key=f"party:{party.pk}",
            number=number,
            role=str(roles.get(party.role, party.role)),
            name=party.name,
            aliases=party.alias_list(),
            date_of_birth=party.date_of_birth,
        )
        for number, party in enumerate(check.parties.order_by("id"), start=1)
    ]


def hits_for(check: ConflictCheck, membership) -> list[HitView]:
    """Hits in matters the member can see name the matter; others say only 'possible conflict'."""
    visible_matters = set(
        Matter.objects.visible_to(membership)
        .filter(pk__in=[h.matter_id for h in check.hits.all() if h.matter_id])
        .values_list("pk", "number")
    )
    numbers = dict(visible_matters)
    visible_survivors = dict(
        Survivor.objects.visible_to(membership)
        .filter(pk__in=[h.survivor_id for h in check.hits.all() if h.survivor_id])
        .values_list("pk", "code")
    )
    parties = {party.key: party for party in checked_parties(check)}
    views = []
    for hit in check.hits.all():
        where = numbers.get(hit.matter_id) or (
            visible_survivors.get(hit.survivor_id) if not hit.matter_id else None
        )
        views.append(
            HitView(
                hit.checked,
                hit.get_found_as_display(),
                where,
                hit.strength,
                party=parties.get(hit.checked),
            )
        )
    return views


def conflict_check_decide(
    *, actor: Actor, check: ConflictCheck, decision: str, reason: str = ""
) -> ConflictCheck:
    """A coordinator's decision; waiving or declining a check with hits needs a reason."""
    if (
        actor.role is None
        or not actor.role.sees_whole_organization
        or actor.organization_id != check.organization_id
    ):
        raise ValidationError(_("Only a coordinator can decide on a conflict check."))
    if decision in (ConflictCheck.Decision.WAIVED, ConflictCheck.Decision.DECLINED) and not (
        reason.strip()
    ):
        raise ValidationError({"reason": _("Give the reason for this decision.")})
    if decision == ConflictCheck.Decision.CLEARED and check.hits.exists() and not reason.strip():
        raise ValidationError(
            {"reason": _("There are possible conflicts: say why they are not conflicts.")}
        )
    with transaction.atomic():
        check.decision, check.decision_reason = decision, reason
        check.decided_by, check.decided_at = actor.user, timezone.now()
        check.save(update_fields=["decision", "decision_reason", "decided_by", "decided_at"])
        audit_record_by(
            actor,
            "cases.conflict_check.decided",
            target=check,
            payload={"decision": decision, "hits": check.hits.count()},
        )
    return check
