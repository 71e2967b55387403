"""Core services take an actor and commit each change with its audit event; pages only show.

Session operations (signing in, the second factor, sudo, choosing the acting
organization, quick exit) keep the request: they change the session itself.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken

from aftercare.actor import Actor, Channel
from aftercare.models import AuditEvent, Organization
from aftercare.services import organization_update, recovery_codes_issue, recovery_codes_renew
from tests.actors import actor_of
from tests.database_state import (
    AuditWriteError,
    audit_writes_fail,
    database_state,
    rows_besides_reads,
)
from tests.factories import TEST_PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _organization_update(org_admin):
    actor = actor_of(org_admin)
    return actor, lambda: organization_update(
        actor=actor,
        organization=Organization.objects.get(pk=org_admin.organization_id),
        data={"name": "Harbor Renamed", "jurisdiction": "State of New Jersey"},
    )


def _recovery_codes_renew(org_admin):
    recovery_codes_issue(user=org_admin.user)
    actor = actor_of(org_admin)
    return actor, lambda: recovery_codes_renew(actor=actor)


SERVICES = {
    "organization_update": (_organization_update, "aftercare.organization.changed"),
    "recovery_codes_renew": (_recovery_codes_renew, "aftercare.account.recovery_codes_issued"),
}


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_when_the_audit_event_cannot_be_written_the_change_is_undone(
    service, org_admin, monkeypatch
):
    prepare, action = SERVICES[service]
    actor, run = prepare(org_admin)
    before = database_state()
    with monkeypatch.context() as broken:
        audit_writes_fail(broken)
        with pytest.raises(AuditWriteError):
            run()
    assert database_state() == before, f"{service} kept its change without its audit event"

    run()
    assert database_state() != before
    assert AuditEvent.objects.get(action=action).actor_id == actor.user_id


def test_a_command_updates_the_profile_without_a_request(org_admin):
    actor = Actor.in_organization(
        user=org_admin.user, organization_id=org_admin.organization_id, channel=Channel.COMMAND
    )
    organization_update(
        actor=actor, organization=org_admin.organization, data={"contact_phone": "+1 555 0199"}
    )
    assert Organization.objects.get(pk=org_admin.organization_id).contact_phone == "+1 555 0199"
    event = AuditEvent.objects.get(action="aftercare.organization.changed")
    assert event.payload == {"fields": ["contact_phone"], "channel": "command"}


def test_no_one_updates_another_organizations_profile(org_admin, riverside):
    with pytest.raises(PermissionDenied):
        organization_update(
            actor=actor_of(org_admin), organization=riverside, data={"name": "Taken Over"}
        )
    assert Organization.objects.get(pk=riverside.pk).name == "Riverside Test Clinic"


def test_an_admin_who_edits_the_profile_sees_the_new_name(org_admin, client_for):
    client = client_for(org_admin, sudo=True)
    response = client.post(
        reverse("organization_edit"),
        {"name": "Harbor Renamed", "country": "us", "jurisdiction": "State of New York"},
    )
    assert response.url == reverse("organization")
    assert "Harbor Renamed" in client.get(reverse("organization")).text
    event = AuditEvent.objects.get(action="aftercare.organization.changed")
    assert event.payload == {"fields": ["name"]}


def test_renewed_recovery_codes_are_shown_once_and_recorded(org_admin, client_for):
    client = client_for(org_admin, sudo=True)
    assert client.post(reverse("account:recovery_codes_renew")).url == reverse(
        "account:recovery_codes"
    )
    assert client.get(reverse("account:recovery_codes")).text.count("<li><code>") == 10
    assert StaticToken.objects.filter(device__user=org_admin.user).count() == 10
    assert AuditEvent.objects.get(action="aftercare.account.recovery_codes_issued").actor == (
        org_admin.user
    )


def test_showing_a_core_page_stores_nothing_but_its_read_event(org_admin, coordinator, client_for):
    pages = [
        (org_admin, reverse("dashboard"), {}),
        (org_admin, reverse("organization"), {}),
        (org_admin, reverse("organization_edit"), {"sudo": True}),
        (org_admin, reverse("member_list"), {}),
        (org_admin, reverse("member_detail", args=[coordinator.pk]), {}),
        (org_admin, reverse("member_edit", args=[coordinator.pk]), {"sudo": True}),
        (org_admin, reverse("audit_trail"), {}),
        (org_admin, reverse("notifications"), {}),
        (org_admin, reverse("account:recovery_codes"), {}),
        (org_admin, reverse("account:sudo"), {}),
        (org_admin, reverse("account:choose_organization"), {}),
    ]
    for membership, url, sign_in in pages:
        client = client_for(membership, **sign_in)
        before = rows_besides_reads()
        assert client.get(url).status_code == 200, url
        assert rows_besides_reads() == before, f"GET {url} stored something"


def test_looking_at_the_authenticator_setup_stores_nothing(harbor):
    user = UserFactory(authenticator=False)
    MembershipFactory(user=user, organization=harbor)
    client = Client()
    client.post(reverse("account:login"), {"username": user.email, "password": TEST_PASSWORD})
    before = rows_besides_reads()
    for _ in range(2):
        assert "<svg" in client.get(reverse("account:setup")).text
    assert rows_besides_reads() == before, "showing the setup page stored a device"


# Session operations: they sign in, open sudo mode or keep a pending key in the session.
# membership_update is converted with the membership signal (cases and volunteers).
SESSION_OPERATIONS = {
    "authenticator_enrollment_start",
    "authenticator_enrollment_confirm",
    "second_factor_verify",
    "sudo_confirm",
    "membership_update",
}


def test_core_services_take_an_actor_unless_they_change_the_session():
    import inspect

    from aftercare import services

    taking_the_request = {
        name
        for name, function in inspect.getmembers(services, inspect.isfunction)
        if function.__module__ == services.__name__
        and "request" in inspect.signature(function).parameters
    }
    assert taking_the_request <= SESSION_OPERATIONS
