"""Every disclosure path is closed without a current consent and open with one;
revoking takes effect on the next request."""

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from aftercare.models import AuditEvent
from survivors.models import Consent, Purpose, Referral
from tests.clockwork import NEW_YORK
from tests.survivors.conftest import consent_for

pytestmark = pytest.mark.django_db


def consent_post(recipient, **extra):
    return {
        "recipient": recipient.pk,
        "purpose": Purpose.LEGAL_REPRESENTATION,
        "categories": ["identity"],
        "method": Consent.Method.WRITTEN,
        "given_on": timezone.localdate().isoformat(),
        **extra,
    }


def refer(client, survivor, organization):
    return client.post(
        reverse("survivors:refer", args=[survivor.pk]),
        {"to_organization": organization.pk, "purpose": Purpose.LEGAL_REPRESENTATION},
    )


def test_a_partner_cannot_open_a_survivor_without_consent(adult, coordinator, client_for):
    assert (
        client_for(coordinator).get(reverse("survivors:detail", args=[adult.pk])).status_code == 404
    )


def test_a_referral_cannot_be_sent_without_consent(adult, intake_worker, harbor, client_for):
    page = refer(client_for(intake_worker), adult, harbor)
    assert "There is no current consent" in page.text
    assert not Referral.objects.exists()
    assert AuditEvent.objects.filter(action="survivors.referral.refused_without_consent").exists()


def test_a_second_open_referral_to_the_same_organization_is_refused_with_what_to_do(
    adult, intake_worker, harbor, coordinator, client_for
):
    from survivors.services.sharing import referral_move
    from tests.actors import actor_of

    consent_for(adult, harbor, intake_worker.user, categories=["identity", "needs"])
    client = client_for(intake_worker)
    assert refer(client, adult, harbor).status_code == 302
    again = refer(client, adult, harbor)
    assert again.status_code == 200
    assert "already has an open referral to Harbor" in again.text
    assert "withdraw it before sending another" in again.text
    assert Referral.objects.count() == 1
    # Once that referral has ended, a new one may be sent.
    referral_move(
        actor=actor_of(coordinator),
        referral=Referral.objects.get(),
        status=Referral.Status.DECLINED,
        reason="No capacity this month",
    )
    assert refer(client, adult, harbor).status_code == 302
    assert Referral.objects.count() == 2


def test_with_consent_the_referral_shows_only_the_consented_categories(
    adult, intake_worker, harbor, coordinator, client_for
):
    consent_for(adult, harbor, intake_worker.user, categories=["identity", "needs"])
    assert refer(client_for(intake_worker), adult, harbor).status_code == 302
    page = client_for(coordinator).get(reverse("survivors:detail", args=[adult.pk]))
    assert page.status_code == 200
    assert "Nadia Petrenko" in page.text
    assert "Former employer" not in page.text, "safety was not consented"
    assert "Hidden Lane" not in page.text and "Show the address" not in page.text
    assert "Who has seen this record" not in page.text


def test_revoking_closes_every_path_on_the_next_request(
    adult, intake_worker, harbor, coordinator, client_for
):
    consent = consent_for(adult, harbor, intake_worker.user)
    refer(client_for(intake_worker), adult, harbor)
    referral = Referral.objects.get()
    harbor_client = client_for(coordinator)
    detail = reverse("survivors:detail", args=[adult.pk])
    assert harbor_client.get(detail).status_code == 200

    client_for(intake_worker).post(
        reverse("survivors:consent_revoke", args=[consent.pk]), {"reason": "Changed her mind"}
    )
    assert harbor_client.get(detail).status_code == 404
    assert harbor_client.get(reverse("survivors:referral", args=[referral.pk])).status_code == 404
    assert harbor_client.get(reverse("survivors:services", args=[adult.pk])).status_code == 404
    assert adult.code not in harbor_client.get(reverse("survivors:list")).text
    referral.refresh_from_db()
    assert referral.status == Referral.Status.WITHDRAWN


