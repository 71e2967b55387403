"""Merging two records of the same person: the signal, the reports, the survivors app's part,
and the service.

After the shredder (`survivors.shredder`): the app that owns a table moves its rows.
`survivor_merge` sends `survivor_merging` inside its transaction; every app's receiver
points what it holds about the merged record at the kept one (minding its own unique
constraints) and returns a `MergeReport` of codes and counts, which go into the audit
event. The merged record then becomes a tombstone: no personal data, `merged_into` set,
no search keys, no access rows; its address sends whoever may see the kept record there.

An app with rows pointing at a survivor connects a receiver once, in `AppConfig.ready()`:

    @receiver(survivor_merging, dispatch_uid="cases.merge")
    def cases_merge(sender, *, kept, merged, actor, **kwargs) -> MergeReport:
        ...

`tests/survivors/test_merge.py` fails when a foreign key to `Survivor` still points at a
merged record afterwards, so a new model (a communications log, say) needs its receiver.

Field conflicts: where both records hold a different value, the coordinator picks one
on the compare page (after Primero and LegalServer); the service refuses to guess. A
blank on one side takes the other's value. The name that is not kept becomes an alias,
so a search by it still finds the person. Lists of codes (needs, indicators, kinds of
trafficking) are joined, and an interpreter is needed if either record says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import Signal, receiver
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from aftercare.actor import Actor
from aftercare.audit import audit_record_by
from aftercare.blind_index import name_parts
from aftercare.history import FieldChange, history_record
from survivors.models import (
    Communication,
    Consent,
    Engagement,
    Referral,
    SafeContact,
    ServiceGoal,
    Survivor,
    SurvivorAccess,
    SurvivorAlias,
    SurvivorShare,
    SurvivorToken,
    SurvivorUserGrant,
)
from survivors.services.record import survivor_tokens_refresh
from survivors.services.sharing import survivor_access_refresh

# Sent inside the merging transaction, with `kept` and `merged` (both locked) and `actor`.
# Each receiver moves what its app holds from `merged` to `kept` and returns a
# `MergeReport`; raising (a ValidationError says why) aborts the whole merge.
survivor_merging = Signal()

# The personal fields a coordinator may have to choose between; `initials` follow the
# legal name.
CHOSEN_FIELDS = tuple(f for f in Survivor.PII_FIELDS if f != "initials")
KEEP, TAKE = "kept", "merged"
# The safe-house address is shown only on request, each reveal audited: the compare page
# offers the choice without showing either.
HIDDEN_ON_COMPARE = {"safe_location"}
HIDDEN_VALUE = _("the address this record holds (shown only on its page, on request)")

SAME_RECORD = _("A record cannot be merged with itself.")
ALREADY_MERGED = _("Record {code} was already merged into another record.")
ON_HOLD = _("Record {code} is under a legal hold: it cannot be merged.")
ERASED = _("Record {code} was erased: it cannot be merged.")
KEPT_IS_DRAFT = _("Keep the finished record: an intake in progress cannot be the one kept.")
OTHER_ORGANIZATION = _("Only records your organization recorded can be merged.")
CHOICE_MISSING = _("Choose which value to keep for each field the two records disagree on.")
BOTH_ENGAGED = _(
    "Both records have a current client file with the same organization: that organization "
    "must end one of them first."
)


@dataclass
class MergeReport:
    """What one app moved from the merged record to the kept one: codes and counts."""

    app: str
    moved: dict[str, int] = field(default_factory=dict)

    def move(self, code: str, count: int) -> None:
        if count:
            self.moved[f"{self.app}.{code}"] = count


@dataclass(frozen=True)
class Conflict:
    """One field (or safe-contact channel) on which the two records disagree."""

    key: str
    label: str
    kept_value: str
    merged_value: str


def shown(value) -> str:
    """A field's value as the compare page and the conflict list show it."""
    return "" if value in (None, "") else str(value)


def _contact_summary(rule: SafeContact) -> str:
    parts = [
        str({True: _("safe"), False: _("not safe"), None: _("not asked")}[rule.is_safe]),
        rule.address,
        ", ".join(str(d) for d in rule.allowed_days),
        f"{rule.allowed_from or ''}-{rule.allowed_until or ''}"
        if rule.allowed_from or rule.allowed_until
        else "",
        str(_("voicemail allowed")) if rule.voicemail_allowed else "",
        rule.code_word,
        rule.notes,
    ]
    return " · ".join(p for p in parts if p)


