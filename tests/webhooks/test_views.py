"""An organization admin registers an endpoint, sees its secret once, rotates it, turns it
off and on, deletes it, and reads the delivery log; nobody else sees any of it."""

import re

import pytest
from django.db import connection
from django.urls import reverse

from aftercare.idempotency import submission_token_new
from aftercare.models import AuditEvent, Role
from survivors.models import Referral
from survivors.services.sharing import referral_move
from tests.actors import actor_of
from tests.factories import MembershipFactory
from tests.webhooks.conftest import consent_to, personal_values, refer, register
from webhooks.delivery import delivery_attempt
from webhooks.models import Delivery, Endpoint
from webhooks.signing import SignatureError, signature_header, verify

pytestmark = pytest.mark.django_db
SECRET_SHAPE = re.compile(r"whsec_[A-Za-z0-9_-]{40,}")
ALL_REFERRAL_TYPES = [
    "referral.received",
    "referral.accepted",
    "referral.declined",
    "referral.withdrawn",
]


def add(client, url, types=ALL_REFERRAL_TYPES, token=None, **extra):
    data = {"url": url, "event_types": types, "submission_token": token or submission_token_new()}
    return client.post(reverse("webhooks:endpoint_add"), data, **extra)


def test_an_admin_adds_an_endpoint_and_sees_its_secret_once(harbor_admin, client_for, receiver):
    client = client_for(harbor_admin, sudo=True)
    response = add(client, receiver.url)
    endpoint = Endpoint.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("webhooks:endpoint", args=[endpoint.pk])
    assert endpoint.event_types == ALL_REFERRAL_TYPES
    first = client.get(response.url)
    shown = SECRET_SHAPE.findall(first.text)
    assert shown == [endpoint.secret]
    assert "no-store" in first["Cache-Control"]
    again = client.get(response.url)
    assert endpoint.secret not in again.text
    assert "Signing secret" not in again.text
    # Encrypted at rest, and never in the audit trail.
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM webhooks_endpoint")
        (stored,) = cursor.fetchone()
    assert endpoint.secret not in stored
    created = AuditEvent.objects.get(action="webhooks.endpoint.created")
    assert created.payload == {"host": "127.0.0.1", "events": ALL_REFERRAL_TYPES}
    assert not AuditEvent.objects.filter(payload__icontains=endpoint.secret).exists()


def test_a_double_click_adds_one_endpoint(harbor_admin, client_for, receiver):
    client = client_for(harbor_admin, sudo=True)
    token = submission_token_new()
    first, second = add(client, receiver.url, token=token), add(client, receiver.url, token=token)
    assert first.url == second.url
    assert Endpoint.objects.count() == 1


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://93.184.216.34/hooks", "The address must start with https://."),
        ("https://169.254.169.254/latest/", "points into a private or internal network"),
        ("https://10.1.2.3/hooks", "points into a private or internal network"),
        ("partner.example/hooks", "Enter a whole address"),
    ],
)
def test_a_refused_address_is_explained_and_what_was_typed_is_kept(
    url, message, harbor_admin, client_for
):
    response = add(client_for(harbor_admin, sudo=True), url)
    assert response.status_code == 200
    assert message in response.text
    assert f'value="{url}"' in response.text
    assert 'value="referral.accepted"' in response.text and "checked" in response.text
    assert not Endpoint.objects.exists()


def test_no_event_chosen_is_explained(harbor_admin, client_for, receiver):
    response = add(client_for(harbor_admin, sudo=True), receiver.url, types=[])
    assert "Choose at least one event to send." in response.text
    assert not Endpoint.objects.exists()


def test_the_pages_speak_spanish(harbor_admin, client_for, receiver):
    client = client_for(harbor_admin, sudo=True)
    listing = client.get(reverse("webhooks:endpoints"), HTTP_ACCEPT_LANGUAGE="es").text
    assert "Añadir un punto de recepción" in listing
    refused = add(client, "http://93.184.216.34/hooks", HTTP_ACCEPT_LANGUAGE="es").text
    assert "La dirección debe empezar por https://." in refused


def test_managing_endpoints_asks_for_sudo_first(harbor_admin, client_for, receiver):
    endpoint = register(harbor_admin, receiver)
    client = client_for(harbor_admin)
    for method, name, args in [
        ("get", "webhooks:endpoints", []),
        ("get", "webhooks:endpoint_add", []),
        ("get", "webhooks:endpoint", [endpoint.pk]),
        ("post", "webhooks:endpoint_rotate", [endpoint.pk]),
        ("post", "webhooks:endpoint_delete", [endpoint.pk]),
    ]:
        response = getattr(client, method)(reverse(name, args=args))
        assert response.status_code == 302
        assert response.url.startswith(reverse("account:sudo"))
    assert Endpoint.objects.filter(pk=endpoint.pk).exists()


