"""Signing in takes a password and a second factor; sessions end when they should."""

import re
import time
from base64 import b32decode, b32encode
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from aftercare.access import ACTING_MEMBERSHIP_KEY
from aftercare.models import AuditEvent
from aftercare.services import recovery_codes_issue
from aftercare.sessions import SEEN_KEY, STARTED_KEY
from tests.factories import TEST_PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def current_code(user) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(device.bin_key):06d}"


def password_step(client: Client, email: str, password: str = TEST_PASSWORD, **extra):
    return client.post(reverse("account:login"), {"username": email, "password": password}, **extra)


def test_password_and_code_reach_the_dashboard(attorney):
    client = Client()
    response = password_step(client, attorney.user.email)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account:verify"))

    response = client.post(reverse("account:verify"), {"code": current_code(attorney.user)})
    assert response.status_code == 302

    dashboard = client.get(reverse("dashboard"))
    assert dashboard.status_code == 200
    assert attorney.organization.name in dashboard.text
    assert AuditEvent.objects.filter(
        action="aftercare.account.signed_in", object_id=str(attorney.user.pk)
    ).exists()


def test_wrong_code_keeps_the_user_on_the_second_factor_page(attorney):
    client = Client()
    password_step(client, attorney.user.email)
    response = client.post(reverse("account:verify"), {"code": "000000"})
    assert response.status_code == 200
    assert "not valid" in response.text
    assert client.get(reverse("dashboard")).url.startswith(reverse("account:verify"))


