"""Referrals through the API: sent under consent, read with their history, withdrawn;
every POST idempotent by its `Idempotency-Key`."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.urls import reverse

from aftercare.models import AuditEvent, Role
from api.models import IdempotencyKey
from survivors.models import Referral
from survivors.services.sharing import referral_move
from tests.api.conftest import KeyClient, consent_to, make_key

pytestmark = pytest.mark.django_db


def _body(who, to, **changes):
    return {
        "survivor": who.pk,
        "to_organization": to.pk,
        "purpose": "legal_representation",
        "need": "legal",
        "note": "Prefers calls after 6 pm",
        **changes,
    }


def test_a_partner_sends_a_referral_under_consent(safehaven_key, shelter_survivor, harbor, api_for):
    consent_to(shelter_survivor, harbor)
    response = api_for(safehaven_key).post_json(
        reverse("api:referrals"), _body(shelter_survivor, harbor), idempotency_key="k-1"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "sent"
    assert body["survivor_code"] == shelter_survivor.code
    assert body["direction"] == "sent"
    assert response["Location"] == reverse("api:referral", args=[body["id"]])
    referral = Referral.objects.get()
    assert referral.note == "Prefers calls after 6 pm"
    assert referral.sent_by == safehaven_key[0].membership.user
    event = AuditEvent.objects.get(action="survivors.referral.sent")
    assert event.payload["channel"] == "api"
    assert event.actor == safehaven_key[0].membership.user
    assert "Amara" not in response.text and "Prefers" not in response.text


def test_a_retry_with_a_new_key_does_not_open_a_second_referral(
    safehaven_key, shelter_survivor, harbor, api_for
):
    consent_to(shelter_survivor, harbor)
    api = api_for(safehaven_key)
    first = api.post_json(
        reverse("api:referrals"), _body(shelter_survivor, harbor), idempotency_key="k-1"
    )
    second = api.post_json(
        reverse("api:referrals"), _body(shelter_survivor, harbor), idempotency_key="k-2"
    )
    assert (first.status_code, second.status_code) == (201, 400)
    assert "already has an open referral" in second.text
    assert Referral.objects.count() == 1


def test_without_consent_the_referral_is_refused_with_the_reason(
    safehaven_key, shelter_survivor, harbor, api_for
):
    response = api_for(safehaven_key).post_json(
        reverse("api:referrals"), _body(shelter_survivor, harbor), idempotency_key="k-1"
    )
    assert response.status_code == 400
    assert "no current consent" in response.text
    assert not Referral.objects.exists()
    assert AuditEvent.objects.filter(action="survivors.referral.refused_without_consent").exists()
    # Refused, so the key is free: once consent is recorded, the same request goes through.
    consent_to(shelter_survivor, harbor)
    again = api_for(safehaven_key).post_json(
        reverse("api:referrals"), _body(shelter_survivor, harbor), idempotency_key="k-1"
    )
    assert again.status_code == 201


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"purpose": "reporting"}, "purpose"),
        ({"need": "nonsense"}, "need"),
        ({"survivor": "abc"}, "survivor"),
        ({"to_organization": 999999}, "to_organization"),
    ],
)
def test_bad_input_says_which_field(
    changes, field, safehaven_key, shelter_survivor, harbor, api_for
):
    response = api_for(safehaven_key).post_json(
        reverse("api:referrals"), _body(shelter_survivor, harbor, **changes), idempotency_key="x"
    )
    assert response.status_code == 400
    assert field in response.json()


def test_a_post_without_an_idempotency_key_is_refused(
    safehaven_key, shelter_survivor, harbor, api_for
):
    consent_to(shelter_survivor, harbor)
    response = api_for(safehaven_key).post_json(
        reverse("api:referrals"), _body(shelter_survivor, harbor)
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]
    assert not Referral.objects.exists()


def test_a_retried_create_answers_the_first_result(
    safehaven_key, shelter_survivor, harbor, api_for
):
    consent_to(shelter_survivor, harbor)
    api = api_for(safehaven_key)
    first = api.post_json(
        reverse("api:referrals"), _body(shelter_survivor, harbor), idempotency_key="same"
    )
    again = api.post_json(
        reverse("api:referrals"), _body(shelter_survivor, harbor), idempotency_key="same"
    )
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again["Idempotent-Replayed"] == "true"
    assert Referral.objects.count() == 1
    stored = IdempotencyKey.objects.get()
    assert "Prefers" not in repr(stored.response_body)


def test_the_same_key_with_another_body_is_refused(
    safehaven_key, shelter_survivor, harbor, api_for
):
    consent_to(shelter_survivor, harbor)
    api = api_for(safehaven_key)
    api.post_json(reverse("api:referrals"), _body(shelter_survivor, harbor), idempotency_key="k")
    other = api.post_json(
        reverse("api:referrals"),
        _body(shelter_survivor, harbor, need="shelter"),
        idempotency_key="k",
    )
    assert other.status_code == 422
    assert "different request" in other.json()["detail"]
    assert Referral.objects.count() == 1


def test_keys_are_per_client(safehaven, shelter_survivor, harbor):
    from tests.factories import make_survivor

    other = make_survivor(safehaven, legal_name="Second Person")
    first, second = KeyClient(make_key(safehaven)[1]), KeyClient(make_key(safehaven)[1])
    for api, survivor in ((first, shelter_survivor), (second, other)):
        consent_to(survivor, harbor)
        response = api.post_json(
            reverse("api:referrals"), _body(survivor, harbor), idempotency_key="k"
        )
        assert response.status_code == 201
    assert Referral.objects.count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")
def test_concurrent_duplicates_make_one_referral(safehaven, harbor):
    from tests.factories import make_survivor

    survivor = make_survivor(safehaven, legal_name="Concurrent Person")
    consent_to(survivor, harbor)
    _client, key = make_key(safehaven)
    start, answers = threading.Barrier(4), []

    def send():
        try:
            start.wait()
            response = KeyClient(key).post_json(
                reverse("api:referrals"), _body(survivor, harbor), idempotency_key="race"
            )
            answers.append((response.status_code, response.json()["id"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Referral.objects.count() == 1
    assert len(set(answers)) == 1, answers
    assert answers[0][0] == 201


def test_the_receiver_reads_the_referral_and_its_history(
    safehaven_key, harbor_key, shelter_survivor, harbor, coordinator, api_for
):
    from aftercare.actor import Actor

    consent_to(shelter_survivor, harbor)
    sent = api_for(safehaven_key).post_json(
        reverse("api:referrals"), _body(shelter_survivor, harbor), idempotency_key="k"
    )
    referral = Referral.objects.get(pk=sent.json()["id"])
    referral_move(
        actor=Actor(user=coordinator.user, membership=coordinator),
        referral=referral,
        status=Referral.Status.ACCEPTED,
    )
    seen_by_partner = api_for(safehaven_key).get(reverse("api:referral", args=[referral.pk]))
    assert seen_by_partner.status_code == 200
    body = seen_by_partner.json()
    assert body["status"] == "accepted"
    assert [(e["previous_status"], e["status"]) for e in body["history"]] == [
        (None, "sent"),
        ("sent", "accepted"),
    ]
    received = api_for(harbor_key).get(reverse("api:referrals"), {"status": "accepted"})
    assert [r["id"] for r in received.json()["results"]] == [referral.pk]
    assert received.json()["results"][0]["direction"] == "received"
    events = api_for(safehaven_key).get(reverse("api:referral_events")).json()["results"]
    assert [e["status"] for e in events] == ["sent", "accepted"]
    viewed = AuditEvent.objects.filter(action="survivors.referral.viewed").latest("id")
    assert viewed.payload["channel"] == "api"


def test_a_revoked_consent_withdraws_the_referral_in_the_senders_history_and_feed(
    safehaven_key, shelter_survivor, harbor, intake_worker, api_for
):
    from aftercare.actor import Actor
    from survivors.services.sharing import consent_revoke

    consent = consent_to(shelter_survivor, harbor)
    sent = api_for(safehaven_key).post_json(
        reverse("api:referrals"), _body(shelter_survivor, harbor), idempotency_key="k"
    )
    consent_revoke(
        actor=Actor(user=intake_worker.user, membership=intake_worker),
        consent=consent,
        reason="She asked us to stop",
    )
    body = api_for(safehaven_key).get(reverse("api:referral", args=[sent.json()["id"]])).json()
    assert body["status"] == "withdrawn"
    assert [(e["previous_status"], e["status"]) for e in body["history"]] == [
        (None, "sent"),
        ("sent", "withdrawn"),
    ]
    events = api_for(safehaven_key).get(reverse("api:referral_events")).json()["results"]
    assert [e["status"] for e in events] == ["sent", "withdrawn"]


def test_an_unknown_status_filter_says_which_exist(harbor_key, api_for):
    response = api_for(harbor_key).get(reverse("api:referrals"), {"status": "lost"})
    assert response.status_code == 400
    assert "accepted" in response.json()["status"][0]


def test_the_sender_withdraws_and_a_second_withdraw_is_a_conflict(
    safehaven_key, shelter_survivor, harbor, api_for
):
    consent_to(shelter_survivor, harbor)
    api = api_for(safehaven_key)
    referral_id = api.post_json(
        reverse("api:referrals"), _body(shelter_survivor, harbor), idempotency_key="k"
    ).json()["id"]
    url = reverse("api:referral_withdraw", args=[referral_id])
    withdrawn = api.post_json(url, idempotency_key="w-1")
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
    assert api.post_json(url, idempotency_key="w-1").json() == withdrawn.json()
    later = api.post_json(url, idempotency_key="w-2")
    assert later.status_code == 409
    assert "withdrawn" in later.json()["detail"]


def test_the_receiver_cannot_withdraw(safehaven_key, harbor_key, shelter_survivor, harbor, api_for):
    consent_to(shelter_survivor, harbor)
    referral_id = (
        api_for(safehaven_key)
        .post_json(reverse("api:referrals"), _body(shelter_survivor, harbor), idempotency_key="k")
        .json()["id"]
    )
    response = api_for(harbor_key).post_json(
        reverse("api:referral_withdraw", args=[referral_id]), idempotency_key="w"
    )
    assert response.status_code == 403
    assert Referral.objects.get().status == "sent"


def test_a_survivor_shared_with_the_caller_is_not_theirs_to_refer(
    harbor_key, shelter_survivor, harbor, riverside, api_for
):
    consent_to(shelter_survivor, harbor)
    from survivors.models import SurvivorShare
    from survivors.services.sharing import survivor_access_refresh

    SurvivorShare.objects.create(
        survivor=shelter_survivor, organization=harbor, consent=shelter_survivor.consents.get()
    )
    survivor_access_refresh(survivor=shelter_survivor, organization_id=harbor.pk)
    response = api_for(harbor_key).post_json(
        reverse("api:referrals"), _body(shelter_survivor, riverside), idempotency_key="k"
    )
    assert response.status_code == 403
    assert not Referral.objects.exists()


def test_an_intake_key_sees_only_the_referrals_it_sent(safehaven, shelter_survivor, harbor):
    consent_to(shelter_survivor, harbor)
    coordinator_key = KeyClient(make_key(safehaven)[1])
    coordinator_key.post_json(
        reverse("api:referrals"), _body(shelter_survivor, harbor), idempotency_key="k"
    )
    intake_key = KeyClient(make_key(safehaven, role=Role.INTAKE)[1])
    assert intake_key.get(reverse("api:referrals")).json()["results"] == []


def test_the_referral_list_costs_the_same_queries_for_many_rows(
    safehaven_key, harbor, api_for, django_assert_max_num_queries
):
    from tests.factories import make_survivor

    api = api_for(safehaven_key)
    for n in range(12):
        survivor = make_survivor(safehaven_key[0].organization, legal_name=f"Person {n}")
        consent_to(survivor, harbor)
        api.post_json(reverse("api:referrals"), _body(survivor, harbor), idempotency_key=f"{n}")
    with django_assert_max_num_queries(6):
        response = api.get(reverse("api:referrals"))
    assert len(response.json()["results"]) == 12


def test_erasing_the_survivor_deletes_the_stored_answers_naming_them(
    safehaven_key, shelter_survivor, harbor, api_for
):
    from aftercare.actor import Actor
    from survivors.services.retention import survivor_erase
    from tests.factories import MembershipFactory

    consent_to(shelter_survivor, harbor)
    api_for(safehaven_key).post_json(
        reverse("api:referrals"), _body(shelter_survivor, harbor), idempotency_key="k"
    )
    assert IdempotencyKey.objects.count() == 1
    coordinator = MembershipFactory(
        organization=shelter_survivor.organization, role=Role.COORDINATOR
    )
    report = survivor_erase(
        actor=Actor(user=coordinator.user, membership=coordinator), survivor=shelter_survivor
    )
    assert not IdempotencyKey.objects.exists()
    assert "api.idempotency_answers" in repr(report)


def test_a_refusal_is_worded_in_spanish_for_a_spanish_caller(
    safehaven_key, shelter_survivor, harbor, api_for
):
    response = api_for(safehaven_key).post_json(
        reverse("api:referrals"), _body(shelter_survivor, harbor), HTTP_ACCEPT_LANGUAGE="es"
    )
    assert response.status_code == 400
    assert "Envíe una cabecera Idempotency-Key" in response.json()["detail"]
