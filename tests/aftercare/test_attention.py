"""A coordinator's "What needs attention": each kind lists what is waiting, links to it,
leaves out what is not (yet) a problem, never names a client, and shows another
organization's records to nobody."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from aftercare.models import Role
from cases.models import DeadlineRule, Matter, MatterNote
from cases.services.deadlines import deadline_add_computed
from survivors.models import Referral
from tests.actors import lead_actor
from tests.factories import MembershipFactory, make_matter, make_survivor, make_volunteer
from tests.survivors.conftest import consent_for
from volunteers.models import Credential

NY = ZoneInfo("America/New_York")
TODAY = date(2027, 3, 1)
CLIENT = "Zafira Okonkwo-Testname"
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(datetime(2027, 3, 1, 9, 0, tzinfo=NY), tick=False),
]


def days_ago(days: int) -> datetime:
    return timezone.now() - timedelta(days=days)


def rfe_deadline(matter, trigger: date):
    rule = DeadlineRule.objects.get(organization=matter.organization, code="rfe-response")
    return deadline_add_computed(
        actor=lead_actor(matter), matter=matter, rule=rule, trigger_date=trigger
    )


def idle_matter(organization, lead, days: int) -> Matter:
    client = make_survivor(organization, legal_name=CLIENT)
    matter = make_matter(organization, client=client, lead=lead)
    Matter.objects.filter(pk=matter.pk).update(opened_at=days_ago(days))
    return matter


def referral(survivor, sender, recipient, by, days: int) -> Referral:
    consent = consent_for(survivor, recipient, by)
    return Referral.objects.create(
        survivor=survivor,
        from_organization=sender,
        to_organization=recipient,
        purpose=consent.purpose,
        consent=consent,
        sent_by=by,
        sent_at=days_ago(days),
    )


def expiring(organization, days_from_today: int) -> Credential:
    volunteer = make_volunteer(organization)
    credential = Credential.objects.get(profile__user=volunteer.user, kind="confidentiality")
    credential.expires_on = TODAY + timedelta(days=days_from_today)
    credential.save()
    return credential


@pytest.fixture
def waiting(harbor, riverside, safehaven, attorney, coordinator, partner_coordinator):
    """One record of each kind that needs attention, and one of each that does not."""
    due_soon = make_matter(harbor, lead=attorney.user)
    # An RFE dated 2027-01-20: its response is due in March, within two weeks or past.
    soon = rfe_deadline(due_soon, date(2026, 12, 10))
    later = rfe_deadline(make_matter(harbor, lead=attorney.user), date(2027, 2, 20))
    forgotten = idle_matter(harbor, attorney.user, days=60)
    busy = idle_matter(harbor, attorney.user, days=60)
    MatterNote.objects.create(matter=busy, author=attorney.user, body="Called the client")
    idle_matter(riverside, None, days=90)  # another organization's: never listed
    asked = make_survivor(safehaven, legal_name=CLIENT)
    old = referral(asked, safehaven, harbor, partner_coordinator.user, days=9)
    referral(asked, safehaven, harbor, partner_coordinator.user, days=2)
    running_out = expiring(harbor, 20)
    expiring(harbor, 60)
    renewed = expiring(harbor, 10)
    Credential.objects.create(
        profile=renewed.profile,
        organization=harbor,
        kind=renewed.kind,
        completed_on=TODAY,
        expires_on=TODAY + timedelta(days=365),
        verified_at=timezone.now(),
    )
    return {
        "soon": soon,
        "later": later,
        "forgotten": forgotten,
        "busy": busy,
        "referral": old,
        "running_out": running_out,
        "renewed": renewed,
    }


def page_of(client, **headers) -> str:
    response = client.get(reverse("attention"), **headers)
    assert response.status_code == 200
    return response.text


def test_the_coordinator_sees_what_waits_and_not_what_does_not(waiting, coordinator, client_for):
    page = page_of(client_for(coordinator))
    soon, later = waiting["soon"], waiting["later"]
    assert f"{soon.matter.number}: {soon.rule.name}" in page
    assert f'href="/matters/{soon.matter_id}/#deadlines"' in page
    assert f"{later.matter.number}: " not in page, "due in more than two weeks"

    forgotten, busy = waiting["forgotten"], waiting["busy"]
    assert f'href="/matters/{forgotten.pk}/">{forgotten.number}</a>' in page
    assert f">{busy.number}</a>" not in page, "a note ten minutes ago is activity"
    riverside_matter = Matter.objects.exclude(organization=forgotten.organization).get()
    assert f'href="/matters/{riverside_matter.pk}/"' not in page

    old = waiting["referral"]
    assert f"Referral {old.pk} from Safe Haven Test Shelter: yours to answer" in page
    assert page.count("yours to answer") == 1, "the one sent two days ago can wait"

    running_out = waiting["running_out"]
    person = running_out.profile.user.full_name
    assert f"{person}: {running_out.label}" in page
    assert page.count(": Confidentiality training") == 1, "renewed, or not yet near"
    assert CLIENT not in page


def test_another_organizations_records_are_never_listed(waiting, riverside, client_for):
    page = page_of(client_for(MembershipFactory(organization=riverside, role=Role.COORDINATOR)))
    for matter in Matter.objects.filter(organization=waiting["forgotten"].organization):
        assert f'href="/matters/{matter.pk}/' not in page
    assert "Referral " not in page
    assert waiting["running_out"].profile.user.full_name not in page
    assert ">M-2026-0001</a> · last activity" in page, "its own idle matter is listed"


def test_only_those_who_see_the_whole_organization_have_the_page(attorney, client_for):
    assert client_for(attorney).get(reverse("attention")).status_code == 404


def test_the_page_speaks_spanish(waiting, coordinator, client_for):
    page = page_of(client_for(coordinator), HTTP_ACCEPT_LANGUAGE="es")
    assert "Qué necesita atención" in page
    assert "Derivaciones que esperan respuesta" in page
    assert "última actividad 31 de diciembre de 2026" in page


def test_the_queries_do_not_grow_with_the_rows(
    waiting, harbor, attorney, coordinator, client_for, django_assert_max_num_queries
):
    client = client_for(coordinator)
    page_of(client)
    with django_assert_max_num_queries(30) as few:
        page_of(client)
    for _ in range(5):
        idle_matter(harbor, attorney.user, days=70)
        expiring(harbor, 5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page_of(client)