def _every_url_pattern(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _every_url_pattern(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def _example_path(route: str) -> str:
    """Turn a route such as `organization/members/<int:pk>/` into a concrete path."""
    import re

    path = re.sub(r"<int:\w+>", "1", route)
    path = re.sub(r"<(?:str|slug|path|uuid):\w+>|<\w+>", "x", path)
    path = path.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\", "")
    return "/" + path


def test_a_password_alone_reaches_nothing_but_the_second_factor_pages(attorney):
    client = Client()
    password_step(client, attorney.user.email)
    walked = 0
    for route, callback in _every_url_pattern(get_resolver()):
        if getattr(callback, "second_factor_not_required", False) or "(?P<" in route:
            continue
        path = _example_path(route)
        for method in (client.get, client.post):
            response = method(path)
            if path.startswith("/api/"):
                # The API takes keys, never sessions: a signed-in browser is a stranger,
                # and only the schema and its docs page (no data) answer anyone.
                public = path in (reverse("api:schema"), reverse("api:docs"))
                expected = {client.get: 200, client.post: 405}[method] if public else 401
                assert response.status_code == expected, f"{method.__name__.upper()} {path}"
                continue
            assert response.status_code == 302, f"{method.__name__.upper()} {path}"
            assert response.url.startswith(reverse("account:verify")), path
        walked += 1
    assert walked >= 15


def test_repeated_failures_lock_the_account_from_that_address_then_cool_off(attorney, settings):
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert password_step(client, attorney.user.email, "wrong password").status_code == 200
    assert password_step(client, attorney.user.email, "wrong password").status_code == 429
    locked = password_step(client, attorney.user.email)  # even the right password
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.text

    # The attacker's lockout does not keep the real user out from their own device.
    elsewhere = password_step(Client(REMOTE_ADDR="198.51.100.7"), attorney.user.email)
    assert elsewhere.status_code == 302

    # Further failures during the lockout do not extend it; the cool-off ends it.
    password_step(client, attorney.user.email, "wrong again")
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time
        - settings.AXES_COOLOFF_TIME
        - timedelta(seconds=1)
    )
    assert password_step(client, attorney.user.email).status_code == 302


def test_an_idle_session_ends_after_the_inactivity_timeout(attorney, client_for, settings):
    client = client_for(attorney)
    assert client.get(reverse("dashboard")).status_code == 200
    session = client.session
    session[SEEN_KEY] = int(time.time()) - settings.AFTERCARE_SESSION_IDLE_MINUTES * 60 + 60
    session.save()
    assert client.get(reverse("dashboard")).status_code == 200, "a minute before the limit"

    session = client.session
    session[SEEN_KEY] = int(time.time()) - settings.AFTERCARE_SESSION_IDLE_MINUTES * 60 - 60
    session.save()
    response = client.get(reverse("dashboard"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account:login"))
    assert "without activity" in response.text


def test_a_session_ends_at_its_absolute_lifetime_even_when_busy(attorney, client_for, settings):
    client = client_for(attorney)
    session = client.session
    session[STARTED_KEY] = int(time.time()) - settings.AFTERCARE_SESSION_MAX_HOURS * 3600 - 60
    session.save()
    response = client.get(reverse("dashboard"))
    assert response.url.startswith(reverse("account:login"))


def test_a_deactivated_users_session_ends_at_the_next_request(attorney, client_for):
    client = client_for(attorney)
    assert client.get(reverse("dashboard")).status_code == 200
    attorney.user.is_active = False
    attorney.user.save()
    response = client.get(reverse("dashboard"))
    assert response.url.startswith(reverse("account:login"))
    assert "_auth_user_id" not in client.session


def test_an_ended_membership_ends_the_session_acting_for_it(attorney, client_for):
    client = client_for(attorney)
    attorney.is_active = False
    attorney.save()
    response = client.get(reverse("dashboard"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account:login"))
    assert "Your membership ended, so you were signed out." in response.text
    assert "_auth_user_id" not in client.session


def test_someone_with_no_membership_left_is_told_so_after_signing_in(attorney, client_for):
    attorney.is_active = False
    attorney.save()
    client = client_for(attorney)
    session = client.session
    del session[ACTING_MEMBERSHIP_KEY]  # a fresh sign-in has chosen no organization yet
    session.save()
    response = client.get(reverse("dashboard"), follow=True)
    assert response.status_code == 403
    assert "not a member of any organization" in response.text


def test_password_reset_never_skips_the_second_factor(attorney):
    client = Client()
    client.post(reverse("account:password_reset"), {"email": attorney.user.email})
    assert len(mail.outbox) == 1
    assert attorney.user.full_name not in mail.outbox[0].subject
    link = next(line for line in mail.outbox[0].body.splitlines() if "/account/reset/" in line)
    form_page = client.get(link.split("testserver", 1)[1], follow=True)
    new_password = "a brand new passphrase 2026"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert done.status_code == 302
    assert client.get(reverse("dashboard")).url.startswith(reverse("account:login"))

    response = password_step(client, attorney.user.email, new_password)
    assert response.url.startswith(reverse("account:verify"))
    assert client.get(reverse("dashboard")).url.startswith(reverse("account:verify"))


def test_a_recovery_code_works_once(attorney):
    codes = recovery_codes_issue(user=attorney.user)
    client = Client()
    password_step(client, attorney.user.email)
    assert client.post(reverse("account:verify"), {"code": codes[0]}).status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200
    assert StaticToken.objects.filter(device__user=attorney.user).count() == len(codes) - 1

    again = Client()
    password_step(again, attorney.user.email)
    assert again.post(reverse("account:verify"), {"code": codes[0]}).status_code == 200


def _secret_shown(page: str) -> bytes:
    secret = re.search(r'<code class="secret">([A-Z2-7=]+)</code>', page).group(1)
    return b32decode(secret)


def test_a_new_member_connects_an_authenticator_before_anything_else(harbor):
    user = UserFactory(authenticator=False)
    MembershipFactory(user=user, organization=harbor)
    client = Client()
    password_step(client, user.email)
    assert client.get(reverse("account:verify")).url == reverse("account:setup")
    page = client.get(reverse("account:setup"))
    assert "<svg" in page.text
    key = _secret_shown(page.text)
    assert client.get(reverse("account:setup")).text.count(b32encode(key).decode()) == 1, (
        "a second look shows the same secret"
    )
    assert not client.post(reverse("account:setup"), {"code": "000000"}).has_header("Location")
    response = client.post(reverse("account:setup"), {"code": f"{totp(key):06d}"})
    assert response.url == reverse("account:recovery_codes")
    assert TOTPDevice.objects.filter(user=user).values_list("confirmed", flat=True).get()
    codes_page = client.get(reverse("account:recovery_codes"))
    assert codes_page.text.count("<li><code>") == 10
    assert "<li><code>" not in client.get(reverse("account:recovery_codes")).text, "shown once"
    assert client.get(reverse("dashboard")).status_code == 200


def test_sensitive_actions_ask_for_a_fresh_password(org_admin, attorney, client_for):
    client = client_for(org_admin)
    edit_url = reverse("member_edit", args=[attorney.pk])
    response = client.get(edit_url)
    assert response.url.startswith(reverse("account:sudo"))
    wrong = client.post(response.url, {"secret": "not my password"})
    assert wrong.status_code == 200
    confirmed = client.post(response.url, {"secret": TEST_PASSWORD})
    assert confirmed.url == edit_url
    assert client.get(edit_url).status_code == 200
