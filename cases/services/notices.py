"""Recording an agency notice: its response deadline and the matter's stage follow.

An RFE or a NOID gets its response deadline from the organization's rule pack (the
mailbox rule when it came by mail, weekends and court holidays rolled), unconfirmed
until an attorney checks the derivation. The matter's stage moves only forward and
only along its path; when it cannot, the outcome says why, and the stage stays.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.actor import Actor
from aftercare.audit import audit_record_by
from cases.kinds import STAGE_PATHS, Kind, Stage, allowed_stages
from cases.models import AgencyNotice, Deadline, DeadlineRule, Matter
from cases.services.deadlines import deadline_add_computed, deadline_rules_install
from cases.services.matters import matter_stage_move

# The rule each notice that asks for an answer counts its deadline by.
RESPONSE_RULE = {
    AgencyNotice.Kind.RFE: "rfe-response",
    AgencyNotice.Kind.NOID: "noid-response",
}

# Where a notice puts the matter on the immigration path.
STAGE_AFTER = {
    AgencyNotice.Kind.RECEIPT: Stage.FILED,
    AgencyNotice.Kind.RFE: Stage.RFE,
    AgencyNotice.Kind.NOID: Stage.RFE,
    AgencyNotice.Kind.INTERVIEW: Stage.INTERVIEW,
    AgencyNotice.Kind.APPROVAL: Stage.DECIDED,
    AgencyNotice.Kind.DENIAL: Stage.DECIDED,
}


@dataclass
class NoticeRecorded:
    """What recording a notice did, for the person who entered it."""

    notice: AgencyNotice
    deadline: Deadline | None = None
    stage_moved_to: str = ""
    # Each thing that did not follow, and why: shown to the person, never swallowed.
    left_undone: list[str] = field(default_factory=list)


def _stage_target(matter: Matter, kind: str) -> tuple[str, str]:
    """The stage the notice moves the matter to, or "" and why it stays."""
    target = STAGE_AFTER.get(kind)
    if target is None or matter.stage == target:
        return "", ""
    path = STAGE_PATHS[matter.kind]
    label = {"now": Stage(matter.stage).label, "to": Stage(target).label}
    behind = matter.stage in path and path.index(target) < path.index(matter.stage)
    if behind:
        # A notice never moves a matter back on its own: an RFE after the interview
        # may well be the next step, but the team decides, with the stage form.
        return "", str(
            _(
                "The stage stays “%(now)s”: this notice would move the matter back to "
                "“%(to)s”. Change the stage by hand if it should."
            )
            % label
        )
    if target not in allowed_stages(matter.kind, matter.stage):
        return "", str(
            _(
                "The stage stays “%(now)s”: “%(to)s” is not the next step from there. "
                "Move the matter along its stages by hand."
            )
            % label
        )
    return target, ""


def _response_rule(*, actor: Actor, matter: Matter, kind: str) -> tuple[DeadlineRule | None, str]:
    """The organization's rule for the notice's response, installing the shipped pack when
    the organization does not have it yet (an older organization); "" or why there is none."""
    code = RESPONSE_RULE[kind]
    rule = DeadlineRule.objects.filter(organization_id=matter.organization_id, code=code).first()
    if rule is None:
        installed = deadline_rules_install(organization=matter.organization)
        audit_record_by(
            actor,
            "cases.deadline_rules.installed",
            target=matter.organization,
            payload={"rules": installed, "for": code},
        )
        rule = DeadlineRule.objects.get(organization_id=matter.organization_id, code=code)
    if not rule.is_active:
        return None, str(
            _(
                "No response deadline was computed: your organization turned off the rule "
                "“%(rule)s”. Add the deadline by hand, or ask an administrator to turn the "
                "rule back on."
            )
            % {"rule": rule.label}
        )
    return rule, ""


def notice_record(
    *,
    actor: Actor,
    matter: Matter,
    kind: str,
    notice_date,
    came_by_mail: bool = False,
    receipt_number: str = "",
) -> NoticeRecorded:
    """Log a notice on an immigration matter; an RFE or NOID brings its computed response
    deadline, and the stage follows where its path allows. All of it commits together
    with its audit events, or none of it."""
    if matter.kind != Kind.IMMIGRATION:
        raise ValidationError(_("Agency notices are kept for immigration matters only."))
    if not matter.is_open:
        raise ValidationError(_("This matter is closed."))
    if kind not in AgencyNotice.Kind.values:
        raise ValidationError({"kind": _("Choose the kind of notice.")})
    if notice_date > timezone.localdate():
        raise ValidationError({"notice_date": _("A notice cannot be dated in the future.")})
    with transaction.atomic():
        # One notice at a time per matter: two people entering notices at once must not
        # both read the old stage.
        matter = Matter.objects.select_for_update().get(pk=matter.pk)
        notice = AgencyNotice.objects.create(
            matter=matter,
            kind=kind,
            notice_date=notice_date,
            came_by_mail=came_by_mail,
            receipt_number=receipt_number.strip(),
            recorded_by=actor.user,
        )
        outcome = NoticeRecorded(notice=notice)
        if kind in RESPONSE_RULE:
            rule, why_not = _response_rule(actor=actor, matter=matter, kind=kind)
            if rule is None:
                outcome.left_undone.append(why_not)
            else:
                outcome.deadline = deadline_add_computed(
                    actor=actor,
                    matter=matter,
                    rule=rule,
                    trigger_date=notice_date,
                    mailed=came_by_mail,
                )
                notice.deadline = outcome.deadline
                notice.save(update_fields=["deadline"])
        target, why_not = _stage_target(matter, kind)
        if target:
            matter_stage_move(actor=actor, matter=matter, stage=target)
            outcome.stage_moved_to = target
        elif why_not:
            outcome.left_undone.append(why_not)
        audit_record_by(
            actor,
            "cases.notice.recorded",
            target=matter,
            payload={
                "notice": notice.pk,
                "kind": kind,
                "mailed": came_by_mail,
                "deadline": notice.deadline_id,
                "stage": outcome.stage_moved_to,
            },
        )
    return outcome
