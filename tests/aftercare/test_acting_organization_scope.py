"""A person in two organizations sees, acting for one, nothing of the other: notifications,
the bell, the dashboard, their own matters, their check-ins.

Harbor and Riverside each number their first matter M-2026-0001, so a notification or a
row from the other organization would read as if it were about this one.
"""

from datetime import date, timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from aftercare.models import Notification, Role
from cases.models import Deadline, Delivery
from cases.services import reminders
from tests.factories import MembershipFactory, make_matter
from volunteers.models import CheckIn, Credential, VolunteerProfile

pytestmark = pytest.mark.django_db


def bell(client) -> str:
    """The unread count on the bell of the dashboard, or "" when there is none."""
    text = client.get(reverse("dashboard")).text
    return text.split('class="bell__count">')[1].split("<")[0] if "bell__count" in text else ""


def read_url(notification) -> str:
    return reverse("notification_read", args=[notification.pk])


def matter_url(matter) -> str:
    return reverse("cases:detail", args=[matter.pk])


def about(matter, person):
    """The in-app notifications `person` received about `matter` (found by their link)."""
    return list(Notification.objects.filter(recipient=person, link__startswith=matter_url(matter)))


def soon(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def volunteer_in_both(harbor, riverside):
    """One volunteer attorney, with a membership and verified credentials in each."""
    at_harbor = MembershipFactory(organization=harbor, role=Role.ATTORNEY)
    at_riverside = MembershipFactory(
        organization=riverside, role=Role.ATTORNEY, user=at_harbor.user
    )
    profile = VolunteerProfile.objects.create(
        user=at_harbor.user, kind="attorney", malpractice_coverage=True, capacity=5
    )
    for organization in (harbor, riverside):
        for kind in ("confidentiality", "trauma", "background_check"):
            Credential.objects.create(
                profile=profile,
                organization=organization,
                kind=kind,
                completed_on=date(2025, 1, 1),
                verified_at=timezone.now(),
            )
    return at_harbor, at_riverside


@pytest.fixture
def attorney_in_both(harbor, riverside):
    """One staff attorney (no volunteer profile) in both organizations."""
    at_harbor = MembershipFactory(organization=harbor, role=Role.ATTORNEY)
    at_riverside = MembershipFactory(
        organization=riverside, role=Role.ATTORNEY, user=at_harbor.user
    )
    return at_harbor, at_riverside


def test_a_volunteer_of_two_organizations_sees_only_the_acting_ones(
    volunteer_in_both, harbor, riverside, client_for
):
    at_harbor, at_riverside = volunteer_in_both
    person = at_harbor.user
    harbors, riversides = make_matter(harbor), make_matter(riverside)
    assert harbors.number == riversides.number
    for matter in (harbors, riversides):
        coordinator = MembershipFactory(organization=matter.organization, role=Role.COORDINATOR)
        assigned = client_for(coordinator).post(
            reverse("volunteers:assign", args=[matter.pk]), {"user": person.pk}
        )
        assert assigned.status_code == 302
        Deadline.objects.create(
            matter=matter,
            kind="filing",
            title=f"Filing for {matter.organization.name}",
            due_date=soon(3),
            created_by=matter.lead_attorney,
        )
    [told_here], [told_there] = about(harbors, person), about(riversides, person)

    as_harbor = client_for(at_harbor)
    listed = as_harbor.get(reverse("notifications")).text
    assert listed.count(f"You were assigned to {harbors.number}") == 1
    assert read_url(told_here) in listed
    assert read_url(told_there) not in listed
    assert bell(as_harbor) == "1"

    dashboard = as_harbor.get(reverse("dashboard")).text
    assert "Filing for Harbor" in dashboard
    assert "Filing for Riverside" not in dashboard
    own_matters = as_harbor.get(reverse("volunteers:me")).text
    assert matter_url(harbors) in own_matters
    assert matter_url(riversides) not in own_matters

    assert as_harbor.post(read_url(told_there)).status_code == 404
    as_harbor.post(reverse("notifications_read_all"))
    told_here.refresh_from_db()
    told_there.refresh_from_db()
    assert told_here.read_at is not None
    assert told_there.read_at is None, "reading all here leaves the other organization's"
    assert bell(client_for(at_riverside)) == "1"


def test_a_staff_attorney_of_two_organizations_sees_only_the_acting_ones(
    attorney_in_both, harbor, riverside, client_for
):
    at_harbor, at_riverside = attorney_in_both
    person = at_harbor.user
    harbors = make_matter(harbor, lead=person)
    riversides = make_matter(riverside, lead=person)
    for matter, acting in ((harbors, at_harbor), (riversides, at_riverside)):
        client_for(acting).post(
            reverse("cases:deadline_new", args=[matter.pk]),
            {
                "kind": "filing",
                "title": f"Filing for {matter.organization.name}",
                "due_date": soon(7).isoformat(),
                "time_zone": "America/New_York",
            },
        )
    # What beat and the worker do: claim every reminder due by then, send each delivery.
    reminders.reminders_dispatch(now=timezone.now() + timedelta(days=8))
    for delivery in Delivery.objects.filter(status=Delivery.Status.PENDING):
        reminders.delivery_send(delivery_id=delivery.pk)
    here, there = about(harbors, person), about(riversides, person)
    assert here and there

    as_harbor = client_for(at_harbor)
    listed = as_harbor.get(reverse("notifications")).text
    assert all(read_url(n) in listed for n in here)
    assert not any(read_url(n) in listed for n in there)
    assert bell(as_harbor) == str(len(here))

    dashboard = as_harbor.get(reverse("dashboard")).text
    assert "Filing for Harbor" in dashboard
    assert "Filing for Riverside" not in dashboard
    own_matters = as_harbor.get(reverse("cases:list")).text
    assert matter_url(harbors) in own_matters
    assert matter_url(riversides) not in own_matters
    month = as_harbor.get(reverse("cases:calendar"), {"month": soon(7).strftime("%Y-%m")}).text
    assert "Filing for Harbor" in month
    assert "Filing for Riverside" not in month

    # Acknowledging a reminder is done where it was sent, not from the other organization.
    assert as_harbor.post(read_url(there[0])).status_code == 404
    assert Notification.objects.get(pk=there[0].pk).read_at is None
    assert bell(client_for(at_riverside)) == str(len(there))


def test_a_volunteers_check_ins_stay_with_the_organization_they_were_written_for(
    volunteer_in_both, client_for
):
    at_harbor, at_riverside = volunteer_in_both
    for acting, note in ((at_harbor, "Harbor week was heavy"), (at_riverside, "Riverside ok")):
        client_for(acting).post(reverse("volunteers:wellbeing"), {"feeling": 3, "note": note})
    assert CheckIn.objects.filter(user=at_harbor.user).count() == 2

    page = client_for(at_harbor).get(reverse("volunteers:wellbeing")).text
    assert "Harbor week was heavy" in page
    assert "Riverside ok" not in page


def test_older_notifications_keep_only_an_organization_that_is_certain(
    volunteer_in_both, attorney, riverside, client_for
):
    """The migration fills the organization from the recipient's only membership; a
    person in two organizations gets none, and such rows are shown to nobody."""
    at_harbor, at_riverside = volunteer_in_both
    Notification.objects.bulk_create(
        [
            Notification(recipient=attorney.user, organization=None, message="Only Harbor"),
            Notification(recipient=at_harbor.user, organization=None, message="Harbor or not"),
        ]
    )
    migration = import_module("aftercare.migrations.0004_notification_organization")
    migration.fill_from_the_only_membership(apps, None)

    single = Notification.objects.get(message="Only Harbor")
    assert single.organization_id == attorney.organization_id
    assert "Only Harbor" in client_for(attorney).get(reverse("notifications")).text
    assert Notification.objects.get(message="Harbor or not").organization_id is None
    for acting in (at_harbor, at_riverside):
        assert "Harbor or not" not in client_for(acting).get(reverse("notifications")).text


def test_a_notification_cannot_be_created_without_its_organization(attorney):
    with pytest.raises(ValueError, match="one organization"):
        Notification.objects.create(recipient=attorney.user, message="For whom?")
