"""Headers, landmarks and the organization's own pages."""

import pytest
from django.test import Client
from django.urls import reverse

from aftercare.models import AuditEvent, Membership, Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_pages_are_never_cached_and_carry_the_security_headers(attorney, client_for):
    response = client_for(attorney).get(reverse("dashboard"))
    assert "no-store" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp


def test_every_page_has_landmarks_a_skip_link_and_quick_exit(attorney, client_for):
    for page in (
        client_for(attorney).get(reverse("dashboard")),
        Client().get(reverse("account:login")),
    ):
        html = page.text
        assert 'href="#main"' in html and '<main id="main"' in html
        assert "<header" in html and "<footer" in html
        assert "data-quick-exit" in html
        assert "<script>" not in html, "inline scripts are refused by the CSP"


def test_the_page_speaks_spanish_when_asked(attorney, client_for):
    client = client_for(attorney)
    client.post(reverse("set_language"), {"language": "es", "next": "/"})
    page = client.get(reverse("dashboard"))
    assert '<html lang="es">' in page.text
    assert "Salida rápida" in page.text


def test_quick_exit_ends_the_session(attorney, client_for):
    client = client_for(attorney)
    assert client.post(reverse("quick_exit")).status_code == 204
    assert client.get(reverse("dashboard")).url.startswith(reverse("account:login"))


def test_a_member_of_two_organizations_chooses_which_one_to_act_for(attorney, outsider, client_for):
    both = MembershipFactory(
        user=attorney.user, organization=outsider.organization, role=Role.PARALEGAL
    )
    client = client_for(attorney)
    session = client.session
    del session["aftercare_acting_membership"]
    session.save()
    assert client.get(reverse("dashboard")).url == reverse("account:choose_organization")
    client.post(reverse("account:choose_organization"), {"membership": both.pk})
    page = client.get(reverse("dashboard"))
    assert outsider.organization.name in page.text
    assert AuditEvent.objects.filter(action="aftercare.organization.acting_as").exists()


def test_one_cannot_act_for_an_organization_one_does_not_belong_to(attorney, outsider, client_for):
    client = client_for(attorney)
    response = client.post(reverse("account:choose_organization"), {"membership": outsider.pk})
    assert response.status_code == 200
    assert outsider.organization.name not in client.get(reverse("dashboard")).text


def test_only_admins_see_the_member_list(org_admin, attorney, coordinator, client_for):
    page = client_for(org_admin).get(reverse("member_list"))
    assert attorney.user.email in page.text and coordinator.user.email in page.text
    assert client_for(attorney).get(reverse("member_list")).status_code == 404


def test_member_list_queries_do_not_grow_with_members(
    org_admin, client_for, django_assert_max_num_queries
):
    client = client_for(org_admin)
    MembershipFactory.create_batch(3, organization=org_admin.organization)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("member_list"))
    few_count = len(few.captured_queries)
    assert few_count > 0, "the baseline captured nothing"
    MembershipFactory.create_batch(30, organization=org_admin.organization)
    with django_assert_max_num_queries(few_count):
        client.get(reverse("member_list"))


def test_an_admin_changes_a_role_and_it_is_audited(org_admin, attorney, client_for):
    client = client_for(org_admin, sudo=True)
    response = client.post(
        reverse("member_edit", args=[attorney.pk]), {"role": Role.PARALEGAL, "is_active": "on"}
    )
    assert response.status_code == 302
    attorney.refresh_from_db()
    assert attorney.role == Role.PARALEGAL
    event = AuditEvent.objects.get(action="aftercare.membership.changed")
    assert event.payload == {"role": [Role.ATTORNEY, Role.PARALEGAL]}


def test_the_last_admin_cannot_step_down(org_admin, client_for):
    client = client_for(org_admin, sudo=True)
    response = client.post(
        reverse("member_edit", args=[org_admin.pk]), {"role": Role.ATTORNEY, "is_active": "on"}
    )
    assert response.status_code == 200
    assert "last active admin" in response.text
    assert Membership.objects.get(pk=org_admin.pk).role == Role.ORG_ADMIN


def test_a_bad_profile_edit_keeps_what_was_typed(org_admin, client_for):
    client = client_for(org_admin, sudo=True)
    response = client.post(
        reverse("organization_edit"),
        {"name": "Harbor Renamed", "country": "United States", "jurisdiction": "NY"},
    )
    assert response.status_code == 200
    assert "Choose the country from the list." in response.text
    assert 'value="Harbor Renamed"' in response.text
    org_admin.organization.refresh_from_db()
    assert org_admin.organization.name == "Harbor Test Legal Aid"


def test_the_audit_trail_shows_only_the_own_organizations_events(coordinator, outsider, client_for):
    client_for(outsider).get(reverse("member_detail", args=[coordinator.pk]))  # denied, Riverside
    assert AuditEvent.objects.filter(actor=outsider.user, action="aftercare.access.denied").exists()
    page = client_for(coordinator).get(reverse("audit_trail"))
    assert page.status_code == 200
    assert outsider.user.email not in page.text


def test_the_country_is_chosen_and_shown_by_its_name_in_the_readers_language(org_admin, client_for):
    client = client_for(org_admin, sudo=True)
    edit = client.get(reverse("organization_edit"))
    assert '<option value="US" selected>United States of America</option>' in edit.text
    assert '<option value="MX">Mexico</option>' in edit.text
    page = client.get(reverse("organization"), HTTP_ACCEPT_LANGUAGE="es")
    assert "Estados Unidos" in page.text
