"""Anonymized opportunities with a no-conflict confirmation; private check-ins; the
coordinator's load and hours pages and the pro bono CSV."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from aftercare.models import AuditEvent, Notification
from cases.models import Party, TimeEntry
from tests.factories import make_matter
from tests.volunteers.conftest import make_volunteer
from volunteers.models import CheckIn, Interest, Opportunity

pytestmark = pytest.mark.django_db


@pytest.fixture
def opportunity(matter, coordinator, client_for):
    Party.objects.create(matter=matter, role="trafficker", name="Victor Adverseman")
    client_for(coordinator).post(
        reverse("volunteers:opportunity_post", args=[matter.pk]),
        {"role": "attorney", "language": "Spanish", "description": "T visa declaration."},
    )
    return Opportunity.objects.get()


def test_an_opportunity_shows_no_client_data_and_details_follow_a_confirmation(
    opportunity, matter, volunteer, coordinator, client_for
):
    as_volunteer = client_for(volunteer)
    listing = as_volunteer.get(reverse("volunteers:opportunities")).content.decode()
    assert "T visa" in listing and "Spanish" in listing
    for secret in ("Paloma", "Quietname", matter.client.code, matter.number, "Adverseman"):
        assert secret not in listing, secret
    detail = reverse("volunteers:opportunity", args=[opportunity.pk])
    assert as_volunteer.get(detail).status_code == 404, "no interest yet: nothing to read"

    as_volunteer.post(reverse("volunteers:interest_express", args=[opportunity.pk]))
    staff = client_for(coordinator).get(reverse("volunteers:staff", args=[matter.pk]))
    assert "interested, has not yet confirmed no conflict" in staff.content.decode()
    before = as_volunteer.get(detail).content.decode()
    assert "I confirm I have no conflict of interest" in before
    assert "Adverseman" not in before and "T visa declaration." not in before

    as_volunteer.post(reverse("volunteers:interest_confirm", args=[opportunity.pk]), {})
    assert "Adverseman" not in as_volunteer.get(detail).content.decode(), "the box was unticked"
    as_volunteer.post(
        reverse("volunteers:interest_confirm", args=[opportunity.pk]), {"no_conflict": "yes"}
    )
    after = as_volunteer.get(detail).content.decode()
    assert "Victor Adverseman" in after and "T visa declaration." in after
    assert "Paloma" not in after and matter.client.code not in after
    actions = list(AuditEvent.objects.filter(actor=volunteer.user).values_list("action", flat=True))
    assert "volunteers.interest.no_conflict_confirmed" in actions
    assert "volunteers.opportunity.details_viewed" in actions
    told = Notification.objects.get(recipient=coordinator.user)
    assert matter.number in told.message and "Paloma" not in told.message

    staff = client_for(coordinator).get(reverse("volunteers:staff", args=[matter.pk]))
    assert "interested, no conflict confirmed" in staff.content.decode()


def test_a_volunteer_who_finds_a_conflict_withdraws_and_it_is_recorded(
    opportunity, volunteer, client_for
):
    as_volunteer = client_for(volunteer)
    as_volunteer.post(reverse("volunteers:interest_express", args=[opportunity.pk]))
    as_volunteer.post(
        reverse("volunteers:interest_withdraw", args=[opportunity.pk]), {"reason": "conflict"}
    )
    interest = Interest.objects.get()
    assert interest.conflict_found and interest.withdrawn_at
    detail = reverse("volunteers:opportunity", args=[opportunity.pk])
    assert as_volunteer.get(detail).status_code == 404

    listing = as_volunteer.get(reverse("volunteers:opportunities")).content.decode()
    assert "You reported a conflict with this matter." in listing
    assert "I am interested" not in listing
    again = as_volunteer.post(
        reverse("volunteers:interest_express", args=[opportunity.pk]), follow=True
    )
    assert "You reported a conflict with this matter." in again.content.decode()
    interest.refresh_from_db()
    assert interest.conflict_found and interest.withdrawn_at, "asking again does not erase it"
    assert as_volunteer.get(detail).status_code == 404


def test_assigning_a_volunteer_closes_the_opportunity(
    opportunity, matter, volunteer, coordinator, client_for
):
    client_for(coordinator).post(
        reverse("volunteers:assign", args=[matter.pk]), {"user": volunteer.user.pk}
    )
    opportunity.refresh_from_db()
    assert not opportunity.is_open
    listing = client_for(volunteer).get(reverse("volunteers:opportunities")).content.decode()
    assert "No open opportunities" in listing


def test_check_ins_are_private_and_a_request_to_talk_reaches_coordinators(
    volunteer, coordinator, client_for
):
    as_volunteer = client_for(volunteer)
    as_volunteer.post(
        reverse("volunteers:wellbeing"),
        {
            "feeling": "2",
            "note": "The hearing was hard to sit through.",
            "wants_conversation": "on",
        },
    )
    page = as_volunteer.get(reverse("volunteers:wellbeing")).content.decode()
    assert "The hearing was hard to sit through." in page
    other = client_for(coordinator).get(reverse("volunteers:wellbeing")).content.decode()
    assert "hard to sit through" not in other
    told = Notification.objects.get(recipient=coordinator.user)
    assert "check-in conversation" in told.message and "hearing" not in told.message
    payloads = " ".join(str(p) for p in AuditEvent.objects.values_list("payload", flat=True))
    assert "hard to sit through" not in payloads
    assert CheckIn.objects.get().note == "The hearing was hard to sit through."


def test_the_volunteer_list_shows_load_against_capacity_in_constant_queries(
    harbor, coordinator, client_for, django_assert_max_num_queries
):
    busy = make_volunteer(harbor, capacity=1)
    make_volunteer(harbor, capacity=4)
    as_coordinator = client_for(coordinator)
    as_coordinator.post(
        reverse("volunteers:assign", args=[make_matter(harbor).pk]), {"user": busy.user.pk}
    )
    with django_assert_max_num_queries(40) as few:
        page = as_coordinator.get(reverse("volunteers:list")).content.decode()
    queries = len(few.captured_queries)
    assert queries > 0
    assert "1 of 1" in page and "full" in page and "0 of 4" in page
    for _ in range(6):
        make_volunteer(harbor)
    with django_assert_max_num_queries(queries):
        as_coordinator.get(reverse("volunteers:list"))


def test_hours_per_volunteer_and_period_and_a_csv_without_client_names(
    harbor, matter, volunteer, coordinator, client_for, django_assert_max_num_queries
):
    firm = make_volunteer(harbor, firm="=HYPERLINK(evil)")
    for person, day, minutes in (
        (volunteer.user, date(2026, 3, 1), 90),
        (volunteer.user, date(2026, 4, 1), 30),
        (firm.user, date(2026, 3, 5), 60),
        (firm.user, date(2025, 12, 31), 600),  # outside the period
    ):
        TimeEntry.objects.create(
            matter=matter, person=person, date=day, minutes=minutes, activity="drafting"
        )
    as_coordinator = client_for(coordinator)
    period = {"start": "2026-01-01", "end": "2026-06-30"}
    with django_assert_max_num_queries(30) as few:
        page = as_coordinator.get(reverse("volunteers:hours"), period).content.decode()
    assert "3.0 hours in all" in page
    queries = len(few.captured_queries)
    assert queries > 0
    for _ in range(5):
        make_volunteer(harbor)
    with django_assert_max_num_queries(queries):
        as_coordinator.get(reverse("volunteers:hours"), period)

    export = reverse("volunteers:hours_export")
    assert "/account/confirm/" in as_coordinator.get(export, period).url, "export needs sudo"
    response = client_for(coordinator, sudo=True).get(export, period)
    text = response.content.decode()
    rows = {r["email"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows[volunteer.user.email]["hours"] == "2.00"
    assert rows[volunteer.user.email]["hours_immigration"] == "2.00"
    assert rows[firm.user.email]["hours"] == "1.00"
    assert rows[firm.user.email]["firm"] == "'=HYPERLINK(evil)", "no formula runs in a sheet"
    for secret in ("Paloma", "Quietname", matter.client.code, matter.number):
        assert secret not in text
    assert AuditEvent.objects.filter(action="volunteers.hours.exported").exists()


def test_the_staffing_page_and_the_opportunity_list_do_not_grow_in_queries(
    harbor, matter, coordinator, volunteer, client_for, django_assert_max_num_queries
):
    as_coordinator, as_volunteer = client_for(coordinator), client_for(volunteer)
    staff = reverse("volunteers:staff", args=[matter.pk])
    listing = reverse("volunteers:opportunities")

    def post_opportunity():
        other = make_matter(harbor, lead=matter.lead_attorney)
        as_coordinator.post(
            reverse("volunteers:opportunity_post", args=[other.pk]), {"role": "paralegal"}
        )

    post_opportunity()
    with django_assert_max_num_queries(60) as staffing:
        assert as_coordinator.get(staff).status_code == 200
    with django_assert_max_num_queries(30) as opportunities:
        assert "I am interested" in as_volunteer.get(listing).content.decode()
    counts = len(staffing.captured_queries), len(opportunities.captured_queries)
    assert min(counts) > 0
    for _ in range(6):
        make_volunteer(harbor)
        post_opportunity()
    with django_assert_max_num_queries(counts[0]):
        as_coordinator.get(staff)
    with django_assert_max_num_queries(counts[1]):
        page = as_volunteer.get(listing).content.decode()
    assert page.count("I am interested") == 7
