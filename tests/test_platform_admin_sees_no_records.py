"""A platform administrator runs the service but is nobody's member: every page of an
organization's records (survivors, matters, documents, notes, volunteers, members, the
audit trail) is a 404 for them, with a denied audit event, and changes nothing."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from aftercare.models import AuditEvent
from tests.test_permission_matrix import OBJECT_URLS, Personas, _database_rows

pytestmark = pytest.mark.django_db

RECORD_URLS = sorted(name for name in OBJECT_URLS if not name.startswith("platform:"))


@pytest.fixture
def personas(request, harbor, riverside, safehaven):
    return Personas(request)


def _denied() -> int:
    return AuditEvent.objects.filter(action="aftercare.access.denied").count()


@pytest.mark.parametrize("url_name", RECORD_URLS)
def test_every_record_url_is_404_for_a_platform_admin(url_name, personas, client_for):
    case = OBJECT_URLS[url_name]
    url = reverse(url_name, kwargs=case.make(personas))
    client = client_for(personas["platform_admin"], sudo=True)
    for method in case.methods:
        before, denied = _database_rows(), _denied()
        response = getattr(client, method)(url, dict(case.data))
        assert response.status_code == 404, f"{method.upper()} {url}"
        assert _database_rows() == before
        assert _denied() == denied + 1


def _organization_pages(resolver: URLResolver, namespace: str = "") -> list[str]:
    """Every URL without parameters whose view needs an acting organization."""
    names = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names += _organization_pages(entry, inner)
        elif isinstance(entry, URLPattern) and not entry.pattern.converters and entry.name:
            view = entry.callback
            if (
                getattr(view, "login_required", True)
                and not getattr(view, "organization_not_required", False)
                and not getattr(view, "second_factor_not_required", False)
            ):
                names.append(f"{namespace}{entry.name}")
    return sorted(names)


ORGANIZATION_PAGES = _organization_pages(get_resolver())


def test_the_sweep_finds_the_organization_pages():
    assert {"survivors:list", "cases:list", "member_list", "audit_trail"} <= set(ORGANIZATION_PAGES)


@pytest.mark.parametrize("url_name", [n for n in ORGANIZATION_PAGES if n != "dashboard"])
def test_every_organization_page_is_404_for_a_platform_admin(url_name, platform_admin, client_for):
    response = client_for(platform_admin, sudo=True).get(reverse(url_name))
    assert response.status_code == 404


def test_the_dashboard_sends_a_platform_admin_to_the_organizations(platform_admin, client_for):
    response = client_for(platform_admin).get(reverse("dashboard"))
    assert response.url == reverse("platform:organizations")
