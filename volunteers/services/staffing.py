"""Staffing matters: opportunities, interest with a no-conflict confirmation, assignment
(which grants the matter and its client), unassignment and pauses (which revoke them)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.actor import Actor
from aftercare.audit import audit_record_by
from aftercare.models import Membership, Notification, Organization, Role
from cases.kinds import Kind
from cases.models import Matter
from cases.services.matters import team_member_add, team_member_remove
from survivors.models.record import TraffickingKind
from volunteers.matching import ClientForStaffing, client_for_staffing, volunteers_for
from volunteers.models import Assignment, Interest, Opportunity, VolunteerProfile

TRAUMA_HEAVY_KINDS = {Kind.PROTECTIVE_ORDER, Kind.VICTIM_RIGHTS}
TRAUMA_HEAVY_TRAFFICKING = {TraffickingKind.SEX, TraffickingKind.CHILD}


def is_trauma_heavy(matter: Matter, client: ClientForStaffing) -> bool:
    """Matters where volunteers hear the worst: a child client, sexual exploitation, or
    work that relives the abuse in court (protective orders, prosecutions). A client
    whose age is not shared counts as a child."""
    return bool(
        client.minor_or_unknown
        or matter.kind in TRAUMA_HEAVY_KINDS
        or TRAUMA_HEAVY_TRAFFICKING & client.trafficking_kinds
    )


def coordinators_notify(*, organization_id: int, message: str, link: str) -> None:
    coordinators = Membership.objects.people().filter(
        organization_id=organization_id, role=Role.COORDINATOR
    )
    Notification.objects.bulk_create(
        Notification(
            recipient_id=m.user_id, organization_id=organization_id, message=message, link=link
        )
        for m in coordinators
    )


def opportunity_post(
    *, actor: Actor, matter: Matter, role: str, language: str, description: str
) -> Opportunity:
    if not matter.is_open:
        raise ValidationError(_("This matter is closed."))
    already = ValidationError(_("An opportunity for this role is already open."))
    if Opportunity.objects.open().filter(matter=matter, role=role).exists():
        raise already
    with transaction.atomic():
        try:
            with transaction.atomic():
                opportunity = Opportunity.objects.create(
                    organization_id=matter.organization_id,
                    matter=matter,
                    role=role,
                    language=language.strip(),
                    description=description.strip(),
                    posted_by=actor.user,
                )
        except IntegrityError as error:  # posted twice at the same moment
            raise already from error
        audit_record_by(
            actor, "volunteers.opportunity.posted", target=opportunity, payload={"role": role}
        )
    return opportunity


def opportunity_close(*, actor: Actor, opportunity: Opportunity) -> None:
    with transaction.atomic():
        closed = Opportunity.objects.filter(pk=opportunity.pk, closed_at__isnull=True).update(
            closed_at=timezone.now()
        )
        if not closed:
            return
        opportunity.refresh_from_db(fields=["closed_at"])
        audit_record_by(actor, "volunteers.opportunity.closed", target=opportunity)


def interest_express(*, actor: Actor, opportunity: Opportunity) -> Interest:
    if not opportunity.is_open:
        raise ValidationError(_("This opportunity is no longer open."))
    with transaction.atomic():
        interest, created = Interest.objects.get_or_create(opportunity=opportunity, user=actor.user)
        if interest.conflict_found:
            # A conflict the volunteer found is a fact about them and this matter; it does
            # not go away by asking again.
            raise ValidationError(_("You reported a conflict with this matter."))
        if not created and interest.withdrawn_at:
            interest.withdrawn_at, interest.no_conflict_confirmed_at = None, None
            interest.save(update_fields=["withdrawn_at", "no_conflict_confirmed_at"])
        audit_record_by(actor, "volunteers.interest.expressed", target=opportunity)
    return interest


def interest_confirm_no_conflict(*, actor: Actor, interest: Interest) -> None:
    """The volunteer states they have no conflict; only then are details shown to them."""
    if interest.user_id != actor.user_id or interest.withdrawn_at:
        raise PermissionDenied
    if interest.no_conflict_confirmed_at is not None:
        return
    with transaction.atomic():
        interest.no_conflict_confirmed_at = timezone.now()
        interest.save(update_fields=["no_conflict_confirmed_at"])
        audit_record_by(
            actor, "volunteers.interest.no_conflict_confirmed", target=interest.opportunity
        )
        coordinators_notify(
            organization_id=interest.opportunity.organization_id,
            message=_("A volunteer is interested in helping on %(number)s.")
            % {"number": interest.opportunity.matter.number},
            link=reverse("volunteers:staff", args=[interest.opportunity.matter_id]),
        )


def interest_withdraw(*, actor: Actor, interest: Interest, conflict: bool) -> None:
    if interest.user_id != actor.user_id:
        raise PermissionDenied
    with transaction.atomic():
        interest.withdrawn_at, interest.conflict_found = timezone.now(), conflict
        interest.save(update_fields=["withdrawn_at", "conflict_found"])
        audit_record_by(
            actor,
            "volunteers.interest.withdrawn",
            target=interest.opportunity,
            payload={"conflict": conflict},
        )


def opportunity_details_read(*, actor: Actor, interest: Interest) -> dict:
    """What a volunteer sees after confirming no conflict: the work described and the
    adverse parties (to run their own firm's conflict check). Never the client."""
    if not interest.confirmed or interest.user_id != actor.user_id:
        raise PermissionDenied
    matter = interest.opportunity.matter
    audit_record_by(actor, "volunteers.opportunity.details_viewed", target=interest.opportunity)
    return {
        "description": interest.opportunity.description,
        "adverse_parties": [p for p in matter.parties.all() if p.is_adverse],
        "next_deadline": matter.deadlines.filter(status="open").order_by("due_date").first(),
    }


def volunteer_assign(*, actor: Actor, matter: Matter, user) -> Assignment:
    """Put an eligible volunteer on the matter's team: the grants come with the assignment.

    The volunteer's profile row is locked while eligibility is decided again, so two
    coordinators cannot push one person past their capacity at the same moment.
    """
    if not matter.is_open:
        raise ValidationError(_("This matter is closed."))
    with transaction.atomic():
        VolunteerProfile.objects.select_for_update().filter(user=user).first()
        client = client_for_staffing(actor=actor, matter=matter)
        ranked = volunteers_for(matter, client=client)
        match = next((m for m in ranked if m.profile.user_id == user.pk), None)
        if match is None:
            raise ValidationError(_("This person is not a volunteer of this organization."))
        if not match.eligible:
            raise ValidationError(match.reasons_against)
        if Assignment.objects.active().filter(matter=matter, user=user).exists():
            raise ValidationError(_("This volunteer is already on the matter."))
        now = timezone.now()
        heavy = is_trauma_heavy(matter, client)
        assignment = Assignment.objects.create(
            organization_id=matter.organization_id,
            matter=matter,
            user=user,
            assigned_by=actor.user,
            assigned_at=now,
            trauma_heavy=heavy,
            debrief_due_at=now + timedelta(days=settings.VOLUNTEER_DEBRIEF_AFTER_DAYS)
            if heavy
            else None,
        )
        team_member_add(actor=actor, matter=matter, user=user, audit=False)
        Opportunity.objects.open().filter(matter=matter, role=_role_of(match.profile)).update(
            closed_at=now
        )
        Notification.objects.create(
            recipient=user,
            organization_id=matter.organization_id,
            message=_("You were assigned to %(number)s.") % {"number": matter.number},
            link=reverse("cases:detail", args=[matter.pk]),
        )
        audit_record_by(
            actor, "volunteers.assignment.created", target=matter, payload={"user": user.pk}
        )
    return assignment


def _role_of(profile: VolunteerProfile) -> str:
    return Role.ATTORNEY if profile.kind == VolunteerProfile.Kind.ATTORNEY else Role.PARALEGAL


def _end(actor: Actor, assignment: Assignment, reason: str) -> None:
    assignment.ended_at, assignment.ended_by = timezone.now(), actor.user
    assignment.end_reason = reason
    assignment.save(update_fields=["ended_at", "ended_by", "end_reason"])
    team_member_remove(actor=actor, matter=assignment.matter, user=assignment.user)


def volunteer_unassign(*, actor: Actor, assignment: Assignment) -> None:
    """Take the volunteer off the matter: every grant goes, effective on their next request."""
    with transaction.atomic():
        locked = (
            Assignment.objects.select_for_update()
            .select_related("matter", "user")
            .get(pk=assignment.pk)
        )
        if not locked.is_active:
            return
        _end(actor, locked, Assignment.EndReason.UNASSIGNED)
        Notification.objects.create(
            recipient=locked.user,
            organization_id=locked.organization_id,
            message=_("You are no longer on %(number)s. Thank you for your work.")
            % {"number": locked.matter.number},
        )
        audit_record_by(
            actor,
            "volunteers.assignment.ended",
            target=locked.matter,
            payload={"user": locked.user_id, "reason": Assignment.EndReason.UNASSIGNED},
        )


def volunteer_pause(*, actor: Actor, profile: VolunteerProfile, until: date) -> int:
    """Step back until a date: every active assignment ends now and coordinators are asked
    to restaff. Returns how many matters were handed back.

    A profile is the person's, shared by every organization they volunteer for, so the
    pause reaches all of them; but each organization's trail records only its own
    matters, written as the volunteer acting for that organization. The organization
    the pause came from never learns how many matters another one had.
    """
    if until < timezone.localdate():
        raise ValidationError({"until": _("Choose a date from today on.")})
    with transaction.atomic():
        profile.paused_until = until
        profile.save(update_fields=["paused_until"])
        assignments = list(
            Assignment.objects.active()
            .filter(user_id=profile.user_id)
            .select_related("matter", "user")
            .select_for_update(of=("self",))
        )
        # Any matter still granted (however it was given) goes too: a pause means no access.
        others = list(
            Matter.objects.filter(
                user_grants__user_id=profile.user_id,
                user_grants__permission__codename="view_matter",
            )
            .exclude(pk__in=[a.matter_id for a in assignments])
            .select_related("client")
            .distinct()
        )
        by_organization: dict[int, list[Matter]] = {}
        for matter in [a.matter for a in assignments] + others:
            by_organization.setdefault(matter.organization_id, []).append(matter)
        acting_for = {
            organization_id: _acting_for(actor, organization_id)
            for organization_id in by_organization.keys() | {actor.organization_id} - {None}
        }
        for assignment in assignments:
            _end(
                acting_for[assignment.matter.organization_id],
                assignment,
                Assignment.EndReason.PAUSED,
            )
        for matter in others:
            team_member_remove(
                actor=acting_for[matter.organization_id], matter=matter, user=profile.user
            )
        for organization_id, acting in acting_for.items():
            matters = by_organization.get(organization_id, [])
            for matter in matters:
                coordinators_notify(
                    organization_id=organization_id,
                    message=_("%(number)s needs a new volunteer: the assigned volunteer paused.")
                    % {"number": matter.number},
                    link=reverse("volunteers:staff", args=[matter.pk]),
                )
            audit_record_by(
                acting,
                "volunteers.profile.paused",
                target=profile,
                payload={"until": until.isoformat(), "matters": len(matters)},
                organization=acting.organization or Organization.objects.get(pk=organization_id),
            )
    return sum(len(matters) for matters in by_organization.values())


def _acting_for(actor: Actor, organization_id: int) -> Actor:
    """The same person, acting for another organization they belong to."""
    if organization_id == actor.organization_id:
        return actor
    membership = (
        Membership.objects.active()
        .select_related("organization", "user")
        .filter(user=actor.user, organization_id=organization_id)
        .first()
    )
    return replace(actor, membership=membership)


def volunteer_resume(*, actor: Actor, profile: VolunteerProfile) -> None:
    with transaction.atomic():
        profile.paused_until = None
        profile.save(update_fields=["paused_until"])
        audit_record_by(actor, "volunteers.profile.resumed", target=profile)


def assignments_end_on_team_removal(*, matter: Matter, user, actor: Actor) -> None:
    """Someone left the team another way (the matter page, a membership ending): the
    assignment that put them there ends too, so the record matches the grants."""
    reason = (
        Assignment.EndReason.MEMBERSHIP_ENDED
        if not Membership.objects.active()
        .filter(user=user, organization_id=matter.organization_id)
        .exists()
        else Assignment.EndReason.REMOVED_FROM_TEAM
    )
    Assignment.objects.active().filter(matter=matter, user=user).update(
        ended_at=timezone.now(), ended_by=actor.user, end_reason=reason
    )


def team_join_refuse_volunteers(*, matter: Matter, user) -> None:
    """A volunteer joins a matter only by assignment, where eligibility, capacity and a
    pause are checked; the matter page's staff form is for staff."""
    if VolunteerProfile.objects.filter(user=user).exists():
        raise ValidationError(
            _(
                "%(name)s is a volunteer: assign them from “Find and assign volunteers”, "
                "where eligibility and capacity are checked."
            )
            % {"name": user.full_name or user.email}
        )
