"""Access follows assignment: assigned, the volunteer works the matter and reads its client;
unassigned, paused or no longer a member, every URL of both is a 404 on the next request."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from aftercare.models import AuditEvent, Membership, Notification
from cases.models import Deadline, DocumentDraft, MatterNote
from cases.services.conflicts import conflict_check_run
from tests.actors import actor_of
from tests.factories import make_survivor
from volunteers.models import Assignment, VolunteerProfile

pytestmark = pytest.mark.django_db


def matter_and_client_urls(matter) -> list[tuple[str, str]]:
    """(method, url) of every page a team member uses on a matter and its client."""
    deadline = Deadline.objects.create(
        matter=matter,
        kind="filing",
        title="File I-914",
        due_date=timezone.localdate() + timedelta(days=20),
        created_by=matter.lead_attorney,
    )
    draft = DocumentDraft.objects.create(
        matter=matter, template_code="survivor_declaration", created_by=matter.lead_attorney
    )
    survivor = matter.client_id
    return [
        ("get", reverse("cases:detail", args=[matter.pk])),
        ("get", reverse("cases:documents", args=[matter.pk])),
        ("get", reverse("cases:document_draft", args=[draft.pk])),
        ("get", reverse("cases:document_preview", args=[draft.pk])),
        ("post", reverse("cases:note_add", args=[matter.pk])),
        ("post", reverse("cases:time_add", args=[matter.pk])),
        ("post", reverse("cases:deadline_new", args=[matter.pk])),
        ("post", reverse("cases:deadline_status", args=[deadline.pk])),
        ("get", reverse("survivors:detail", args=[survivor])),
        ("get", reverse("survivors:services", args=[survivor])),
    ]


def assign(client, matter, volunteer):
    return client.post(reverse("volunteers:assign", args=[matter.pk]), {"user": volunteer.user.pk})


def test_assignment_opens_the_matter_and_unassignment_closes_every_url_at_once(
    matter, volunteer, coordinator, client_for
):
    urls = matter_and_client_urls(matter)
    as_volunteer = client_for(volunteer)
    assert all(getattr(as_volunteer, m)(u).status_code == 404 for m, u in urls)

    response = assign(client_for(coordinator), matter, volunteer)
    assert response.status_code == 302
    for method, url in urls:
        assert getattr(as_volunteer, method)(url).status_code in (200, 302), (method, url)
    page = as_volunteer.get(reverse("cases:detail", args=[matter.pk]))
    assert matter.number in page.content.decode()
    as_volunteer.post(
        reverse("cases:note_add", args=[matter.pk]), {"body": "Met the client with interpreter."}
    )
    assert MatterNote.objects.filter(matter=matter, author=volunteer.user).exists()
    assert Notification.objects.filter(recipient=volunteer.user, link__contains=str(matter.pk))

    assignment = Assignment.objects.get(matter=matter, user=volunteer.user)
    client_for(coordinator).post(reverse("volunteers:assignment_end", args=[assignment.pk]))
    # The same signed-in session, the very next request: nothing of the matter or client.
    for method, url in urls:
        assert getattr(as_volunteer, method)(url).status_code == 404, (method, url)
    assignment.refresh_from_db()
    assert assignment.end_reason == "unassigned"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"volunteers.assignment.created", "volunteers.assignment.ended"} <= actions


def test_a_pause_hands_every_matter_back_and_tells_the_coordinators(
    harbor, matter, volunteer, coordinator, client_for
):
    from tests.factories import make_matter

    second = make_matter(harbor, lead=matter.lead_attorney, client=matter.client)
    assign(client_for(coordinator), matter, volunteer)
    assign(client_for(coordinator), second, volunteer)
    as_volunteer = client_for(volunteer)
    assert as_volunteer.get(reverse("cases:detail", args=[second.pk])).status_code == 200

    until = timezone.localdate() + timedelta(days=30)
    as_volunteer.post(reverse("volunteers:pause"), {"until": until.isoformat()})

    for m in (matter, second):
        assert as_volunteer.get(reverse("cases:detail", args=[m.pk])).status_code == 404
    assert as_volunteer.get(reverse("survivors:detail", args=[matter.client_id])).status_code == 404
    assert not Assignment.objects.active().filter(user=volunteer.user).exists()
    told = Notification.objects.filter(recipient=coordinator.user, message__contains="paused")
    assert told.count() == 2
    profile = VolunteerProfile.objects.get(user=volunteer.user)
    assert profile.paused_until == until
    # While paused, they cannot be assigned again, and the coordinator is told why.
    response = assign(client_for(coordinator), matter, volunteer)
    assert "Paused until" in response.content.decode()
    assert not Assignment.objects.active().filter(user=volunteer.user).exists()


def test_the_end_of_a_membership_revokes_every_grant_in_that_organization(
    matter, volunteer, coordinator, org_admin, client_for
):
    assign(client_for(coordinator), matter, volunteer)
    client_for(org_admin, sudo=True).post(
        reverse("member_edit", args=[volunteer.pk]), {"role": "attorney"}
    )  # the box "active" left unticked
    assert not Membership.objects.get(pk=volunteer.pk).is_active
    assert not matter.user_grants.filter(user=volunteer.user).exists()
    assert not matter.client.user_grants.filter(user=volunteer.user).exists()
    assignment = Assignment.objects.get(matter=matter, user=volunteer.user)
    assert assignment.end_reason == "membership_ended"

    # Taken back later, they start from nothing: the old matters do not return.
    client_for(org_admin, sudo=True).post(
        reverse("member_edit", args=[volunteer.pk]), {"role": "attorney", "is_active": "on"}
    )
    response = client_for(volunteer).get(reverse("cases:detail", args=[matter.pk]))
    assert response.status_code == 404


def test_removing_from_the_team_on_the_matter_page_ends_the_assignment(
    matter, volunteer, coordinator, client_for
):
    assign(client_for(coordinator), matter, volunteer)
    client_for(coordinator).post(
        reverse("cases:team", args=[matter.pk]), {"remove": str(volunteer.user.pk)}
    )
    assignment = Assignment.objects.get(matter=matter, user=volunteer.user)
    assert assignment.end_reason == "removed_from_team"


def test_an_ineligible_volunteer_is_not_assigned_and_the_coordinator_sees_why(
    harbor, matter, coordinator, client_for
):
    from tests.volunteers.conftest import make_volunteer

    uncovered = make_volunteer(harbor, malpractice_coverage=False)
    response = assign(client_for(coordinator), matter, uncovered)
    assert response.status_code == 200
    assert "No malpractice coverage" in response.content.decode()
    assert not matter.user_grants.filter(user=uncovered.user).exists()


def test_capacity_is_never_exceeded(harbor, matter, coordinator, client_for):
    from tests.factories import make_matter
    from tests.volunteers.conftest import make_volunteer

    one = make_volunteer(harbor, capacity=1)
    assign(client_for(coordinator), matter, one)
    other = make_matter(harbor, lead=matter.lead_attorney)
    response = assign(client_for(coordinator), other, one)
    assert "At capacity: 1 of 1" in response.content.decode()
    assert not other.user_grants.filter(user=one.user).exists()


def test_a_trauma_heavy_assignment_gets_one_debrief_reminder(
    harbor, coordinator, volunteer, client_for, settings
):

    from tests.factories import make_matter, make_survivor
    from volunteers.services.wellbeing import debriefs_remind

    child = make_survivor(
        harbor,
        legal_name="Child Client",
        date_of_birth=timezone.localdate() - timedelta(days=14 * 365),
    )
    heavy = make_matter(harbor, client=child, sub_kind="sijs")
    assign(client_for(coordinator), heavy, volunteer)
    assignment = Assignment.objects.get(matter=heavy, user=volunteer.user)
    assert assignment.trauma_heavy
    due = assignment.debrief_due_at
    assert due.date() == (assignment.assigned_at + timedelta(days=30)).date()

    assert debriefs_remind(now=due - timedelta(minutes=1)) == 0
    assert debriefs_remind(now=due + timedelta(minutes=1)) == 1
    assert debriefs_remind(now=due + timedelta(days=1)) == 0, "never twice"
    to_volunteer = Notification.objects.filter(
        recipient=volunteer.user, message__contains="debrief"
    )
    assert to_volunteer.count() == 1
    assert "Child" not in to_volunteer[0].message
    assert Notification.objects.filter(recipient=coordinator.user, message__contains="debrief")
    reminded = AuditEvent.objects.get(action="volunteers.assignment.debrief_reminded")
    assert (reminded.organization_id, reminded.object_id) == (harbor.pk, str(heavy.pk))
    assert reminded.payload == {"user": volunteer.user_id, "channel": "worker"}


def test_the_matter_page_cannot_add_a_volunteer_around_eligibility(matter, coordinator, client_for):
    from tests.volunteers.conftest import make_volunteer

    uncovered = make_volunteer(matter.organization, malpractice_coverage=False)
    response = client_for(coordinator).post(
        reverse("cases:team", args=[matter.pk]), {"email": uncovered.user.email}
    )
    assert "is a volunteer: assign them from" in response.content.decode()
    assert not matter.user_grants.filter(user=uncovered.user).exists()


def test_a_pause_takes_away_a_matter_however_it_was_given(harbor, matter, volunteer, client_for):
    from aftercare.access import access_grant

    access_grant(user=volunteer.user, obj=matter, actions=("view", "change"))
    as_volunteer = client_for(volunteer)
    assert as_volunteer.get(reverse("cases:detail", args=[matter.pk])).status_code == 200
    until = timezone.localdate() + timedelta(days=7)
    as_volunteer.post(reverse("volunteers:pause"), {"until": until.isoformat()})
    assert as_volunteer.get(reverse("cases:detail", args=[matter.pk])).status_code == 404


def test_details_of_an_opportunity_end_when_it_is_filled_and_other_roles_never_see_them(
    harbor, matter, volunteer, coordinator, client_for
):
    from aftercare.models import Role
    from tests.factories import MembershipFactory
    from volunteers.models import Opportunity

    client_for(coordinator).post(
        reverse("volunteers:opportunity_post", args=[matter.pk]), {"role": "attorney"}
    )
    opportunity = Opportunity.objects.get()
    detail = reverse("volunteers:opportunity", args=[opportunity.pk])
    as_volunteer = client_for(volunteer)
    as_volunteer.post(reverse("volunteers:interest_express", args=[opportunity.pk]))
    as_volunteer.post(
        reverse("volunteers:interest_confirm", args=[opportunity.pk]), {"no_conflict": "yes"}
    )
    assert as_volunteer.get(detail).status_code == 200

    intake = MembershipFactory(organization=harbor, role=Role.INTAKE)
    express = reverse("volunteers:interest_express", args=[opportunity.pk])
    assert client_for(intake).post(express).status_code == 404
    staff_attorney = MembershipFactory(organization=harbor, role=Role.ATTORNEY)
    assert client_for(staff_attorney).post(express).status_code == 404, "staff, not volunteers"

    other = make_volunteer_in(harbor)
    assign(client_for(coordinator), matter, other)
    assert as_volunteer.get(detail).status_code == 404, "filled: the details end"


def make_volunteer_in(organization):
    from tests.volunteers.conftest import make_volunteer

    return make_volunteer(organization)


def test_a_bad_choice_on_the_assign_form_is_a_message_not_an_error(matter, coordinator, client_for):
    for chosen in ("abc", "1.5", ""):
        response = client_for(coordinator).post(
            reverse("volunteers:assign", args=[matter.pk]), {"user": chosen}
        )
        assert response.status_code == 200
        assert "Choose a volunteer from the list." in response.content.decode()


def test_a_volunteer_cannot_be_made_lead_attorney_when_a_matter_opens(
    harbor, coordinator, client_for
):
    """Opening would otherwise give a volunteer a minor's matter with no eligibility check."""
    unchecked = make_volunteer_in(harbor)
    unchecked.user.volunteer_profile.credentials.all().delete()
    child = make_survivor(
        harbor,
        legal_name="Zephyrine Quillfeather",
        date_of_birth=timezone.localdate() - timedelta(days=365 * 12),
    )
    assert child.is_minor
    check = conflict_check_run(actor=actor_of(coordinator), client=child, parties=[])
    client = client_for(coordinator)
    url = reverse("cases:conflict", args=[check.pk])
    client.post(url, {"decision": "cleared"})

    assert f'value="{unchecked.user_id}"' not in client.get(url).text, "not offered"
    page = client.post(url, {"sub_kind": "t_visa", "lead_attorney": unchecked.user_id})

    assert "Choose one of the organization&#x27;s staff attorneys in the list." in page.text
    assert not check.matters.exists(), "the refused opening left no matter behind"
    as_volunteer = client_for(unchecked)
    assert as_volunteer.get(reverse("survivors:detail", args=[child.pk])).status_code == 404


