"""Opening a matter (only after a cleared conflict check), its stages, team and closing."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.access import access_grant, access_revoke, can_change, fetch_for_user
from aftercare.actor import Actor
from aftercare.audit import audit_record_by, audit_record_for_request
from aftercare.blind_index import birth_date_token, name_tokens
from aftercare.models import Membership, Role
from cases.kinds import allowed_stages, kind_of
from cases.models import ConflictCheck, Matter, Party, PartyAlias, PartyToken, Reminder
from cases.services.conflicts import conflict_check_run
from cases.services.deadlines import deadline_rules_install
from cases.services.grants import BY_RULES, grant_check_chosen, grant_for_matter
from cases.signals import team_member_joining, team_member_removed
from survivors.identity import survivor_known_to
from survivors.models import SurvivorUserGrant

NO_CLEARED_CHECK = _("A matter opens only after its conflict check is cleared or waived.")
CLIENT_NOT_KNOWN = _(
    "Your organization no longer has a current consent or an engagement for this client, "
    "so no matter can be opened for them. Ask the referring organization, or record the "
    "engagement once the client has engaged you."
)


def _next_number(organization) -> str:
    year = timezone.localdate().year
    prefix = f"M-{year}-"
    last = (
        Matter.objects.filter(organization=organization, number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return f"{prefix}{int(last.rsplit('-', 1)[1]) + 1 if last else 1:04d}"


def party_add(
    *,
    actor: Actor,
    matter: Matter,
    role: str,
    name: str,
    aliases: list[str] = (),
    date_of_birth=None,
    description: str = "",
) -> Party:
    """Record a party with its blind-index tokens, for every later conflict check.

    The party, its aliases, its tokens and the audit event commit together; the event
    names the party's role and counts, never a name or a birth date.
    """
    aliases = list(aliases)
    tokens = {}
    for each in [name, *aliases]:
        tokens.update({token: kind for kind, token in name_tokens(each).items()})
    if date_of_birth:
        tokens[birth_date_token(date_of_birth)] = "birth_date"
    with transaction.atomic():
        party = Party.objects.create(
            matter=matter,
            role=role,
            name=name,
            date_of_birth=date_of_birth,
            description=description,
        )
        PartyAlias.objects.bulk_create(PartyAlias(party=party, name=a) for a in aliases)
        PartyToken.objects.bulk_create(
            PartyToken(party=party, organization_id=matter.organization_id, kind=kind, token=token)
            for token, kind in tokens.items()
        )
        audit_record_by(
            actor,
            "cases.party.added",
            target=matter,
            payload={"party": party.pk, "role": role, "aliases": len(aliases)},
        )
    return party


def _party_tokens(party_id: int, organization_id: int, names, date_of_birth) -> list[PartyToken]:
    tokens = {}
    for each in names:
        tokens.update({token: kind for kind, token in name_tokens(each).items()})
    if date_of_birth:
        tokens[birth_date_token(date_of_birth)] = "birth_date"
    return [
        PartyToken(party_id=party_id, organization_id=organization_id, kind=kind, token=token)
        for token, kind in tokens.items()
    ]


# What a party's edit may change; all but the role are personal data.
PARTY_EDITABLE = ("role", "name", "aliases", "date_of_birth")
PARTY_PERSONAL = ("name", "aliases", "date_of_birth")


def party_edit(
    *, actor: Actor, party: Party, role: str, name: str, aliases=(), date_of_birth=None
) -> tuple[list, ConflictCheck | None]:
    """Correct a party's role, name, other names or birth date.

    Its search tokens are rewritten in the same transaction, so a later check finds the
    party by its new names and no longer by the old. An adverse party whose names change,
    or a party that becomes adverse, is checked again against the organization's clients,
    former clients and parties, exactly as when it is added; its old tokens are gone by
    then, so it does not match itself. Returns the history rows written and the check run
    (None when none was needed).
    """
    from aftercare.history import history_record

    if role not in Party.Role.values:
        raise ValidationError({"role": _("Choose the party's role.")})
    aliases = [a.strip() for a in aliases if a.strip()]
    with transaction.atomic():
        locked = Party.objects.select_for_update().select_related("matter").get(pk=party.pk)
        matter = locked.matter
        old_aliases = [a.name for a in locked.alias_set.order_by("id")]
        changes = {
            field: (old, new)
            for field, old, new in (
                ("role", locked.role, role),
                ("name", locked.name, name),
                ("aliases", sorted(old_aliases), sorted(aliases)),
                ("date_of_birth", locked.date_of_birth, date_of_birth),
            )
            if old != new
        }
        if not changes:
            return [], None
        identity_changed = bool({"name", "aliases", "date_of_birth"} & set(changes))
        if identity_changed:
            locked.tokens.all().delete()
        check = None
        if role in Party.ADVERSE and (identity_changed or locked.role not in Party.ADVERSE):
            check = conflict_check_run(
                actor=actor,
                client=matter.client,
                parties=[
                    {"role": role, "name": name, "aliases": aliases, "date_of_birth": date_of_birth}
                ],
            )
        locked.role, locked.name, locked.date_of_birth = role, name, date_of_birth
        locked.save(update_fields=["role", "name", "date_of_birth"])
        if "aliases" in changes:
            locked.alias_set.all().delete()
            PartyAlias.objects.bulk_create(PartyAlias(party=locked, name=a) for a in aliases)
        if identity_changed:
            PartyToken.objects.bulk_create(
                _party_tokens(locked.pk, matter.organization_id, [name, *aliases], date_of_birth)
            )
        rows = history_record(
            actor=actor,
            target=locked,
            changes=changes,
            personal=PARTY_PERSONAL,
            organization_id=matter.organization_id,
        )
        audit_record_by(
            actor,
            "cases.party.edited",
            target=matter,
            payload={
                "party": locked.pk,
                "fields": sorted(changes),
                "conflict_check": check.pk if check else None,
            },
        )
    party.role, party.name, party.date_of_birth = role, name, date_of_birth
    return rows, check


def party_add_checked(*, actor: Actor, matter: Matter, party: dict) -> tuple[Party, ConflictCheck]:
    """Check a new party against the organization's history, then add it, in one commit.

    Checked before it is added, so that the new party does not match itself.
    """
    with transaction.atomic():
        check = conflict_check_run(actor=actor, client=matter.client, parties=[party])
        added = party_add(actor=actor, matter=matter, **party)
    return added, check


def matter_open(
    *,
    actor: Actor,
    check: ConflictCheck,
    sub_kind: str,
    lead_attorney,
    jurisdiction=None,
    file_under_pseudonym: bool = False,
    case_number: str = "",
    receipt_number: str = "",
    grant=BY_RULES,
) -> Matter:
    """Open a matter for the checked client; the lead attorney gets access to it and the client.

    `grant` is a grant chosen on the form, None for none, or `BY_RULES` (the one grant
    covering the kind on the opening day, if exactly one does).
    """
    role = actor.role
    if role is None or not role.sees_whole_organization:
        raise PermissionDenied  # opening a matter grants access: a coordinator's decision
    if check.organization_id != actor.organization_id:
        raise PermissionDenied
    if not check.allows_opening:
        raise ValidationError(NO_CLEARED_CHECK)
    # Checked now, not when the referral was accepted: a consent revoked since the
    # conflict check ends the organization's knowledge of the client.
    if not survivor_known_to(organization_id=check.organization_id, survivor=check.client):
        audit_record_by(
            actor,
            "aftercare.access.denied",
            target=check,
            payload={"reason": "client_not_known", "action": "matter_open"},
        )
        raise ValidationError(CLIENT_NOT_KNOWN)
    if (
        not Membership.objects.people()
        .filter(user=lead_attorney, organization=check.organization, role=Role.ATTORNEY)
        .exists()
    ):
        raise ValidationError({"lead_attorney": _("Choose an attorney of this organization.")})
    if grant == BY_RULES:
        grant = grant_for_matter(
            organization_id=check.organization_id,
            kind=kind_of(sub_kind),
            opened_on=timezone.localdate(),
        )
    grant_check_chosen(grant=grant, organization_id=check.organization_id)
    with transaction.atomic():
        # One matter of a type per check: opening it again (a second tab, a retry) finds
        # the first one. The lock makes a concurrent opening wait for it, then find it.
        ConflictCheck.objects.select_for_update().get(pk=check.pk)
        opened = check.matters.filter(sub_kind=sub_kind).first()
        if opened is not None:
            return opened
        deadline_rules_install(organization=check.organization)
        matter = _matter_create(
            check=check,
            sub_kind=sub_kind,
            lead_attorney=lead_attorney,
            jurisdiction=jurisdiction,
            file_under_pseudonym=file_under_pseudonym,
            case_number=case_number,
            receipt_number=receipt_number,
            grant=grant,
        )
        for prospective in check.parties.all():
            party_add(
                actor=actor,
                matter=matter,
                role=prospective.role,
                name=prospective.name,
                aliases=prospective.alias_list(),
                date_of_birth=prospective.date_of_birth,
            )
        try:
            # The lead attorney joins like any team member, so apps above may refuse
            # (a volunteer joins only by assignment, where eligibility is checked);
            # the refusal rolls the whole opening back.
            team_member_joining.send(sender=Matter, matter=matter, user=lead_attorney, actor=actor)
        except ValidationError as refusal:
            raise ValidationError({"lead_attorney": refusal.messages}) from refusal
        team_member_add(actor=actor, matter=matter, user=lead_attorney, audit=False)
        audit_record_by(
            actor,
            "cases.matter.opened",
            target=matter,
            payload={"kind": matter.kind, "client": matter.client_id, "conflict_check": check.pk},
        )
    return matter


def _matter_create(*, check: ConflictCheck, sub_kind: str, **fields) -> Matter:
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return Matter.objects.create(
                    organization=check.organization,
                    number=_next_number(check.organization),
                    client=check.client,
                    kind=kind_of(sub_kind),
                    sub_kind=sub_kind,
                    conflict_check=check,
                    **fields,
                )
        except IntegrityError:
            continue  # two matters opened at once took the same number: take the next
    raise RuntimeError("Could not allocate a matter number; try again")


def team_member_add(*, actor: Actor, matter: Matter, user, audit: bool = True) -> None:
    """Give a member of the organization the matter and, for reading, its client's record."""
    with transaction.atomic():
        access_grant(user=user, obj=matter, actions=("view", "change"))
        access_grant(user=user, obj=matter.client, actions=("view",))
        if audit:
            audit_record_by(
                actor, "cases.matter.team_added", target=matter, payload={"user": user.pk}
            )