def merge_conflicts(kept: Survivor, merged: Survivor) -> list[Conflict]:
    """Where both records hold a different value: the coordinator must choose."""
    conflicts = []
    for name in CHOSEN_FIELDS:
        a, b = getattr(kept, name), getattr(merged, name)
        if a not in (None, "") and b not in (None, "") and a != b:
            label = Survivor._meta.get_field(name).verbose_name
            if name in HIDDEN_ON_COMPARE:
                a = b = str(HIDDEN_VALUE)
            conflicts.append(Conflict(name, capfirst(str(label)), shown(a), shown(b)))
    kept_rules = {c.channel: c for c in kept.contacts.all()}
    for rule in merged.contacts.all():
        mine = kept_rules.get(rule.channel)
        if mine is not None and _contact_summary(mine) != _contact_summary(rule):
            conflicts.append(
                Conflict(
                    f"contact_{rule.channel}",
                    str(_("Safe contact: %(channel)s") % {"channel": rule.get_channel_display()}),
                    _contact_summary(mine),
                    _contact_summary(rule),
                )
            )
    return conflicts


def merge_refusal(*, kept: Survivor, merged: Survivor) -> str | None:
    """Why these two records may not be merged by this actor, or None."""
    if kept.pk == merged.pk:
        return str(SAME_RECORD)
    for record in (merged, kept):
        if record.merged_into_id is not None or record.status == Survivor.Status.MERGED:
            return str(ALREADY_MERGED).format(code=record.code)
        if record.status == Survivor.Status.ERASED:
            return str(ERASED).format(code=record.code)
        if record.legal_hold:
            return str(ON_HOLD).format(code=record.code)
    if kept.status == Survivor.Status.DRAFT:
        return str(KEPT_IS_DRAFT)
    if _both_engaged(kept, merged):
        return str(BOTH_ENGAGED)
    return None


def _both_engaged(kept: Survivor, merged: Survivor) -> bool:
    """One current client file per person and organization: two cannot become one here."""
    current = Engagement.objects.filter(ended_at__isnull=True, erased_at__isnull=True)
    return (
        current.filter(survivor=merged)
        .filter(organization_id__in=current.filter(survivor=kept).values("organization_id"))
        .exists()
    )


def _may_merge(actor: Actor, kept: Survivor, merged: Survivor) -> bool:
    """Both records belong to the organization the coordinator acts for."""
    if actor.membership is None:
        return True  # the system (a command) acts for every organization
    return actor.role.sees_whole_organization and (
        kept.organization_id == merged.organization_id == actor.organization_id
    )


@transaction.atomic
def survivor_merge(
    *, actor: Actor, kept: Survivor, merged: Survivor, choices: dict[str, str] | None = None
) -> dict[str, int]:
    """Merge `merged` into `kept`: every app moves its rows, the merged record becomes a
    tombstone pointing at the kept one, and one audit event says what moved.

    `choices` maps each conflict's key (`merge_conflicts`) to "kept" or "merged".
    Refused (PermissionDenied) across organizations; refused (ValidationError) when a
    record is merged already, erased or under legal hold, or a conflict has no choice.
    A second submit of the same merge is refused as already merged: it merges once.
    """
    choices = choices or {}
    # Locked in id order, so two merges of the same pair cannot deadlock.
    locked = Survivor.objects.select_for_update().order_by("pk").in_bulk([kept.pk, merged.pk])
    kept, merged = locked[kept.pk], locked[merged.pk]
    if not _may_merge(actor, kept, merged):
        raise PermissionDenied(OTHER_ORGANIZATION)
    refusal = merge_refusal(kept=kept, merged=merged)
    if refusal:
        raise ValidationError(refusal)
    conflicts = merge_conflicts(kept, merged)
    if any(choices.get(c.key) not in (KEEP, TAKE) for c in conflicts):
        raise ValidationError(CHOICE_MISSING)
    moved: dict[str, int] = {}
    for receiver_, report in survivor_merging.send(
        sender=Survivor, kept=kept, merged=merged, actor=actor, choices=choices
    ):
        if not isinstance(report, MergeReport):
            raise TypeError(f"{receiver_!r} must return a MergeReport")
        moved.update(report.moved)
    audit_record_by(
        actor,
        "survivors.survivor.merged",
        target=kept,
        payload={
            "merged": merged.pk,
            "merged_code": merged.code,
            "chosen_from_merged": sorted(k for k, v in choices.items() if v == TAKE),
            "moved": moved,
        },
    )
    return moved


@receiver(survivor_merging, dispatch_uid="survivors.merge")
def survivors_merge(sender, *, kept, merged, actor, choices, **kwargs) -> MergeReport:
    report = MergeReport("survivors")
    organizations = set(
        SurvivorAccess.objects.filter(survivor__in=[kept, merged]).values_list(
            "organization_id", flat=True
        )
    )
    _identity_merge(report, kept, merged, choices, actor)
    _contacts_merge(report, kept, merged, choices)
    for model, code in (
        (Consent, "consents"),
        (SurvivorShare, "shares"),
        (Referral, "referrals"),
        (ServiceGoal, "goals"),
        # Each organization's log of its contacts with the person follows the person.
        (Communication, "communications"),
    ):
        report.move(code, model.objects.filter(survivor=merged).update(survivor=kept))
    # The duplicate's history follows it: left on the tombstone, its old values would
    # outlive an erasure of the person, which reaches only the kept record's rows.
    report.move("history", FieldChange.objects.of(merged).update(object_id=str(kept.pk)))
    _engagements_merge(report, kept, merged)
    _grants_merge(report, kept, merged)
    _tombstone(merged, kept)
    # Tokens last: the kept record's names, the merged names now its aliases.
    report.move("search_keys", SurvivorToken.objects.filter(survivor=merged).delete()[0])
    survivor_tokens_refresh(survivor=kept)
    SurvivorAccess.objects.filter(survivor=merged).delete()
    for organization_id in organizations | set(
        Engagement.objects.filter(survivor=kept).values_list("organization_id", flat=True)
    ):
        survivor_access_refresh(survivor=kept, organization_id=organization_id)
    return report


