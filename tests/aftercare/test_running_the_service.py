"""Running the service: platform administrators and organizations, staff invitations,
role changes and deactivation, as a user would and as an attacker would try."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp

from aftercare.access import access_grant
from aftercare.audit import audit_chain_verify
from aftercare.idempotency import FIELD as SUBMISSION_FIELD
from aftercare.models import AuditEvent, Membership, Organization, Role, StaffInvitation, User
from aftercare.services import PENDING_AUTHENTICATOR_KEY
from tests.factories import MembershipFactory, make_matter

pytestmark = pytest.mark.django_db
PASSWORD = "a long and unguessable sentence 7"


def _link(message) -> str:
    url = re.search(r"https?://\S+/account/join/\S+/", message.body).group(0)
    return "/account/" + url.split("/account/", 1)[1]


def invite(client, email="new.attorney@test.example", role=Role.ATTORNEY, **extra):
    return client.post(reverse("staff_invitations"), {"email": email, "role": role, **extra})


# --- Platform administration ----------------------------------------------------------


def test_a_platform_admin_creates_an_organization_sets_it_up_and_invites_its_admin(
    platform_admin, client_for
):
    client = client_for(platform_admin, sudo=True)
    assert client.get("/").url == reverse("platform:organizations")
    created = client.post(
        reverse("platform:organization_new"),
        {"name": "Lakeside  Legal Aid", "kind": "legal_aid", "country": "ca"},
    )
    lakeside = Organization.objects.get(name="Lakeside Legal Aid")
    assert created.url == reverse("platform:organization", args=[lakeside.pk])
    assert (lakeside.kind, lakeside.country, lakeside.is_active) == ("legal_aid", "CA", True)
    assert "Lakeside Legal Aid" in client.get(reverse("platform:organizations")).text

    client.post(
        reverse("platform:organization_edit", args=[lakeside.pk]),
        {"kind": "partner_ngo", "country": "MX"},
    )
    lakeside.refresh_from_db()
    assert (lakeside.kind, lakeside.country) == ("partner_ngo", "MX")

    client.post(
        reverse("platform:admin_invite", args=[lakeside.pk]), {"email": "Boss@Lakeside.example"}
    )
    invitation = StaffInvitation.objects.get(organization=lakeside)
    assert (invitation.email, invitation.role) == ("boss@lakeside.example", Role.ORG_ADMIN)
    assert mail.outbox[-1].to == ["boss@lakeside.example"]
    assert "boss@lakeside.example" not in mail.outbox[-1].subject

    actions = list(AuditEvent.objects.filter(organization=lakeside).values_list("action", "actor"))
    assert actions == [
        ("aftercare.organization.created", platform_admin.user.pk),
        ("aftercare.organization.settings_changed", platform_admin.user.pk),
        ("aftercare.staff_invitation.sent", platform_admin.user.pk),
    ]
    assert audit_chain_verify().intact


def test_a_double_click_on_create_makes_one_organization_and_a_taken_name_keeps_the_form(
    platform_admin, client_for, harbor
):
    client = client_for(platform_admin, sudo=True)
    data = {"name": "Lakeside", "kind": "legal_aid", "country": "US"}
    data[SUBMISSION_FIELD] = "t" * 22
    first = client.post(reverse("platform:organization_new"), data)
    second = client.post(reverse("platform:organization_new"), data)
    assert first.url == second.url
    assert Organization.objects.filter(name="Lakeside").count() == 1

    taken = client.post(
        reverse("platform:organization_new"),
        {"name": harbor.name.upper(), "kind": "legal_aid", "country": "Canada"},
    )
    assert taken.status_code == 200
    assert "Choose the country from the list." in taken.text
    assert f'value="{harbor.name.upper()}"' in taken.text


def test_a_platform_admin_may_invite_admins_only(platform_admin, harbor):
    from aftercare.actor import Actor
    from aftercare.staff import staff_invitation_send

    actor = Actor(user=platform_admin.user, membership=None)
    with pytest.raises(PermissionDenied):
        staff_invitation_send(
            actor=actor, organization=harbor, email="x@test.example", role=Role.ATTORNEY
        )
    assert not StaffInvitation.objects.exists()


def test_platform_pages_are_404_for_everyone_else_even_an_org_admin(org_admin, client_for, harbor):
    client = client_for(org_admin, sudo=True)
    for url in (
        reverse("platform:organizations"),
        reverse("platform:organization_new"),
        reverse("platform:organization", args=[harbor.pk]),
    ):
        assert client.get(url).status_code == 404
    before = Organization.objects.count()
    response = client.post(
        reverse("platform:organization_new"), {"name": "Evil", "kind": "legal_aid", "country": "US"}
    )
    assert response.status_code == 404
    assert Organization.objects.count() == before
    assert AuditEvent.objects.filter(action="aftercare.access.denied").count() == 4


def test_changing_an_organization_asks_for_sudo(platform_admin, client_for, harbor):
    client = client_for(platform_admin)
    response = client.post(reverse("platform:organization_deactivate", args=[harbor.pk]))
    assert response.url.startswith(reverse("account:sudo"))
    harbor.refresh_from_db()
    assert harbor.is_active


def test_deactivating_an_organization_ends_its_members_sessions_and_its_links(
    platform_admin, org_admin, attorney, client_for, harbor
):
    invite(client_for(org_admin, sudo=True))
    link = _link(mail.outbox[-1])
    member = client_for(attorney)
    assert member.get(reverse("dashboard")).status_code == 200

    client_for(platform_admin, sudo=True).post(
        reverse("platform:organization_deactivate", args=[harbor.pk])
    )

    harbor.refresh_from_db()
    assert not harbor.is_active
    response = member.get(reverse("dashboard"))
    assert response.url.startswith(reverse("account:login"))
    assert Client().get(link).status_code == 404
    assert AuditEvent.objects.filter(action="aftercare.organization.deactivated").count() == 1

    client_for(platform_admin, sudo=True).post(
        reverse("platform:organization_reactivate", args=[harbor.pk])
    )
    assert client_for(attorney).get(reverse("dashboard")).status_code == 200


def test_the_command_makes_a_platform_admin_who_must_set_up_a_second_factor():
    out = io.StringIO()
    call_command("platform_admin", "ops@test.example", "--full-name", "Ops Person", stdout=out)
    password = re.search(r"Password \(shown once; store it now\): (\S+)", out.getvalue())[1]
    user = User.objects.get(email="ops@test.example")
    assert user.is_platform_admin and user.check_password(password)
    client = Client()
    signed = client.post(
        reverse("account:login"), {"username": "ops@test.example", "password": password}
    )
    assert signed.status_code == 302
    assert client.get(reverse("platform:organizations")).url == reverse("account:verify")
    again = io.StringIO()
    call_command("platform_admin", "ops@test.example", stdout=again)
    assert "Password" not in again.getvalue()
    assert AuditEvent.objects.filter(action="aftercare.platform.admin_granted").count() == 1

    call_command("platform_admin", "ops@test.example", "--remove", stdout=io.StringIO())
    user.refresh_from_db()
    assert not user.is_platform_admin
    assert AuditEvent.objects.filter(action="aftercare.platform.admin_revoked").count() == 1


# --- Staff invitations ----------------------------------------------------------------


def test_an_invited_attorney_sets_a_password_and_a_second_factor_and_lands_with_the_role(
    org_admin, client_for, harbor
):
    admin = client_for(org_admin, sudo=True)
    assert invite(admin).url == reverse("staff_invitations")
    assert len(mail.outbox) == 1
    link = _link(mail.outbox[0])
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert token not in StaffInvitation.objects.get().token_hash

    client = Client()
    page = client.get(link)
    assert "Join Harbor Test Legal Aid" in page.text and "Attorney" in page.text
    bad = client.post(link, {"full_name": "Ana Attorney", "password": "short"})
    assert bad.status_code == 200 and 'value="Ana Attorney"' in bad.text
    done = client.post(
        link, {"full_name": "Ana Attorney", "password": PASSWORD, "password_again": PASSWORD}
    )
    assert done.url == reverse("account:setup")
    assert client.get(reverse("dashboard")).url.startswith(reverse("account:verify"))

    client.get(reverse("account:setup"))
    key = bytes.fromhex(client.session[PENDING_AUTHENTICATOR_KEY])
    enrolled = client.post(reverse("account:setup"), {"code": f"{totp(key):06d}"})
    assert enrolled.url == reverse("account:recovery_codes")
    dashboard = client.get(reverse("dashboard"))
    assert dashboard.status_code == 200
    assert "Harbor Test Legal Aid" in dashboard.text and "Attorney" in dashboard.text
    membership = Membership.objects.get(user__email="new.attorney@test.example")
    assert (membership.organization, membership.role) == (harbor, Role.ATTORNEY)
    assert Client().get(link).status_code == 404, "the link works once"
    accepted = AuditEvent.objects.get(action="aftercare.staff_invitation.accepted")
    assert accepted.actor == membership.user and accepted.organization == harbor


def test_sending_twice_sends_one_invitation_and_resend_replaces_the_link(org_admin, client_for):
    admin = client_for(org_admin, sudo=True)
    invite(admin, submission_token="d" * 22)
    invite(admin, submission_token="d" * 22)  # a double click
    invite(admin)  # the same invitation sent again from a fresh form
    assert StaffInvitation.objects.count() == 1 and len(mail.outbox) == 1
    first_link = _link(mail.outbox[0])

    invitation = StaffInvitation.objects.get()
    admin.post(reverse("staff_invitation_resend", args=[invitation.pk]))
    assert len(mail.outbox) == 2
    assert Client().get(first_link).status_code == 404
    assert Client().get(_link(mail.outbox[1])).status_code == 200

    invite(admin, role=Role.PARALEGAL)  # another role replaces the pending invitation
    assert StaffInvitation.objects.pending().get().role == Role.PARALEGAL
    assert Client().get(_link(mail.outbox[1])).status_code == 404

    admin.post(
        reverse("staff_invitation_revoke", args=[StaffInvitation.objects.pending().get().pk])
    )
    assert Client().get(_link(mail.outbox[2])).status_code == 404
    assert not StaffInvitation.objects.pending().exists()
    page = admin.get(reverse("staff_invitations"))
    assert page.text.count("withdrawn") == 3


def test_an_expired_link_does_not_work(org_admin, client_for, time_machine):
    invite(client_for(org_admin, sudo=True))
    link = _link(mail.outbox[0])
    time_machine.move_to(timezone.now() + timedelta(days=14, minutes=1))
    assert Client().get(link).status_code == 404


def test_an_existing_member_cannot_be_invited_and_an_unsendable_invitation_saves_nothing(
    org_admin, attorney, client_for, settings
):
    admin = client_for(org_admin, sudo=True)
    taken = invite(admin, email=attorney.user.email.upper())
    assert "member here already" in taken.text
    settings.EMAIL_BACKEND = "tests.volunteers.test_onboarding.BrokenBackend"
    broken = invite(admin, email="x@test.example")
    assert "could not be sent" in broken.text and 'value="x@test.example"' in broken.text
    assert not StaffInvitation.objects.exists()


def test_someone_with_an_account_signs_in_and_accepts_on_it(
    org_admin, outsider, client_for, harbor
):
    invite(client_for(org_admin, sudo=True), email=outsider.user.email, role=Role.COORDINATOR)
    link = _link(mail.outbox[0])
    assert "Sign in to accept" in Client().get(link).text
    client = client_for(outsider)
    assert client.post(link).url == reverse("dashboard")
    joined = Membership.objects.get(user=outsider.user, organization=harbor)
    assert joined.role == Role.COORDINATOR
    assert client.get(reverse("dashboard")).context["acting_membership"] == joined


def test_someone_signed_in_as_another_person_cannot_take_an_invitation(
    org_admin, outsider, client_for
):
    invite(client_for(org_admin, sudo=True), email="someone.else@test.example")
    response = client_for(outsider).post(_link(mail.outbox[0]))
    assert response.status_code in (403, 200)
    assert not Membership.objects.filter(user__email="someone.else@test.example").exists()
    assert not Membership.objects.filter(user=outsider.user, organization=org_admin.organization)


def test_only_an_admin_invites_and_only_their_own_organizations_invitations(
    org_admin, coordinator, outsider, client_for
):
    assert client_for(coordinator, sudo=True).get(reverse("staff_invitations")).status_code == 404
    riverside_admin = MembershipFactory(organization=outsider.organization, role=Role.ORG_ADMIN)
    invite(client_for(riverside_admin, sudo=True), email="theirs@test.example")
    theirs = StaffInvitation.objects.get()
    admin = client_for(org_admin, sudo=True)
    assert admin.post(reverse("staff_invitation_revoke", args=[theirs.pk])).status_code == 404
    assert admin.post(reverse("staff_invitation_resend", args=[theirs.pk])).status_code == 404
    assert "theirs@test.example" not in admin.get(reverse("staff_invitations")).text
    theirs.refresh_from_db()
    assert theirs.is_pending and len(mail.outbox) == 1


# --- Role change and deactivation -------------------------------------------------------


def test_a_role_change_asks_for_sudo_and_is_audited(org_admin, attorney, client_for):
    url = reverse("member_edit", args=[attorney.pk])
    assert client_for(org_admin).get(url).url.startswith(reverse("account:sudo"))
    client_for(org_admin, sudo=True).post(url, {"role": Role.COORDINATOR, "is_active": "on"})
    attorney.refresh_from_db()
    assert attorney.role == Role.COORDINATOR
    event = AuditEvent.objects.get(action="aftercare.membership.changed")
    assert event.payload == {"role": [Role.ATTORNEY, Role.COORDINATOR]}


def test_a_deactivated_member_is_signed_out_and_loses_their_grants(
    org_admin, attorney, client_for, harbor
):
    matter = make_matter(harbor, lead=attorney.user)
    access_grant(user=attorney.user, obj=matter, actions=("view", "change"))
    member = client_for(attorney)
    assert member.get(reverse("cases:detail", args=[matter.pk])).status_code == 200

    client_for(org_admin, sudo=True).post(
        reverse("member_edit", args=[attorney.pk]), {"role": Role.ATTORNEY}
    )

    assert not Membership.objects.get(pk=attorney.pk).is_active
    response = member.get(reverse("cases:detail", args=[matter.pk]))
    assert response.url.startswith(reverse("account:login"))
    assert not matter.user_grants.filter(user=attorney.user).exists()


def test_the_last_admin_cannot_demote_or_deactivate_themself(org_admin, client_for):
    client = client_for(org_admin, sudo=True)
    url = reverse("member_edit", args=[org_admin.pk])
    for data in ({"role": Role.ATTORNEY, "is_active": "on"}, {"role": Role.ORG_ADMIN}):
        response = client.post(url, data)
        assert "You are this organization&#x27;s last active admin" in response.text
    org_admin.refresh_from_db()
    assert org_admin.is_active and org_admin.role == Role.ORG_ADMIN


def test_an_admin_may_step_down_once_another_admin_exists(org_admin, client_for, harbor):
    MembershipFactory(organization=harbor, role=Role.ORG_ADMIN)
    client_for(org_admin, sudo=True).post(
        reverse("member_edit", args=[org_admin.pk]), {"role": Role.COORDINATOR, "is_active": "on"}
    )
    org_admin.refresh_from_db()
    assert org_admin.role == Role.COORDINATOR


# --- Each change commits with its audit event, or not at all -----------------------------


def _platform_actor(platform_admin):
    from aftercare.actor import Actor

    return Actor(user=platform_admin.user, membership=None)


def _pending_invitation(org_admin):
    from aftercare.staff import staff_invitation_send
    from tests.actors import actor_of

    return staff_invitation_send(
        actor=actor_of(org_admin),
        organization=org_admin.organization,
        email="waiting@test.example",
        role=Role.PARALEGAL,
    )


def _service_calls():
    from aftercare import platform_admin as platform
    from aftercare import staff
    from tests.actors import actor_of

    def create(p, admin):
        return lambda: platform.organization_create(
            actor=_platform_actor(p), name="Lakeside", kind="legal_aid", country="US"
        )

    def settings_change(p, admin):
        return lambda: platform.organization_settings_change(
            actor=_platform_actor(p),
            organization=admin.organization,
            kind="partner_ngo",
            country="MX",
        )

    def deactivate(p, admin):
        return lambda: platform.organization_active_set(
            actor=_platform_actor(p), organization=admin.organization, active=False
        )

    def send(p, admin):
        return lambda: staff.staff_invitation_send(
            actor=actor_of(admin),
            organization=admin.organization,
            email="new@test.example",
            role=Role.ATTORNEY,
        )

    def resend(p, admin):
        invitation = _pending_invitation(admin)
        return lambda: staff.staff_invitation_resend(actor=actor_of(admin), invitation=invitation)

    def revoke(p, admin):
        invitation = _pending_invitation(admin)
        return lambda: staff.staff_invitation_revoke(actor=actor_of(admin), invitation=invitation)

    def accept(p, admin):
        from aftercare.actor import Actor

        invitation = _pending_invitation(admin)
        return lambda: staff.staff_invitation_accept(
            actor=Actor(user=None, membership=None),
            invitation=invitation,
            full_name="Pat New",
            password=PASSWORD,
        )

    return {
        "organization_create": (create, "aftercare.organization.created"),
        "organization_settings_change": (
            settings_change,
            "aftercare.organization.settings_changed",
        ),
        "organization_active_set": (deactivate, "aftercare.organization.deactivated"),
        "staff_invitation_send": (send, "aftercare.staff_invitation.sent"),
        "staff_invitation_resend": (resend, "aftercare.staff_invitation.resent"),
        "staff_invitation_revoke": (revoke, "aftercare.staff_invitation.withdrawn"),
        "staff_invitation_accept": (accept, "aftercare.staff_invitation.accepted"),
    }


@pytest.mark.parametrize("service", sorted(_service_calls()))
def test_when_the_audit_event_cannot_be_written_nothing_changes_and_no_email_goes(
    service, platform_admin, org_admin, monkeypatch
):
    from tests.database_state import AuditWriteError, audit_writes_fail, database_state

    prepare, action = _service_calls()[service]
    run = prepare(platform_admin, org_admin)
    before, emails = database_state(), len(mail.outbox)
    with monkeypatch.context() as broken:
        audit_writes_fail(broken)
        with pytest.raises(AuditWriteError):
            run()
    assert database_state() == before, f"{service} kept its change without its audit event"
    assert len(mail.outbox) == emails

    run()
    assert database_state() != before
    assert AuditEvent.objects.filter(action=action).exists()


def test_the_lists_cost_the_same_queries_however_long(
    platform_admin, org_admin, client_for, django_assert_max_num_queries
):
    from aftercare.staff import staff_invitation_send
    from tests.actors import actor_of
    from tests.factories import OrganizationFactory

    for n in range(30):
        OrganizationFactory()
        staff_invitation_send(
            actor=actor_of(org_admin),
            organization=org_admin.organization,
            email=f"person{n}@invited.example",
            role=Role.PARALEGAL,
        )
    platform = client_for(platform_admin, sudo=True)
    admin = client_for(org_admin, sudo=True)
    with django_assert_max_num_queries(12):
        assert platform.get(reverse("platform:organizations")).status_code == 200
    with django_assert_max_num_queries(16):
        page = admin.get(reverse("staff_invitations"))
    assert page.text.count("@invited.example · Paralegal") == 30


def test_the_new_pages_speak_spanish(platform_admin, org_admin, client_for, harbor):
    platform = client_for(platform_admin, sudo=True)
    listing = platform.get(reverse("platform:organizations"), HTTP_ACCEPT_LANGUAGE="es")
    assert "Nueva organización" in listing.text and "Administradores/as activos/as" in listing.text
    detail = platform.get(
        reverse("platform:organization", args=[harbor.pk]), HTTP_ACCEPT_LANGUAGE="es"
    )
    assert "Desactivar la organización" in detail.text
    admin = client_for(org_admin, sudo=True)
    page = admin.get(reverse("staff_invitations"), HTTP_ACCEPT_LANGUAGE="es")
    assert "Invitar a personal" in page.text
    refused = admin.post(
        reverse("member_edit", args=[org_admin.pk]),
        {"role": Role.ATTORNEY, "is_active": "on"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert "Usted es el/la último/a administrador/a activo/a" in refused.text