def team_member_join(*, actor: Actor, matter: Matter, user) -> None:
    """Add someone by hand from the matter page. Apps above may refuse (the volunteers app
    sends volunteers through staffing, where eligibility and capacity are checked)."""
    if not matter.is_open:
        raise ValidationError(_("This matter is closed."))
    if matter.user_grants.filter(user=user, permission__codename="view_matter").exists():
        raise ValidationError(_("Already on the team."))
    with transaction.atomic():
        team_member_joining.send(sender=Matter, matter=matter, user=user, actor=actor)
        team_member_add(actor=actor, matter=matter, user=user)


def team_member_remove(*, actor: Actor, matter: Matter, user) -> None:
    """Take the matter away from one person, and the client too unless another matter needs it."""
    with transaction.atomic():
        access_revoke(user=user, obj=matter)
        other = (
            Matter.objects.filter(client=matter.client, user_grants__user=user)
            .exclude(pk=matter.pk)
            .exists()
        )
        if not other:
            access_revoke(user=user, obj=matter.client)
        audit_record_by(
            actor, "cases.matter.team_removed", target=matter, payload={"user": user.pk}
        )
        team_member_removed.send(sender=Matter, matter=matter, user=user, actor=actor)


def team_member_leave_organization(*, actor: Actor, membership) -> int:
    """Take every matter and client of one organization away from a member who left it.

    Returns how many matters they lost. Other organizations' grants stay.
    """
    user, organization_id = membership.user, membership.organization_id
    with transaction.atomic():
        matters = list(
            Matter.objects.filter(organization_id=organization_id, user_grants__user=user)
            .select_related("client")
            .distinct()
        )
        for matter in matters:
            team_member_remove(actor=actor, matter=matter, user=user)
        # Survivors they were given directly (intake, sharing), not through a matter.
        SurvivorUserGrant.objects.filter(
            user=user, content_object__organization_id=organization_id
        ).delete()
    return len(matters)


