"""Every cases service takes an actor: its change and its audit event commit together.

(a) When the audit write fails, the change is rolled back: the database is as before.
(b) From a task (an actor in the organization on the worker channel, no request
    anywhere) the change is written with an event that says "worker".
(c) Adding a party writes one event, without the party's name, aliases or birth date.
(d) The deadline-rules page writes nothing on a GET.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aftercare.actor import Actor, Channel
from aftercare.models import AuditEvent, Role
from aftercare.services import membership_update
from cases.kinds import allowed_stages
from cases.models import ConflictCheck, Deadline, DeadlineRule, Matter
from cases.services.calendar_feed import calendar_feed_issue, calendar_feed_revoke
from cases.services.conflicts import conflict_check_decide, conflict_check_run
from cases.services.matters import (
    matter_close,
    matter_open,
    matter_stage_move,
    party_add,
    party_add_checked,
    team_member_add,
    team_member_join,
    team_member_leave_organization,
    team_member_remove,
)
from cases.services.organization_setup import (
    deadline_rule_change,
    deadline_rules_adopt,
    jurisdiction_add,
)
from cases.services.reminders import reminder_policy_save
from cases.services.work import note_add, time_log
from tests.actors import actor_of
from tests.conftest import sign_in
from tests.database_state import AuditWriteError, audit_writes_fail, database_state
from tests.factories import make_matter, make_survivor


def world_state() -> dict:
    """Every row of every table, and the mail sent: 'the world as it is'."""
    return {**database_state(), "mail": len(mail.outbox)}


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(label for label in before if before[label] != after[label])


@dataclass(frozen=True)
class Case:
    """A service call: who makes it (a persona of `world`) and the event it must write."""

    persona: str | None
    action: str
    call: object  # (world, actor) -> None; world-specific setup happens in `prepare`
    prepare: object = None  # (world) -> None, run before the state is taken


def actor_for(world, persona: str | None, channel: str) -> Actor:
    if persona is None:  # someone not signed in (joining by invitation)
        return Actor(user=None, membership=None, channel=channel)
    membership = getattr(world, persona)
    if channel == Channel.WEB:
        return actor_of(membership)
    # As a Celery task builds it: ids in, the membership looked up now.
    return Actor.in_organization(
        user=membership.user, organization_id=membership.organization_id, channel=channel
    )


def run_rolled_back_when_audit_fails(world, case: Case, monkeypatch) -> None:
    if case.prepare:
        case.prepare(world)
    actor = actor_for(world, case.persona, Channel.WEB)
    before = world_state()
    audit_writes_fail(monkeypatch)
    with pytest.raises(AuditWriteError):
        case.call(world, actor)
    assert changed_tables(before, world_state()) == []


def run_from_a_task(world, case: Case) -> None:
    if case.prepare:
        case.prepare(world)
    actor = actor_for(world, case.persona, Channel.WORKER)
    before = world_state()
    last_event = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    case.call(world, actor)
    changed = changed_tables(before, world_state())
    assert [t for t in changed if t not in ("aftercare.auditevent", "aftercare.auditchainhead")]
    events = list(AuditEvent.objects.filter(id__gt=last_event))
    assert case.action in [e.action for e in events]
    assert all(e.payload.get("channel") == "worker" for e in events), [
        (e.action, e.payload) for e in events
    ]


@pytest.fixture
def world(harbor, coordinator, attorney, paralegal, org_admin):
    client = make_survivor(harbor, legal_name="Marisol Testclient")
    matter = make_matter(harbor, lead=attorney.user, client=client)
    return SimpleNamespace(
        harbor=harbor,
        coordinator=coordinator,
        attorney=attorney,
        paralegal=paralegal,
        org_admin=org_admin,
        matter=matter,
    )


def _undecided_check(world) -> ConflictCheck:
    return ConflictCheck.objects.create(
        organization=world.harbor,
        client=make_survivor(world.harbor, legal_name="Teodora Newclient"),
        requested_by=world.coordinator.user,
    )


def _prepare_cleared_check(world) -> None:
    check = _undecided_check(world)
    check.decision, check.decided_at = ConflictCheck.Decision.CLEARED, timezone.now()
    check.decided_by = world.coordinator.user
    check.save()
    world.check = check


def _prepare_undecided_check(world) -> None:
    world.check = _undecided_check(world)


def _prepare_feed(world) -> None:
    calendar_feed_issue(actor=actor_of(world.attorney))


def _prepare_missing_rule(world) -> None:
    DeadlineRule.objects.filter(organization=world.harbor, code="rfe-response").delete()


def _next_stage(matter: Matter) -> str:
    return allowed_stages(matter.kind, matter.stage)[0]


def _an_outcome() -> str:
    return Matter._meta.get_field("outcome").choices[0][0]


CASES = {
    "party_add": Case(
        "attorney",
        "cases.party.added",
        lambda w, a: party_add(
            actor=a, matter=w.matter, role="trafficker", name="Quentin Adverse", aliases=["Q."]
        ),
    ),
    "party_add_checked": Case(
        "attorney",
        "cases.party.added",
        lambda w, a: party_add_checked(
            actor=a, matter=w.matter, party={"role": "trafficker", "name": "Quentin Adverse"}
        ),
    ),
    "matter_open": Case(
        "coordinator",
        "cases.matter.opened",
        lambda w, a: matter_open(
            actor=a, check=w.check, sub_kind="t_visa", lead_attorney=w.attorney.user
        ),
        _prepare_cleared_check,
    ),
    "team_member_add": Case(
        "coordinator",
        "cases.matter.team_added",
        lambda w, a: team_member_add(actor=a, matter=w.matter, user=w.paralegal.user),
    ),
    "team_member_join": Case(
        "coordinator",
        "cases.matter.team_added",
        lambda w, a: team_member_join(actor=a, matter=w.matter, user=w.paralegal.user),
    ),
    "team_member_remove": Case(
        "coordinator",
        "cases.matter.team_removed",
        lambda w, a: team_member_remove(actor=a, matter=w.matter, user=w.attorney.user),
    ),
    "team_member_leave_organization": Case(
        "org_admin",
        "cases.matter.team_removed",
        lambda w, a: team_member_leave_organization(actor=a, membership=w.attorney),
    ),
    "membership_update": Case(
        "org_admin",
        "aftercare.membership.changed",
        lambda w, a: membership_update(
            actor=a, membership=w.attorney, role=Role.ATTORNEY, is_active=False
        ),
    ),
    "matter_stage_move": Case(
        "attorney",
        "cases.matter.stage_changed",
        lambda w, a: matter_stage_move(actor=a, matter=w.matter, stage=_next_stage(w.matter)),
    ),
    "matter_close": Case(
        "attorney",
        "cases.matter.closed",
        lambda w, a: matter_close(actor=a, matter=w.matter, outcome=_an_outcome(), reason="Done"),
    ),
    "note_add": Case(
        "attorney",
        "cases.note.added",
        lambda w, a: note_add(actor=a, matter=w.matter, body="A privileged note"),
    ),
    "time_log": Case(
        "attorney",
        "cases.time.logged",
        lambda w, a: time_log(
            actor=a, matter=w.matter, date=date(2026, 3, 2), minutes=30, activity="research"
        ),
    ),
    "conflict_check_run": Case(
        "coordinator",
        "cases.conflict_check.run",
        lambda w, a: conflict_check_run(
            actor=a, client=w.matter.client, parties=[{"role": "trafficker", "name": "Ivo Hitch"}]
        ),
    ),
    "conflict_check_decide": Case(
        "coordinator",
        "cases.conflict_check.decided",
        lambda w, a: conflict_check_decide(actor=a, check=w.check, decision="cleared"),
        _prepare_undecided_check,
    ),
    "calendar_feed_issue": Case(
        "attorney", "cases.calendar_feed.issued", lambda w, a: calendar_feed_issue(actor=a)
    ),
    "calendar_feed_revoke": Case(
        "attorney",
        "cases.calendar_feed.revoked",
        lambda w, a: calendar_feed_revoke(actor=a),
        _prepare_feed,
    ),
    "reminder_policy_save": Case(
        "org_admin",
        "cases.reminder_policy.changed",
        lambda w, a: reminder_policy_save(actor=a, days_by_kind={Deadline.Kind.values[0]: [10, 1]}),
    ),
    "deadline_rules_adopt": Case(
        "org_admin",
        "cases.deadline_rules.installed",
        lambda w, a: deadline_rules_adopt(actor=a),
        _prepare_missing_rule,
    ),
    "deadline_rule_change": Case(
        "org_admin",
        "cases.deadline_rule.changed",
        lambda w, a: deadline_rule_change(
            actor=a,
            rule=DeadlineRule.objects.get(organization=w.harbor, code="rfe-response"),
            data={"name": "RFE response (our count)"},
        ),
    ),
    "jurisdiction_add": Case(
        "org_admin",
        "cases.jurisdiction.added",
        lambda w, a: jurisdiction_add(
            actor=a,
            data={
                "name": "Test County Court",
                "type": "court",
                "holiday_country": "US",
                "holiday_subdivision": "NY",
            },
        ),
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_a_failed_audit_write_leaves_the_database_as_it_was(world, name, monkeypatch):
    run_rolled_back_when_audit_fails(world, CASES[name], monkeypatch)


@pytest.mark.parametrize("name", CASES)
def test_from_a_task_the_change_is_written_with_an_event_that_says_worker(world, name):
    run_from_a_task(world, CASES[name])


def test_adding_a_party_writes_one_event_without_who_the_party_is(world):
    before = AuditEvent.objects.count()
    party = party_add(
        actor=actor_of(world.attorney),
        matter=world.matter,
        role="trafficker",
        name="Quentin Adverse",
        aliases=["Quinto Malvado"],
        date_of_birth=date(1971, 4, 23),
        description="Runs the farm crew",
    )
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.get(action="cases.party.added")
    assert (event.object_id, event.actor_id) == (str(world.matter.pk), world.attorney.user_id)
    assert event.payload == {"party": party.pk, "role": "trafficker", "aliases": 1}
    written = str(event.payload)
    for secret in ("Quentin", "Adverse", "Quinto", "Malvado", "1971", "farm"):
        assert secret not in written


def test_a_party_added_from_the_matter_page_is_checked_and_added_together(world):
    page = sign_in(Client(), world.attorney).post(
        reverse("cases:party_add", args=[world.matter.pk]),
        {"role": "trafficker", "name": "Quentin Adverse"},
    )
    assert page.status_code == 302
    assert world.matter.parties.filter(role="trafficker").count() == 1
    check = ConflictCheck.objects.filter(client=world.matter.client).latest("id")
    assert check.parties.count() == 1
    events = AuditEvent.objects.filter(action__in=["cases.party.added", "cases.conflict_check.run"])
    assert sorted(events.values_list("action", flat=True)) == [
        "cases.conflict_check.run",
        "cases.party.added",
    ]


def test_looking_at_the_deadline_rules_adds_none(world):
    DeadlineRule.objects.filter(organization=world.harbor).delete()
    client = sign_in(Client(), world.org_admin)
    page = client.get(reverse("cases:rules"))
    assert page.status_code == 200
    assert not DeadlineRule.objects.filter(organization=world.harbor).exists()
    assert "Add the shipped rules" in page.content.decode()


def test_an_admin_adds_the_shipped_rules_with_a_button(world):
    DeadlineRule.objects.filter(organization=world.harbor, code="rfe-response").delete()
    client = sign_in(Client(), world.org_admin)
    page = client.post(reverse("cases:rules"), follow=True)
    assert "1 rule added." in page.content.decode()
    assert DeadlineRule.objects.filter(organization=world.harbor, code="rfe-response").exists()
    assert "Add the shipped rules" not in page.content.decode()
    event = AuditEvent.objects.get(action="cases.deadline_rules.installed")
    assert event.payload == {"rules": 1}


def test_a_coordinator_cannot_add_the_rules(world):
    DeadlineRule.objects.filter(organization=world.harbor).delete()
    page = sign_in(Client(), world.coordinator).post(reverse("cases:rules"))
    assert page.status_code in (403, 404)
    assert not DeadlineRule.objects.filter(organization=world.harbor).exists()


def test_a_member_who_left_before_the_task_ran_changes_nothing(world):
    """A task's actor is looked up when it runs: someone who left acts for nobody."""
    membership_update(
        actor=actor_of(world.org_admin),
        membership=world.coordinator,
        role=Role.COORDINATOR,
        is_active=False,
    )
    actor = Actor.in_organization(
        user=world.coordinator.user, organization_id=world.harbor.pk, channel=Channel.WORKER
    )
    checks = ConflictCheck.objects.count()
    with pytest.raises(PermissionDenied):  # no membership: no organization to act for
        conflict_check_run(actor=actor, client=world.matter.client, parties=[])
    assert ConflictCheck.objects.count() == checks


def test_another_organizations_coordinator_cannot_open_a_matter_on_our_check(world, outsider):
    _prepare_cleared_check(world)
    with pytest.raises(PermissionDenied):
        matter_open(
            actor=actor_of(outsider),
            check=world.check,
            sub_kind="t_visa",
            lead_attorney=world.attorney.user,
        )
    assert not Matter.objects.filter(conflict_check=world.check).exists()
