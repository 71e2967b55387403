"""Confirming it is you (sudo mode) is throttled like sign-in: guessing ends the session."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aftercare.models import AuditEvent, Role
from tests.factories import TEST_PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db

WRONG = "not my password"


def confirm(client: Client, secret: str, *, follow: bool = False):
    return client.post(reverse("account:sudo"), {"secret": secret}, follow=follow)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def may_edit_members(client: Client, admin) -> bool:
    """The page behind sudo mode opens, rather than asking to confirm or to sign in."""
    return client.get(reverse("member_edit", args=[admin.pk])).status_code == 200


def failures(user) -> int:
    return AuditEvent.objects.filter(
        action="aftercare.account.sudo_failed", object_id=str(user.pk)
    ).count()


def test_twelve_wrong_passwords_then_the_right_one_end_signed_out_without_sudo(
    org_admin, client_for, settings
):
    client = client_for(org_admin)
    for _ in range(12):
        confirm(client, WRONG)
    response = confirm(client, TEST_PASSWORD)

    assert not signed_in(client)
    assert response.url.startswith(reverse("account:login"))
    assert client.get(reverse("member_edit", args=[org_admin.pk])).url.startswith(
        reverse("account:login")
    )
    # The guesses stopped at the limit: the session ended there.
    assert failures(org_admin.user) == settings.AXES_FAILURE_LIMIT
    assert AuditEvent.objects.filter(
        action="aftercare.account.sudo_locked_out", object_id=str(org_admin.user.pk)
    ).exists()
    assert not AuditEvent.objects.filter(action="aftercare.account.sudo_granted").exists()


def test_four_wrong_passwords_then_the_right_one_grant_sudo(org_admin, client_for, settings):
    client = client_for(org_admin)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert confirm(client, WRONG).status_code == 200
    assert confirm(client, TEST_PASSWORD).status_code == 302
    assert signed_in(client)
    assert may_edit_members(client, org_admin)


def test_the_wrong_tries_left_are_shown_and_the_sign_in_page_says_why(
    org_admin, client_for, settings
):
    client = client_for(org_admin)
    page = confirm(client, WRONG)
    assert f"{settings.AXES_FAILURE_LIMIT - 1} more wrong tries will sign you out" in page.text
    for _ in range(settings.AXES_FAILURE_LIMIT - 2):
        page = confirm(client, WRONG)
    assert "One more wrong try will sign you out" in page.text

    landed = confirm(client, WRONG, follow=True)
    assert landed.redirect_chain[-1][0] == reverse("account:login")
    assert "You were signed out: too many wrong passwords or codes" in landed.text


def test_a_right_confirmation_starts_the_count_again(org_admin, client_for, settings):
    client = client_for(org_admin)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        confirm(client, WRONG)
    confirm(client, TEST_PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        confirm(client, WRONG)
    assert signed_in(client)
    assert confirm(client, TEST_PASSWORD).status_code == 302


def test_a_new_session_does_not_start_the_count_again(org_admin, client_for, settings):
    first = client_for(org_admin)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        confirm(first, WRONG)
    second = client_for(org_admin)
    confirm(second, WRONG)
    assert not signed_in(second)


def test_the_count_is_each_persons_own(org_admin, client_for, settings):
    other_admin = MembershipFactory(organization=org_admin.organization, role=Role.ORG_ADMIN)
    mine, theirs = client_for(org_admin), client_for(other_admin)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        confirm(mine, WRONG)
        confirm(theirs, WRONG)
    assert signed_in(mine) and signed_in(theirs)
    assert confirm(theirs, TEST_PASSWORD).status_code == 302
    assert may_edit_members(theirs, other_admin)
    confirm(mine, WRONG)
    assert not signed_in(mine)
    assert signed_in(theirs)


def test_failures_older_than_the_cool_off_no_longer_count_across_sessions(
    org_admin, client_for, settings
):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        earlier = client_for(org_admin)
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            confirm(earlier, WRONG)
        clock.shift(settings.AXES_COOLOFF_TIME + timedelta(minutes=1))
        later = client_for(org_admin)
        confirm(later, WRONG)
        assert signed_in(later)
        # The earlier session's own count has no cool-off: it ends at the limit.
        confirm(earlier, WRONG)
        assert not signed_in(earlier)