def matter_open_for_user(*, request: HttpRequest, pk: int, for_change: bool = False) -> Matter:
    """Fetch a matter through the access door; every read is audited.

    A read door, not a change: it keeps the request because `fetch_for_user` (the access
    door, with its denial audit) takes one.
    """
    matter = fetch_for_user(
        request,
        Matter.objects.select_related(
            "client", "jurisdiction", "lead_attorney", "organization", "grant"
        ),
        pk=pk,
        can_change=can_change if for_change else None,
    )
    audit_record_for_request(
        request,
        "cases.matter.viewed",
        target=matter,
        payload={"for": "change" if for_change else "reading"},
    )
    return matter


def matter_stage_move(*, actor: Actor, matter: Matter, stage: str) -> Matter:
    with transaction.atomic():
        locked = Matter.objects.select_for_update().get(pk=matter.pk)
        if stage not in allowed_stages(locked.kind, locked.stage) or not locked.is_open:
            raise PermissionDenied
        old = locked.stage
        matter.stage = stage
        matter.save(update_fields=["stage"])
        audit_record_by(
            actor,
            "cases.matter.stage_changed",
            target=matter,
            payload={"from": old, "to": stage},
        )
    return matter


def matter_close(
    *, actor: Actor, matter: Matter, outcome: str, reason: str, result: dict | None = None
) -> Matter:
    """Close once, with a known outcome; the matter's pending reminders stop.

    Closing asks for what the matter achieved: `result` (the fields of an outcome, see
    `cases.services.outcomes`) is recorded in the same transaction. When the team gives
    none and the matter has no outcome yet, a closing as granted, denied or settled
    records the outcome that closing means for the matter's kind, dated today.
    """
    from cases.outcomes import CLOSING_DEFAULTS
    from cases.services.outcomes import outcome_clean, outcome_record

    outcomes = dict(Matter._meta.get_field("outcome").choices)
    if outcome not in outcomes:
        raise ValidationError({"outcome": _("Choose the outcome.")})
    if result:
        outcome_clean(matter=matter, **result)  # refused before anything is written
    with transaction.atomic():
        locked = Matter.objects.select_for_update().get(pk=matter.pk)
        if locked.closed_at is not None:
            raise ValidationError(_("This matter is already closed."))
        matter.closed_at, matter.outcome, matter.closing_reason = timezone.now(), outcome, reason
        matter.save(update_fields=["closed_at", "outcome", "closing_reason"])
        Reminder.objects.filter(
            Q(deadline__matter=matter) | Q(task__matter=matter), claimed_at__isnull=True
        ).delete()
        default = CLOSING_DEFAULTS.get(outcome, {}).get(matter.kind)
        if result:
            outcome_record(actor=actor, matter=matter, **result)
        elif default and not matter.outcomes.exists():
            outcome_record(actor=actor, matter=matter, kind=default, date=timezone.localdate())
        audit_record_by(actor, "cases.matter.closed", target=matter, payload={"outcome": outcome})
    return matter


