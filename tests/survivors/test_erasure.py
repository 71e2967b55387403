"""Erasure on request and retention: personal data goes, the audit trail stays intact."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from aftercare.audit import audit_chain_verify
from aftercare.models import AuditEvent, Role
from survivors.models import Referral, RetentionPolicy, Survivor
from survivors.services.retention import retention_apply
from tests.canary import tables_containing
from tests.factories import MembershipFactory, make_survivor
from tests.survivors.conftest import consent_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def ngo_coordinator(safehaven):
    return MembershipFactory(organization=safehaven, role=Role.COORDINATOR)


def test_erasure_wipes_personal_data_and_keeps_the_audit(
    adult, ngo_coordinator, harbor, client_for
):
    consent_for(adult, harbor, ngo_coordinator.user)
    client = client_for(ngo_coordinator, sudo=True)
    client.post(
        reverse("survivors:refer", args=[adult.pk]),
        {"to_organization": harbor.pk, "purpose": "legal_representation"},
    )
    client.get(reverse("survivors:detail", args=[adult.pk]))
    last_before = AuditEvent.objects.order_by("-id").first().pk
    events_before = AuditEvent.objects.count()

    wrong = client.post(reverse("survivors:erase", args=[adult.pk]), {"confirm": "nope"})
    assert "does not match" in wrong.text
    client.post(reverse("survivors:erase", args=[adult.pk]), {"confirm": adult.code})

    survivor = Survivor.objects.get(pk=adult.pk)
    assert survivor.status == Survivor.Status.ERASED
    assert survivor.legal_name == "" and survivor.date_of_birth is None
    assert not survivor.tokens.exists() and not survivor.aliases.exists()
    assert Referral.objects.get().status == Referral.Status.WITHDRAWN
    assert list(Survivor.objects.matching(name="Nadia Petrenko")) == []
    assert tables_containing("Hidden Lane") == []
    assert AuditEvent.objects.filter(id__lte=last_before).count() == events_before
    assert AuditEvent.objects.filter(action="survivors.survivor.erased").count() == 1
    assert audit_chain_verify().intact


def test_a_legal_hold_blocks_erasure(adult, ngo_coordinator, client_for):
    client = client_for(ngo_coordinator, sudo=True)
    client.post(reverse("survivors:legal_hold", args=[adult.pk]), {"on": "1"})
    client.post(reverse("survivors:erase", args=[adult.pk]), {"confirm": adult.code})
    assert Survivor.objects.get(pk=adult.pk).legal_name == "Nadia Petrenko"


def test_erasure_needs_sudo_and_a_coordinator(adult, intake_worker, ngo_coordinator, client_for):
    assert (
        client_for(intake_worker, sudo=True)
        .get(reverse("survivors:erase", args=[adult.pk]))
        .status_code
        == 403
    )
    response = client_for(ngo_coordinator).get(reverse("survivors:erase", args=[adult.pk]))
    assert response.url.startswith(reverse("account:sudo"))


def test_retention_erases_only_what_is_due_and_only_when_enabled(safehaven, capsys):
    long_closed = make_survivor(safehaven, legal_name="Closed Long Ago", status="closed")
    held = make_survivor(safehaven, legal_name="Closed But Held", status="closed")
    recent = make_survivor(safehaven, legal_name="Closed Recently", status="closed")
    eight_years_ago = timezone.now() - timedelta(days=8 * 365)
    Survivor.objects.filter(pk__in=[long_closed.pk, held.pk]).update(closed_at=eight_years_ago)
    Survivor.objects.filter(pk=held.pk).update(legal_hold=True)
    Survivor.objects.filter(pk=recent.pk).update(closed_at=timezone.now())
    policy = RetentionPolicy.objects.create(organization=safehaven, years_after_closure=7)

    call_command("apply_retention", "--dry-run")
    assert "1 due" in capsys.readouterr().out
    [report] = retention_apply(dry_run=False)
    assert (report.due, report.erased, report.on_hold) == (1, 0, 1), "off until enabled"

    policy.enabled = True
    policy.save()
    [report] = retention_apply(dry_run=False)
    assert report.erased == 1
    statuses = dict(Survivor.objects.values_list("pk", "status"))
    assert statuses == {long_closed.pk: "erased", held.pk: "closed", recent.pk: "closed"}


def test_the_admin_sees_a_dry_run_before_enabling(safehaven, client_for):
    admin = MembershipFactory(organization=safehaven, role=Role.ORG_ADMIN)
    closed = make_survivor(safehaven, status="closed")
    Survivor.objects.filter(pk=closed.pk).update(closed_at=timezone.now() - timedelta(days=3000))
    page = client_for(admin, sudo=True).get(reverse("survivors:retention"))
    assert "today 1 closed record would be erased" in page.text


def test_only_roles_that_place_people_can_reveal_the_safe_house(
    adult, intake_worker, safehaven, client_for
):
    url = reverse("survivors:reveal_location", args=[adult.pk])
    page = client_for(intake_worker, sudo=True).post(url)
    assert "12 Hidden Lane" in page.text
    assert AuditEvent.objects.filter(action="survivors.survivor.safe_location_revealed").exists()
    detail = client_for(intake_worker).get(reverse("survivors:detail", args=[adult.pk]))
    assert "Hidden Lane" not in detail.text, "shown only on request"

    paralegal = MembershipFactory(organization=safehaven, role=Role.PARALEGAL)
    from aftercare.access import access_grant

    access_grant(user=paralegal.user, obj=adult)
    assert client_for(paralegal, sudo=True).post(url).status_code == 403


def test_revealing_asks_for_sudo_first(adult, intake_worker, client_for):
    response = client_for(intake_worker).post(reverse("survivors:reveal_location", args=[adult.pk]))
    assert response.url.startswith(reverse("account:sudo"))


def test_the_edit_form_never_shows_the_safe_house_and_keeps_it(adult, intake_worker, client_for):
    client = client_for(intake_worker)
    url = reverse("survivors:intake_step", args=[adult.pk, 3])
    assert "Hidden Lane" not in client.get(url).text
    client.post(url, {"safety_situation": "Updated", "safe_location": ""})
    assert Survivor.objects.get(pk=adult.pk).safe_location == "Room 4, 12 Hidden Lane"
