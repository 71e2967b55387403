"""The communications log, and the safe-contact rules it (and every letter) obeys.

`contact_permitted` is the one place that decides whether a survivor may be contacted
on a channel at a moment: other apps (a letter to the client) ask it and get a reason
back, never the rules themselves. Times are read in the organization's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from aftercare.actor import Actor
from aftercare.audit import audit_record_by
from aftercare.models import Role
from survivors.identity import knowing
from survivors.models import Communication, SafeContact, Survivor

# What the matter page shows of its client's log; the survivor's page shows more.
RECENT = 5
LOG_LIMIT = 200


def organization_zone(organization) -> ZoneInfo:
    """The organization's own time zone, where it has one; the installation's otherwise."""
    return ZoneInfo(getattr(organization, "time_zone", "") or settings.TIME_ZONE)


@dataclass(frozen=True)
class Refusal:
    code: str  # for the audit trail: no personal data
    reason: str  # for the person trying to make contact


def _days_text(days: list[int]) -> str:
    names = {
        1: _("Monday"),
        2: _("Tuesday"),
        3: _("Wednesday"),
        4: _("Thursday"),
        5: _("Friday"),
        6: _("Saturday"),
        7: _("Sunday"),
    }
    return ", ".join(str(names[day]) for day in sorted(days))


def contact_refusal(*, survivor: Survivor, channel: str, at: datetime, zone: ZoneInfo):
    """Why contacting `survivor` on `channel` at `at` is not allowed, or None when it is.

    A channel without safe-contact rules (in person, video) is not governed by them.
    """
    if channel not in SafeContact.Channel.values:
        return None
    label = SafeContact.Channel(channel).label
    rule = SafeContact.objects.filter(survivor=survivor, channel=channel).first()
    with timezone.override(zone):
        if rule is not None and rule.allows(at):
            return None
        moment = timezone.localtime(at)
    if rule is None:
        return Refusal(
            "no_rule",
            _(
                "%(channel)s is not marked safe for this survivor (no safe-contact rule "
                "for it): do not use it to contact them."
            )
            % {"channel": label},
        )
    if rule.is_safe is None:
        return Refusal(
            "not_asked",
            _(
                "Nobody has asked this survivor whether %(channel)s is safe: do not use it "
                "until someone asks."
            )
            % {"channel": label},
        )
    if not rule.is_safe:
        return Refusal(
            "unsafe",
            _("%(channel)s is marked unsafe for this survivor: do not use it to contact them.")
            % {"channel": label},
        )
    when = formats.date_format(moment, "DATETIME_FORMAT")
    if rule.allowed_days and moment.isoweekday() not in rule.allowed_days:
        return Refusal(
            "day",
            _(
                "%(channel)s is allowed only on %(days)s; %(when)s (%(zone)s) is not one "
                "of those days."
            )
            % {"channel": label, "days": _days_text(rule.allowed_days), "when": when, "zone": zone},
        )
    start = rule.allowed_from.strftime("%H:%M") if rule.allowed_from else "00:00"
    end = rule.allowed_until.strftime("%H:%M") if rule.allowed_until else "23:59"
    return Refusal(
        "hours",
        _(
            "%(channel)s is allowed only between %(start)s and %(end)s; %(when)s "
            "(%(zone)s) is outside those hours."
        )
        % {"channel": label, "start": start, "end": end, "when": when, "zone": zone},
    )


def _may_work_on(actor: Actor, survivor: Survivor) -> bool:
    """The actor sees this survivor, and their organization still knows them."""
    if actor.membership is None or survivor.status == Survivor.Status.ERASED:
        return False
    if not Survivor.objects.visible_to(actor.membership).filter(pk=survivor.pk).exists():
        return False
    return bool(knowing(organization_id=actor.organization_id, survivor=survivor).basis)


# Payload keys say "contact_channel": "channel" is the actor's (web, worker, command).


def contact_permitted(
    *, actor: Actor, survivor: Survivor, channel: str, at: datetime | None = None
) -> str:
    """ "" when the actor's organization may contact the survivor on `channel` at `at`
    (now by default), else the reason to show. A refusal is audited (its code only)."""
    if not _may_work_on(actor, survivor):
        audit_record_by(
            actor, "aftercare.access.denied", target=survivor, payload={"contact": channel}
        )
        return _(
            "You may not see this person's record (or your organization no longer works "
            "with them): they cannot be contacted from here."
        )
    refusal = contact_refusal(
        survivor=survivor,
        channel=channel,
        at=at or timezone.now(),
        zone=organization_zone(actor.organization),
    )
    if refusal is None:
        return ""
    audit_record_by(
        actor,
        "survivors.safe_contact.refused",
        target=survivor,
        payload={"contact_channel": channel, "rule": refusal.code},
    )
    return refusal.reason


def may_override(actor: Actor) -> bool:
    """Only a coordinator decides to contact someone against their safe-contact rules."""
    return actor.role == Role.COORDINATOR


def communication_log(
    *, actor: Actor, survivor: Survivor, data: dict, override_reason: str = ""
) -> Communication:
    """Log one contact. An outbound contact the safe-contact rules refuse is not logged,
    with the reason, unless a coordinator overrides with a reason of their own.

    Inbound contacts are always logged: the survivor chose the channel.
    """
    if not _may_work_on(actor, survivor):
        audit_record_by(actor, "aftercare.access.denied", target=survivor)
        raise PermissionDenied
    override_reason = (override_reason or "").strip()
    refusal = None
    if data["direction"] == Communication.Direction.OUTBOUND:
        refusal = contact_refusal(
            survivor=survivor,
            channel=data["channel"],
            at=data["occurred_at"],
            zone=organization_zone(actor.organization),
        )
    overriding = refusal is not None and override_reason and may_override(actor)
    with transaction.atomic():
        if refusal is not None and not overriding:
            audit_record_by(
                actor,
                "survivors.safe_contact.refused",
                target=survivor,
                payload={"contact_channel": data["channel"], "rule": refusal.code, "logging": True},
            )
        else:
            entry = Communication.objects.create(
                survivor=survivor,
                organization=actor.organization,
                kind=data["kind"],
                direction=data["direction"],
                channel=data["channel"],
                occurred_at=data["occurred_at"],
                staff=actor.user,
                interpreter_language=data.get("interpreter_language", ""),
                summary=data.get("summary", ""),
                override_reason=override_reason if overriding else "",
                overridden_by=actor.user if overriding else None,
            )
            audit_record_by(
                actor,
                "survivors.communication.logged",
                target=survivor,
                payload={
                    "communication": entry.pk,
                    "kind": entry.kind,
                    "direction": entry.direction,
                    "contact_channel": entry.channel,
                    "interpreter": bool(entry.interpreter_language),
                    "override": bool(overriding),
                },
            )
            if overriding:
                # The reason may name people or places: it stays encrypted on the entry,
                # and the trail says only that (and which rule) was overridden.
                audit_record_by(
                    actor,
                    "survivors.safe_contact.overridden",
                    target=survivor,
                    payload={
                        "communication": entry.pk,
                        "contact_channel": entry.channel,
                        "rule": refusal.code,
                    },
                )
            return entry
    # Refused: the refusal is in the trail, nothing else was saved.
    raise ValidationError(_override_hint(refusal.reason, actor, override_reason))


def _override_hint(reason: str, actor: Actor, override_reason: str) -> str:
    if not may_override(actor):
        return reason + " " + _("Only a coordinator may override this, with a reason.")
    if not override_reason:
        return reason + " " + _("To log it anyway, give the reason for the override.")
    return reason


def communications_for(
    *, actor: Actor, survivor: Survivor, limit: int = LOG_LIMIT
) -> list[Communication]:
    """The acting organization's own log of this survivor, newest first: empty for anyone
    who may not see the survivor. Other organizations' entries are never included."""
    if actor.membership is None:
        return []
    return list(
        Communication.objects.visible_to(actor.membership)
        .filter(survivor=survivor)
        .select_related("staff", "overridden_by")[:limit]
    )