# What a matter's edit may change, and which of these are personal data (kept encrypted
# in the history as everywhere else).
MATTER_EDITABLE = (
    "case_number",
    "receipt_number",
    "jurisdiction",
    "lead_attorney",
    "file_under_pseudonym",
    "grant",
)
LEAD_JOINS_BY_COORDINATOR = _(
    "This attorney is not on the matter's team: a coordinator adds them, or makes them lead."
)


def matter_edit(*, actor: Actor, matter: Matter, **data) -> list:
    """Correct what was entered when the matter was opened.

    The lead attorney is an attorney of the organization (never a volunteer). Who is on a
    matter is a coordinator's decision, so an attorney of the team may pass the lead only
    to someone already on it; a coordinator may name any attorney, who then joins the
    team. The previous lead stays on the team. The pseudonym flag governs documents
    generated from now on: versions already generated stay as they were made.
    Returns the history rows written (none when nothing changed).
    """
    from aftercare.history import changed_fields, history_record

    unknown = set(data) - set(MATTER_EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    jurisdiction = data.get("jurisdiction")
    if jurisdiction is not None and jurisdiction.organization_id != matter.organization_id:
        raise ValidationError({"jurisdiction": _("Choose a court or agency of this organization.")})
    grant_check_chosen(grant=data.get("grant"), organization_id=matter.organization_id)
    lead = data.get("lead_attorney")
    with transaction.atomic():
        locked = Matter.objects.select_for_update().get(pk=matter.pk)
        changes = changed_fields(locked, data)
        if not changes:
            return []
        joins = False
        if "lead_attorney" in changes:
            if (
                not Membership.objects.people()
                .filter(user=lead, organization_id=matter.organization_id, role=Role.ATTORNEY)
                .exists()
            ):
                raise ValidationError(
                    {"lead_attorney": _("Choose an attorney of this organization.")}
                )
            joins = not locked.user_grants.filter(
                user=lead, permission__codename="view_matter"
            ).exists()
            role = actor.role
            if joins and (role is None or not role.sees_whole_organization):
                raise ValidationError({"lead_attorney": LEAD_JOINS_BY_COORDINATOR})
            try:
                # Asked even of someone already on the team: apps above refuse a lead
                # they would refuse as a member (a volunteer, who is on a matter only
                # by assignment, never leads it).
                team_member_joining.send(sender=Matter, matter=matter, user=lead, actor=actor)
            except ValidationError as refusal:
                raise ValidationError({"lead_attorney": refusal.messages}) from refusal
        for name, (_old, new) in changes.items():
            setattr(matter, name, new)
        matter.save(update_fields=list(changes))
        if joins:
            team_member_add(actor=actor, matter=matter, user=lead)
        rows = history_record(
            actor=actor,
            target=matter,
            changes=changes,
            personal=Matter.PII_FIELDS,
            organization_id=matter.organization_id,
        )
        audit_record_by(
            actor,
            "cases.matter.edited",
            target=matter,
            payload={"fields": sorted(changes)},
        )
    return rows
