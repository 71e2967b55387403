"""Survivor services take an actor, and each change commits with its audit event or not at all.

For every service that changes a survivor's record, its sharing or its organization's
retention policy: when the audit event cannot be written, the database is exactly as
before; when it can, the change is there with its event, by the actor. The same
services run from a task or a command, with no request anywhere, and say so in the
trail. Pages that only show something store nothing but their read event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from aftercare.actor import Actor, Channel
from aftercare.audit import audit_chain_verify
from aftercare.models import AuditEvent, Membership, Organization
from survivors.models import (
    Consent,
    DataCategory,
    Purpose,
    Referral,
    RetentionPolicy,
    ServiceGoal,
    Survivor,
)
from survivors.services.record import (
    minor_flags_refresh,
    survivor_close,
    survivor_contacts_save,
    survivor_create,
    survivor_intake_finish,
    survivor_intake_save,
    survivor_intake_start,
    survivor_legal_hold_set,
    survivor_record_correct,
)
from survivors.services.retention_policy import retention_policy_save
from survivors.services.sharing import (
    consent_record,
    consent_revoke,
    goal_add,
    goal_set_status,
    referral_move,
    referral_send,
)
from tests.actors import actor_of
from tests.database_state import (
    READ_MAY_WRITE,
    AuditWriteError,
    audit_writes_fail,
    database_state,
    rows_besides_reads,
)
from tests.factories import make_survivor

pytestmark = pytest.mark.django_db


@dataclass
class World:
    safehaven: Organization
    harbor: Organization
    intake_worker: Membership
    partner_coordinator: Membership
    coordinator: Membership
    org_admin: Membership
    adult: Survivor


@pytest.fixture
def world(
    safehaven, harbor, intake_worker, partner_coordinator, coordinator, org_admin, adult
) -> World:
    return World(
        safehaven, harbor, intake_worker, partner_coordinator, coordinator, org_admin, adult
    )


def _consent_data(w: World) -> dict:
    return {
        "recipient": w.harbor,
        "purpose": Purpose.LEGAL_REPRESENTATION,
        "categories": [DataCategory.IDENTITY, DataCategory.NEEDS],
        "method": Consent.Method.WRITTEN,
        "given_on": timezone.localdate(),
    }


def _consented(w: World) -> Consent:
    return consent_record(actor=actor_of(w.intake_worker), survivor=w.adult, data=_consent_data(w))


def _referred(w: World) -> Referral:
    _consented(w)
    return referral_send(
        actor=actor_of(w.intake_worker),
        survivor=w.adult,
        to_organization=w.harbor,
        purpose=Purpose.LEGAL_REPRESENTATION,
        need="legal",
    )


def _survivor(pk: int) -> Survivor:
    """A fresh copy each run: a failed run must not leave its changes on a shared instance."""
    return Survivor.objects.get(pk=pk)


# Each case prepares what the service needs (through the real services) and returns
# the actor and a run that reads everything it changes afresh.
Case = Callable[[World], tuple[Actor, Callable[[], object]]]


def _create(w: World):
    actor = actor_of(w.intake_worker)
    return actor, lambda: survivor_create(
        actor=actor,
        organization=w.safehaven,
        data={"legal_name": "Synthetic Newcomer"},
        aliases=["Synthetic Alias"],
    )


def _intake_start(w: World):
    actor = actor_of(w.intake_worker)
    return actor, lambda: survivor_intake_start(
        actor=actor, data={"legal_name": "Synthetic Draft"}, aliases=[]
    )


def _intake_save(w: World):
    actor = actor_of(w.intake_worker)
    return actor, lambda: survivor_intake_save(
        actor=actor,
        survivor=_survivor(w.adult.pk),
        step=1,
        data={"legal_name": "Synthetic Renamed", "languages": "Tigrinya"},
        aliases=["Synthetic Other Name"],
    )


def _record_correct(w: World):
    actor = actor_of(w.intake_worker)
    return actor, lambda: survivor_record_correct(
        actor=actor,
        survivor=_survivor(w.adult.pk),
        data={"legal_name": "Synthetic Corrected", "needs": ["legal"]},
        aliases=["Synthetic Other Name"],
    )


def _contacts_save(w: World):
    actor = actor_of(w.intake_worker)
    rules = {"sms": {"is_safe": True, "address": "+1 555 0100", "code_word": "blue"}}
    return actor, lambda: survivor_contacts_save(
        actor=actor, survivor=_survivor(w.adult.pk), rules=rules
    )


def _intake_finish(w: World):
    actor = actor_of(w.intake_worker)
    draft = make_survivor(w.safehaven, by=w.intake_worker.user, status=Survivor.Status.DRAFT)
    return actor, lambda: survivor_intake_finish(actor=actor, survivor=_survivor(draft.pk))


def _legal_hold(w: World):
    actor = actor_of(w.partner_coordinator)
    return actor, lambda: survivor_legal_hold_set(
        actor=actor, survivor=_survivor(w.adult.pk), on=True
    )


def _close(w: World):
    actor = actor_of(w.partner_coordinator)
    return actor, lambda: survivor_close(actor=actor, survivor=_survivor(w.adult.pk))


def _minor_flags(w: World):
    Survivor.objects.filter(pk=w.adult.pk).update(is_minor=True)  # an adult since yesterday
    actor = Actor.system()
    return actor, lambda: minor_flags_refresh(actor=actor)


def _consent_record(w: World):
    actor = actor_of(w.intake_worker)
    return actor, lambda: consent_record(
        actor=actor, survivor=_survivor(w.adult.pk), data=_consent_data(w)
    )


def _consent_revoke(w: World):
    consent = _referred(w).consent
    actor = actor_of(w.intake_worker)
    return actor, lambda: consent_revoke(
        actor=actor, consent=Consent.objects.get(pk=consent.pk), reason="Asked to stop"
    )


def _referral_send(w: World):
    _consented(w)
    actor = actor_of(w.intake_worker)
    return actor, lambda: referral_send(
        actor=actor,
        survivor=_survivor(w.adult.pk),
        to_organization=w.harbor,
        purpose=Purpose.LEGAL_REPRESENTATION,
        need="legal",
    )


def _referral_move(w: World):
    referral = _referred(w)
    actor = actor_of(w.coordinator)
    return actor, lambda: referral_move(
        actor=actor,
        referral=Referral.objects.get(pk=referral.pk),
        status=Referral.Status.DECLINED,
        reason="No capacity this month",
    )


def _goal_add(w: World):
    actor = actor_of(w.intake_worker)
    return actor, lambda: goal_add(
        actor=actor, survivor=_survivor(w.adult.pk), need="shelter", description="A safe room"
    )


def _goal_status(w: World):
    goal = goal_add(
        actor=actor_of(w.intake_worker), survivor=w.adult, need="shelter", description="A room"
    )
    actor = actor_of(w.intake_worker)
    return actor, lambda: goal_set_status(
        actor=actor, goal=ServiceGoal.objects.get(pk=goal.pk), status=ServiceGoal.Status.ACHIEVED
    )


def _retention_policy(w: World):
    actor = actor_of(w.org_admin)
    return actor, lambda: retention_policy_save(actor=actor, years_after_closure=5, enabled=True)


SERVICES: dict[str, tuple[Case, str]] = {
    "survivor_create": (_create, "survivors.survivor.created"),
    "survivor_intake_start": (_intake_start, "survivors.survivor.created"),
    "survivor_intake_save": (_intake_save, "survivors.survivor.changed"),
    "survivor_contacts_save": (_contacts_save, "survivors.safe_contact.changed"),
    "survivor_record_correct": (_record_correct, "survivors.survivor.corrected"),
    "survivor_intake_finish": (_intake_finish, "survivors.intake.finished"),
    "survivor_legal_hold_set": (_legal_hold, "survivors.survivor.legal_hold_changed"),
    "survivor_close": (_close, "survivors.survivor.closed"),
    "minor_flags_refresh": (_minor_flags, "survivors.survivor.minor_flags_refreshed"),
    "consent_record": (_consent_record, "survivors.consent.recorded"),
    "consent_revoke": (_consent_revoke, "survivors.consent.revoked"),
    "referral_send": (_referral_send, "survivors.referral.sent"),
    "referral_move": (_referral_move, "survivors.referral.moved"),
    "goal_add": (_goal_add, "survivors.goal.added"),
    "goal_set_status": (_goal_status, "survivors.goal.changed"),
    "retention_policy_save": (_retention_policy, "survivors.retention.changed"),
}


def _besides_audit(state: dict) -> dict:
    return {table: rows for table, rows in state.items() if table not in READ_MAY_WRITE}


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_when_the_audit_event_cannot_be_written_the_change_is_undone(service, world, monkeypatch):
    prepare, action = SERVICES[service]
    actor, run = prepare(world)
    before = database_state()

    with monkeypatch.context() as broken:
        audit_writes_fail(broken)
        with pytest.raises(AuditWriteError):
            run()
    assert database_state() == before, f"{service} kept its change without its audit event"

    newest = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    run()
    assert _besides_audit(database_state()) != _besides_audit(before), (
        f"{service} changed nothing, so its rollback proves nothing"
    )
    event = AuditEvent.objects.filter(action=action, id__gt=newest).get()
    assert event.actor_id == actor.user_id
    assert audit_chain_verify().intact


def test_a_worker_runs_a_service_with_no_request_and_the_trail_says_so(world, monkeypatch):
    def no_request(*args, **kwargs):
        raise AssertionError("a service reached for a request")

    monkeypatch.setattr("aftercare.audit.audit_record_for_request", no_request)
    monkeypatch.setattr("survivors.services.record.audit_record_for_request", no_request)
    monkeypatch.setattr("survivors.services.sharing.audit_record_for_request", no_request)
    # Queued by the intake worker, run later by a Celery worker for Safe Haven.
    actor = Actor.in_organization(
        user=world.intake_worker.user,
        organization_id=world.safehaven.pk,
        channel=Channel.WORKER,
    )

    consent = consent_record(actor=actor, survivor=world.adult, data=_consent_data(world))

    assert Consent.objects.get(pk=consent.pk).recorded_by == world.intake_worker.user
    event = AuditEvent.objects.get(action="survivors.consent.recorded")
    assert event.payload["channel"] == "worker"
    assert (event.actor, event.organization) == (world.intake_worker.user, world.safehaven)


def test_the_minor_flag_task_runs_as_the_system_and_names_no_one(adult, safehaven):
    from survivors.tasks import minor_flags_refresh as task

    Survivor.objects.filter(pk=adult.pk).update(is_minor=True)

    assert task() == 1
    assert not Survivor.objects.get(pk=adult.pk).is_minor
    event = AuditEvent.objects.get(action="survivors.survivor.minor_flags_refreshed")
    assert event.payload == {"count": 1, "channel": "worker"}, "a count, never who came of age"
    assert (event.actor, event.organization, event.object_id) == (None, safehaven, "")
    assert task() == 0, "safe to run twice"


def test_the_retention_command_says_it_was_a_command(partner_coordinator, adult, safehaven):
    survivor_close(actor=actor_of(partner_coordinator), survivor=adult)
    Survivor.objects.filter(pk=adult.pk).update(closed_at=timezone.now() - timedelta(days=3000))
    RetentionPolicy.objects.create(organization=safehaven, years_after_closure=7, enabled=True)

    call_command("apply_retention", stdout=StringIO())

    assert Survivor.objects.get(pk=adult.pk).status == Survivor.Status.ERASED
    event = AuditEvent.objects.get(action="survivors.survivor.erased")
    assert event.payload["channel"] == "command"


def test_a_member_records_survivors_only_for_the_organization_they_act_for(intake_worker, harbor):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        survivor_create(
            actor=actor_of(intake_worker), organization=harbor, data={"legal_name": "Synthetic"}
        )
    assert not Survivor.objects.filter(organization=harbor).exists()


def _survivor_pages(w: World) -> list[tuple[Membership, str, dict]]:
    referral = _referred(w)
    draft = make_survivor(w.safehaven, by=w.intake_worker.user, status=Survivor.Status.DRAFT)
    goal = goal_add(
        actor=actor_of(w.intake_worker), survivor=w.adult, need="shelter", description="A room"
    )
    assert goal.pk
    pk = w.adult.pk
    return [
        (w.intake_worker, reverse("survivors:list"), {}),
        (w.intake_worker, reverse("survivors:detail", args=[pk]), {}),
        (w.intake_worker, reverse("survivors:services", args=[pk]), {}),
        (w.intake_worker, reverse("survivors:consents", args=[pk]), {}),
        (w.intake_worker, reverse("survivors:share_record", args=[pk]), {}),
        (w.intake_worker, reverse("survivors:refer", args=[pk]), {}),
        (w.intake_worker, reverse("survivors:referrals"), {}),
        (w.intake_worker, reverse("survivors:referral", args=[referral.pk]), {}),
        (w.coordinator, reverse("survivors:referral", args=[referral.pk]), {}),
        (w.intake_worker, reverse("survivors:intake"), {}),
        (w.intake_worker, reverse("survivors:intake_step", args=[draft.pk, 2]), {}),
        (w.intake_worker, reverse("survivors:intake_step", args=[draft.pk, 4]), {}),
        (w.intake_worker, reverse("survivors:intake_review", args=[draft.pk]), {}),
        (w.partner_coordinator, reverse("survivors:erase", args=[pk]), {"sudo": True}),
        (w.org_admin, reverse("survivors:retention"), {"sudo": True}),
    ]


def test_showing_a_survivor_page_stores_nothing_but_its_read_event(world, client_for):
    for membership, url, sign_in in _survivor_pages(world):
        client = client_for(membership, **sign_in)
        before = rows_besides_reads()
        response = client.get(url)
        assert response.status_code == 200, url
        assert rows_besides_reads() == before, f"GET {url} stored something"


def test_opening_the_retention_page_creates_no_policy(org_admin, client_for):
    page = client_for(org_admin, sudo=True).get(reverse("survivors:retention"))
    assert page.status_code == 200
    assert 'value="7"' in page.text, "the default period is shown"
    assert not RetentionPolicy.objects.exists()


def test_saving_the_retention_policy_is_recorded(org_admin, client_for):
    client = client_for(org_admin, sudo=True)
    client.post(reverse("survivors:retention"), {"years_after_closure": 5, "enabled": "on"})
    policy = RetentionPolicy.objects.get(organization=org_admin.organization)
    assert (policy.years_after_closure, policy.enabled) == (5, True)
    event = AuditEvent.objects.get(action="survivors.retention.changed")
    assert (event.actor, event.payload) == (org_admin.user, {"years": 5, "enabled": True})


# The access door at the edge: they fetch through `fetch_for_user(request, ...)`.
READ_DOORS_TAKING_THE_REQUEST = {"survivor_open", "referral_open"}


@pytest.mark.parametrize(
    "module",
    [
        "survivors.services.record",
        "survivors.services.sharing",
        "survivors.services.retention",
        "survivors.services.retention_policy",
    ],
)
def test_survivor_services_take_an_actor_not_the_request(module):
    import importlib
    import inspect

    services = importlib.import_module(module)
    taking_the_request = {
        name
        for name, function in inspect.getmembers(services, inspect.isfunction)
        if function.__module__ == module and "request" in inspect.signature(function).parameters
    }
    assert taking_the_request <= READ_DOORS_TAKING_THE_REQUEST
