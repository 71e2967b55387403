"""Every volunteers service takes an actor: its change and its audit event commit together.

(a) When the audit write fails, the change is rolled back: the database is as before.
(b) From a task (an actor on the worker channel, no request anywhere) the change is
    written with an event that says "worker".
"""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.core import mail
from django.utils import timezone

from aftercare.invitations import invitation_token_hash
from aftercare.models import AuditEvent, Role
from tests.actors import actor_of
from tests.cases.test_services_take_an_actor import (
    Case,
    run_from_a_task,
    run_rolled_back_when_audit_fails,
)
from tests.factories import make_matter, make_survivor, make_volunteer
from volunteers.models import BarAdmission, Credential, Interest, Invitation, Opportunity
from volunteers.services import onboarding, staffing, wellbeing

TOKEN = "a-synthetic-invitation-token"


@pytest.fixture
def world(harbor, coordinator, attorney):
    volunteer = make_volunteer(harbor, languages=[{"language": "Spanish", "proficiency": "fluent"}])
    client = make_survivor(harbor, legal_name="Paloma Quietname", languages="Spanish (native)")
    matter = make_matter(harbor, lead=attorney.user, client=client, sub_kind="t_visa")
    return SimpleNamespace(
        harbor=harbor,
        coordinator=coordinator,
        attorney=attorney,
        volunteer=volunteer,
        profile=volunteer.user.volunteer_profile,
        matter=matter,
    )


def _invitation(world, email="new.volunteer@example.org") -> Invitation:
    return Invitation.objects.create(
        organization=world.harbor,
        email=email,
        role=Role.ATTORNEY,
        token_hash=invitation_token_hash(TOKEN),
        invited_by=world.coordinator.user,
        expires_at=timezone.now() + timedelta(days=3),
    )


def _prepare_invitation(world) -> None:
    world.invitation = _invitation(world)


def _prepare_admission(world) -> None:
    world.admission = BarAdmission.objects.create(
        profile=world.profile, jurisdiction="NY", number="1234567"
    )


def _prepare_unverified_credential(world) -> None:
    world.credential = Credential.objects.create(
        profile=world.profile,
        organization=world.harbor,
        kind=Credential.Kind.TRAFFICKING_LAW,
        completed_on=date(2025, 6, 1),
    )


def _prepare_opportunity(world) -> None:
    world.opportunity = Opportunity.objects.create(
        organization=world.harbor,
        matter=world.matter,
        role=Role.ATTORNEY,
        description="Help with a T visa",
        posted_by=world.coordinator.user,
    )


def _prepare_interest(world) -> None:
    _prepare_opportunity(world)
    world.interest = Interest.objects.create(
        opportunity=world.opportunity, user=world.volunteer.user
    )


def _prepare_confirmed_interest(world) -> None:
    _prepare_interest(world)
    world.interest.no_conflict_confirmed_at = timezone.now()
    world.interest.save()


def _prepare_assignment(world) -> None:
    world.assignment = staffing.volunteer_assign(
        actor=actor_of(world.coordinator), matter=world.matter, user=world.volunteer.user
    )


def _prepare_paused(world) -> None:
    world.profile.paused_until = timezone.localdate() + timedelta(days=5)
    world.profile.save()