def test_an_expired_consent_shares_nothing(
    adult, intake_worker, harbor, coordinator, client_for, time_machine
):
    expires = timezone.localdate() + timedelta(days=30)
    consent_for(adult, harbor, intake_worker.user, expires_on=expires)
    refer(client_for(intake_worker), adult, harbor)
    detail = reverse("survivors:detail", args=[adult.pk])
    assert client_for(coordinator).get(detail).status_code == 200

    # Its last day, late in the evening in New York (already the next day in UTC).
    time_machine.move_to(datetime.combine(expires, time(23, 30), tzinfo=NEW_YORK))
    assert client_for(coordinator).get(detail).status_code == 200
    assert adult.code in client_for(coordinator).get(reverse("survivors:list")).text

    time_machine.move_to(datetime.combine(expires + timedelta(days=1), time(0, 30), NEW_YORK))
    assert client_for(coordinator).get(detail).status_code == 404
    assert adult.code not in client_for(coordinator).get(reverse("survivors:list")).text
    assert "There is no current consent" in refer(client_for(intake_worker), adult, harbor).text


def test_a_minors_consent_needs_assent_and_a_guardian(minor, intake_worker, harbor, client_for):
    client = client_for(intake_worker)
    url = reverse("survivors:consents", args=[minor.pk])
    page = client.post(url, consent_post(harbor))
    assert "A minor must agree too" in page.text
    assert "also needs a guardian or the responsible agency" in page.text
    assert not Consent.objects.exists()
    client.post(
        url,
        consent_post(
            harbor, minor_assent="on", guardian_consent_by="County Child Protective Services"
        ),
    )
    assert Consent.objects.get().guardian_consent_by == "County Child Protective Services"


def test_verbal_consent_names_a_witness(adult, intake_worker, harbor, client_for):
    page = client_for(intake_worker).post(
        reverse("survivors:consents", args=[adult.pk]),
        consent_post(harbor, method=Consent.Method.VERBAL_WITNESSED),
    )
    assert "needs the name of a witness" in page.text


def test_only_a_coordinator_can_override_and_must_say_why(
    adult, intake_worker, safehaven, harbor, client_for
):
    from tests.factories import MembershipFactory

    worker_page = client_for(intake_worker).post(
        reverse("survivors:consents", args=[adult.pk]),
        consent_post(harbor, method=Consent.Method.OVERRIDE, override_reason="Emergency"),
    )
    # Not offered to an intake worker, so not accepted from one either.
    assert "Choose one of the ways listed." in worker_page.text
    assert not adult.consents.exists()

    ngo_coordinator = MembershipFactory(organization=safehaven, role="coordinator")
    client = client_for(ngo_coordinator)
    no_reason = client.post(
        reverse("survivors:consents", args=[adult.pk]),
        consent_post(harbor, method=Consent.Method.OVERRIDE),
    )
    assert "Say why sharing without consent is necessary." in no_reason.text
    client.post(
        reverse("survivors:consents", args=[adult.pk]),
        consent_post(
            harbor,
            method=Consent.Method.OVERRIDE,
            override_reason="Imminent court date, survivor unreachable",
        ),
    )
    assert Consent.objects.get().method == Consent.Method.OVERRIDE
    event = AuditEvent.objects.get(action="survivors.consent.overridden")
    assert "Imminent" not in str(event.payload)


def test_the_printable_record_lists_every_share_in_plain_language(
    adult, intake_worker, harbor, client_for
):
    consent_for(adult, harbor, intake_worker.user)
    refer(client_for(intake_worker), adult, harbor)
    page = client_for(intake_worker).get(reverse("survivors:share_record", args=[adult.pk]))
    assert "you agreed that we may share information with" in page.text
    assert "we referred you to" in page.text
    assert harbor.name in page.text


def test_the_printable_record_is_not_for_the_receiving_organization(
    adult, intake_worker, harbor, coordinator, client_for
):
    consent_for(adult, harbor, intake_worker.user)
    refer(client_for(intake_worker), adult, harbor)
    response = client_for(coordinator).get(reverse("survivors:share_record", args=[adult.pk]))
    assert response.status_code == 403


def test_needs_and_services_need_the_needs_category(
    adult, intake_worker, harbor, coordinator, client_for
):
    consent_for(adult, harbor, intake_worker.user, categories=["identity"])
    refer(client_for(intake_worker), adult, harbor)
    client = client_for(coordinator)
    assert client.get(reverse("survivors:detail", args=[adult.pk])).status_code == 200
    assert client.get(reverse("survivors:services", args=[adult.pk])).status_code == 404