def _identity_merge(report: MergeReport, kept, merged, choices, actor) -> None:
    names_before = [kept.legal_name, kept.preferred_name]
    joined_fields = ("trafficking_kinds", "indicators", "needs", "interpreter_needed")
    before = {name: getattr(kept, name) for name in (*CHOSEN_FIELDS, *joined_fields)}
    changed = []
    for name in CHOSEN_FIELDS:
        mine, theirs = getattr(kept, name), getattr(merged, name)
        if theirs in (None, ""):
            continue
        if mine in (None, "") or choices.get(name) == TAKE:
            setattr(kept, name, theirs)
            changed.append(name)
    if "legal_name" in changed:
        kept.initials = merged.initials
    for name in ("trafficking_kinds", "indicators", "needs"):
        joined = list(dict.fromkeys([*getattr(kept, name), *getattr(merged, name)]))
        setattr(kept, name, joined)
    kept.interpreter_needed = kept.interpreter_needed or merged.interpreter_needed
    kept.save()
    report.move("fields", len(changed))
    # What the kept record took from the duplicate is in its history, as a correction
    # would be (personal values encrypted; the safe house never, as everywhere).
    history_record(
        actor=actor,
        target=kept,
        changes={
            name: (old, getattr(kept, name))
            for name, old in before.items()
            if name not in HIDDEN_ON_COMPARE
        },
        personal=CHOSEN_FIELDS,
        organization_id=kept.organization_id,
    )
    # Every name either record went by stays findable: the ones not kept become aliases.
    known = {a.name.casefold() for a in kept.aliases.all() if a.name} | {
        n.casefold() for n in (kept.legal_name, kept.preferred_name) if n
    }
    new_aliases = []
    for name in [
        *names_before,
        merged.legal_name,
        merged.preferred_name,
        *(a.name for a in merged.aliases.all()),
    ]:
        if name and name_parts(name) and name.casefold() not in known:
            known.add(name.casefold())
            new_aliases.append(SurvivorAlias(survivor=kept, name=name))
    SurvivorAlias.objects.bulk_create(new_aliases)
    report.move("aliases", len(new_aliases))
    merged.aliases.all().delete()


def _contacts_merge(report: MergeReport, kept, merged, choices) -> None:
    """One rule per channel: the merged record's rule moves where the kept one has none,
    or replaces it where the coordinator chose it."""
    kept_rules = {c.channel: c for c in kept.contacts.all()}
    moved = 0
    for rule in merged.contacts.all():
        mine = kept_rules.get(rule.channel)
        if mine is not None:
            if choices.get(f"contact_{rule.channel}") != TAKE:
                continue
            mine.delete()
        rule.survivor = kept
        rule.save(update_fields=["survivor"])
        moved += 1
    report.move("safe_contacts", moved)
    merged.contacts.all().delete()


def _engagements_merge(report: MergeReport, kept, merged) -> None:
    # `merge_refusal` ruled out two current client files of one organization.
    report.move("client_files", Engagement.objects.filter(survivor=merged).update(survivor=kept))


def _grants_merge(report: MergeReport, kept, merged) -> None:
    """Whoever could open the merged record (a matter's team, the intake worker) can open
    the kept one: the grants move, once per person and permission."""
    held = set(
        SurvivorUserGrant.objects.filter(content_object=kept).values_list(
            "user_id", "permission_id"
        )
    )
    moving = [
        g.pk
        for g in SurvivorUserGrant.objects.filter(content_object=merged)
        if (g.user_id, g.permission_id) not in held
    ]
    report.move(
        "grants", SurvivorUserGrant.objects.filter(pk__in=moving).update(content_object=kept)
    )
    SurvivorUserGrant.objects.filter(content_object=merged).delete()


def _tombstone(merged, kept) -> None:
    for name in Survivor.PII_FIELDS:
        setattr(merged, name, None if name == "date_of_birth" else "")
    merged.trafficking_kinds, merged.indicators, merged.needs = [], [], []
    merged.interpreter_needed = False
    merged.status = Survivor.Status.MERGED
    merged.merged_into, merged.merged_at = kept, timezone.now()
    merged.save()