CASES = {
    "invitation_send": Case(
        "coordinator",
        "volunteers.invitation.sent",
        lambda w, a: onboarding.invitation_send(
            actor=a, email="new.volunteer@example.org", role=Role.ATTORNEY
        ),
    ),
    "invitation_withdraw": Case(
        "coordinator",
        "volunteers.invitation.withdrawn",
        lambda w, a: onboarding.invitation_withdraw(actor=a, invitation=w.invitation),
        _prepare_invitation,
    ),
    "invitation_accept": Case(
        None,
        "volunteers.invitation.accepted",
        lambda w, a: onboarding.invitation_accept(
            actor=a,
            invitation=w.invitation,
            full_name="Nova Joiner",
            password="a long synthetic passphrase 42",
        ),
        _prepare_invitation,
    ),
    "profile_update": Case(
        "volunteer",
        "volunteers.profile.changed",
        lambda w, a: onboarding.profile_update(
            actor=a, profile=w.profile, data={"firm": "Example Pro Bono LLP"}
        ),
    ),
    "admission_add": Case(
        "volunteer",
        "volunteers.admission.added",
        lambda w, a: onboarding.admission_add(
            actor=a, profile=w.profile, jurisdiction="nj", number="7654321", status="active"
        ),
    ),
    "admission_remove": Case(
        "volunteer",
        "volunteers.admission.removed",
        lambda w, a: onboarding.admission_remove(actor=a, admission=w.admission),
        _prepare_admission,
    ),
    "credential_add": Case(
        "coordinator",
        "volunteers.credential.added",
        lambda w, a: onboarding.credential_add(
            actor=a,
            profile=w.profile,
            data={"kind": Credential.Kind.TRAFFICKING_LAW, "completed_on": date(2025, 6, 1)},
        ),
    ),
    "credential_verify": Case(
        "coordinator",
        "volunteers.credential.verified",
        lambda w, a: onboarding.credential_verify(actor=a, credential=w.credential),
        _prepare_unverified_credential,
    ),
    "credential_remove": Case(
        "coordinator",
        "volunteers.credential.removed",
        lambda w, a: onboarding.credential_remove(actor=a, credential=w.credential),
        _prepare_unverified_credential,
    ),
    "training_add": Case(
        "coordinator",
        "volunteers.training.added",
        lambda w, a: onboarding.training_add(
            actor=a,
            data={
                "name": "Working with interpreters",
                "valid_for_months": None,
                "required_for_every_matter": False,
            },
        ),
    ),
    "opportunity_post": Case(
        "coordinator",
        "volunteers.opportunity.posted",
        lambda w, a: staffing.opportunity_post(
            actor=a, matter=w.matter, role=Role.ATTORNEY, language="Spanish", description="Help"
        ),
    ),
    "opportunity_close": Case(
        "coordinator",
        "volunteers.opportunity.closed",
        lambda w, a: staffing.opportunity_close(actor=a, opportunity=w.opportunity),
        _prepare_opportunity,
    ),
    "interest_express": Case(
        "volunteer",
        "volunteers.interest.expressed",
        lambda w, a: staffing.interest_express(actor=a, opportunity=w.opportunity),
        _prepare_opportunity,
    ),
    "interest_confirm_no_conflict": Case(
        "volunteer",
        "volunteers.interest.no_conflict_confirmed",
        lambda w, a: staffing.interest_confirm_no_conflict(actor=a, interest=w.interest),
        _prepare_interest,
    ),
    "interest_withdraw": Case(
        "volunteer",
        "volunteers.interest.withdrawn",
        lambda w, a: staffing.interest_withdraw(actor=a, interest=w.interest, conflict=True),
        _prepare_confirmed_interest,
    ),
    "volunteer_assign": Case(
        "coordinator",
        "volunteers.assignment.created",
        lambda w, a: staffing.volunteer_assign(actor=a, matter=w.matter, user=w.volunteer.user),
    ),
    "volunteer_unassign": Case(
        "coordinator",
        "volunteers.assignment.ended",
        lambda w, a: staffing.volunteer_unassign(actor=a, assignment=w.assignment),
        _prepare_assignment,
    ),
    "volunteer_pause": Case(
        "volunteer",
        "volunteers.profile.paused",
        lambda w, a: staffing.volunteer_pause(
            actor=a, profile=w.profile, until=timezone.localdate() + timedelta(days=30)
        ),
        _prepare_assignment,
    ),
    "volunteer_resume": Case(
        "volunteer",
        "volunteers.profile.resumed",
        lambda w, a: staffing.volunteer_resume(actor=a, profile=w.profile),
        _prepare_paused,
    ),
    "checkin_record": Case(
        "volunteer",
        "volunteers.checkin.conversation_requested",
        lambda w, a: wellbeing.checkin_record(
            actor=a, feeling=2, note="A hard week", wants_conversation=True
        ),
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_a_failed_audit_write_leaves_the_database_as_it_was(world, name, monkeypatch):
    run_rolled_back_when_audit_fails(world, CASES[name], monkeypatch)


@pytest.mark.parametrize("name", CASES)
def test_from_a_task_the_change_is_written_with_an_event_that_says_worker(world, name):
    run_from_a_task(world, CASES[name])


def test_a_failed_audit_write_sends_no_invitation_email(world, monkeypatch):
    run_rolled_back_when_audit_fails(world, CASES["invitation_send"], monkeypatch)
    assert mail.outbox == []


def test_joining_is_recorded_as_the_new_members_act_in_the_organization_they_joined(world):
    _prepare_invitation(world)
    anonymous = actor_of(world.coordinator).__class__(user=None, membership=None)
    user = onboarding.invitation_accept(
        actor=anonymous,
        invitation=world.invitation,
        full_name="Nova Joiner",
        password="a long synthetic passphrase 42",
    )
    event = AuditEvent.objects.get(action="volunteers.invitation.accepted")
    assert (event.actor_id, event.organization_id) == (user.pk, world.harbor.pk)


def test_a_team_removal_ends_the_assignment_as_the_person_who_removed_them(world):
    """The signal carries the actor: the assignment records who ended it."""
    from cases.services.matters import team_member_remove

    _prepare_assignment(world)
    team_member_remove(
        actor=actor_of(world.coordinator), matter=world.matter, user=world.volunteer.user
    )
    world.assignment.refresh_from_db()
    assert world.assignment.ended_by_id == world.coordinator.user_id
    assert world.assignment.end_reason == "removed_from_team"