def test_a_pause_tells_each_organization_only_of_its_own_matters(
    harbor, riverside, matter, volunteer, coordinator, client_for
):
    """A volunteer of two organizations pauses while acting for Harbor: Riverside's
    matter is handed back too, but Harbor's trail never counts or names it."""
    from aftercare.models import Role
    from cases.services.matters import team_member_add
    from tests.factories import MembershipFactory, make_matter

    assign(client_for(coordinator), matter, volunteer)
    MembershipFactory(organization=riverside, role=Role.ATTORNEY, user=volunteer.user)
    river_coordinator = MembershipFactory(organization=riverside, role=Role.COORDINATOR)
    river_matter = make_matter(riverside)
    team_member_add(actor=actor_of(river_coordinator), matter=river_matter, user=volunteer.user)

    until = timezone.localdate() + timedelta(days=30)
    client_for(volunteer).post(reverse("volunteers:pause"), {"until": until.isoformat()})

    paused = AuditEvent.objects.filter(action="volunteers.profile.paused")
    assert {e.organization_id: e.payload["matters"] for e in paused} == {
        harbor.pk: 1,
        riverside.pk: 1,
    }
    harbor_trail = AuditEvent.objects.filter(organization=harbor)
    assert not harbor_trail.filter(object_type="cases.matter", object_id=str(river_matter.pk))
    removed = AuditEvent.objects.get(
        action="cases.matter.team_removed", object_id=str(river_matter.pk)
    )
    assert removed.organization_id == riverside.pk
    assert Notification.objects.filter(
        recipient=river_coordinator.user, message__contains=river_matter.number
    ).exists()
    # Both organizations number from M-2026-0001: Harbor's coordinator hears of one matter.
    told_harbor = Notification.objects.filter(
        recipient=coordinator.user, message__contains="paused"
    )
    assert [n.link for n in told_harbor] == [reverse("volunteers:staff", args=[matter.pk])]