def test_rotating_makes_a_new_secret_shown_once_and_the_old_one_stops_verifying(
    harbor_admin, client_for, receiver
):
    endpoint = register(harbor_admin, receiver)
    old = receiver.secret
    client = client_for(harbor_admin, sudo=True)
    response = client.post(reverse("webhooks:endpoint_rotate", args=[endpoint.pk]))
    page = client.get(response.url)
    (new,) = SECRET_SHAPE.findall(page.text)
    assert new != old
    assert "The old one no longer signs anything" in page.text
    endpoint.refresh_from_db()
    body = b'{"id":"x"}'
    header = signature_header(endpoint.secret, body)
    with pytest.raises(SignatureError):
        verify(old, header, body)
    assert AuditEvent.objects.filter(action="webhooks.endpoint.secret_rotated").count() == 1


def test_turning_off_and_on_and_deleting(harbor_admin, client_for, receiver):
    endpoint = register(harbor_admin, receiver)
    client = client_for(harbor_admin, sudo=True)
    page = client.get(client.post(reverse("webhooks:endpoint_disable", args=[endpoint.pk])).url)
    assert "Off: nothing is sent" in page.text
    assert not Endpoint.objects.get().is_enabled
    client.post(reverse("webhooks:endpoint_enable", args=[endpoint.pk]))
    assert Endpoint.objects.get().is_enabled
    response = client.post(reverse("webhooks:endpoint_delete", args=[endpoint.pk]))
    assert response.url == reverse("webhooks:endpoints")
    assert not Endpoint.objects.exists()
    assert list(
        AuditEvent.objects.filter(action__startswith="webhooks.").values_list("action", flat=True)
    ) == [
        "webhooks.endpoint.created",
        "webhooks.endpoint.disabled",
        "webhooks.endpoint.enabled",
        "webhooks.endpoint.deleted",
    ]


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ATTORNEY, Role.INTAKE])
def test_members_who_are_not_admins_do_not_find_the_pages(role, harbor, client_for):
    client = client_for(MembershipFactory(organization=harbor, role=role), sudo=True)
    assert client.get(reverse("webhooks:endpoints")).status_code == 404
    assert add(client, "https://93.184.216.34/hooks").status_code == 404
    assert not Endpoint.objects.exists()


def test_another_organizations_admin_gets_404(harbor_admin, riverside, client_for, receiver):
    endpoint = register(harbor_admin, receiver)
    client = client_for(MembershipFactory(organization=riverside, role=Role.ORG_ADMIN), sudo=True)
    assert client.get(reverse("webhooks:endpoint", args=[endpoint.pk])).status_code == 404
    for name in ("endpoint_rotate", "endpoint_disable", "endpoint_delete"):
        assert client.post(reverse(f"webhooks:{name}", args=[endpoint.pk])).status_code == 404
    assert endpoint.url not in client.get(reverse("webhooks:endpoints")).text
    assert Endpoint.objects.get().is_enabled
    # Nor did its secret get shown: Harbor's admin still sees it, once.
    assert Endpoint.objects.get().secret_shown_at is not None


def test_the_delivery_log_shows_each_attempt_and_nothing_personal(
    survivor,
    intake_worker,
    harbor,
    coordinator,
    harbor_admin,
    receiver,
    client_for,
    django_assert_max_num_queries,
):
    endpoint = register(harbor_admin, receiver)
    consent_to(survivor, intake_worker, harbor)
    referral = refer(survivor, intake_worker, harbor)
    referral_move(
        actor=actor_of(coordinator),
        referral=referral,
        status=Referral.Status.DECLINED,
        reason="Conflict with Thaddeus Crumb",
    )
    receiver.answers = [500]
    received = Delivery.objects.get(event__type="referral.received")
    assert delivery_attempt(delivery_id=received.pk) == "failed"
    Delivery.objects.filter(pk=received.pk).update(next_attempt_at=received.created_at)
    assert delivery_attempt(delivery_id=received.pk) == "delivered"
    client = client_for(harbor_admin, sudo=True)
    url = reverse("webhooks:endpoint", args=[endpoint.pk])
    with django_assert_max_num_queries(20):
        page = client.get(url).text
    assert page.count('<th scope="row">Referral received') == 2
    assert "HTTP 500" in page and "next try" in page
    assert "Delivered" in page
    assert str(received.event.public_id) in page
    assert "2 events wait for their first attempt." in page  # the consent, the decline
    for value in personal_values():
        assert value not in page
    # The page costs the same with many attempts.
    for _n in range(30):
        consent_to(survivor, intake_worker, harbor)
    for delivery in Delivery.objects.filter(status=Delivery.Status.PENDING):
        delivery_attempt(delivery_id=delivery.pk)
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200
