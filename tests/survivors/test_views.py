"""Survivor list and detail: scoped to the acting organization and assignments."""

import pytest
from django.urls import reverse

from aftercare.access import access_grant
from aftercare.models import AuditEvent
from tests.factories import make_survivor

pytestmark = pytest.mark.django_db


@pytest.fixture
def harbor_survivors(harbor, coordinator):
    return [
        make_survivor(harbor, by=coordinator.user, legal_name=f"Harbor Client {n}")
        for n in range(3)
    ]


def test_coordinators_see_every_survivor_of_their_organization(
    harbor_survivors, coordinator, client_for
):
    page = client_for(coordinator).get(reverse("survivors:list"))
    assert all(s.code in page.text for s in harbor_survivors)


def test_lists_show_codes_and_initials_never_names(harbor_survivors, coordinator, client_for):
    page = client_for(coordinator).get(reverse("survivors:list"))
    assert "Harbor Client" not in page.text
    assert "H.C." in page.text


def test_others_see_only_the_survivors_they_are_assigned_to(harbor_survivors, attorney, client_for):
    access_grant(user=attorney.user, obj=harbor_survivors[0])
    page = client_for(attorney).get(reverse("survivors:list"))
    assert harbor_survivors[0].code in page.text
    assert harbor_survivors[1].code not in page.text


def test_another_organization_sees_none(harbor_survivors, outsider, client_for):
    page = client_for(outsider).get(reverse("survivors:list"))
    assert page.status_code == 200
    assert not any(s.code in page.text for s in harbor_survivors)


@pytest.mark.parametrize("persona", ["coordinator", "attorney"])
def test_list_queries_do_not_grow_with_the_rows_shown(
    persona, request, harbor, coordinator, client_for, django_assert_max_num_queries
):
    member = request.getfixturevalue(persona)
    client = client_for(member)

    def add(n):
        for i in range(n):
            survivor = make_survivor(harbor, by=coordinator.user, legal_name=f"Row Person {i}")
            access_grant(user=member.user, obj=survivor)

    add(2)
    client.get(reverse("survivors:list"))
    with django_assert_max_num_queries(14) as few:
        assert client.get(reverse("survivors:list")).text.count("R.P.") == 2
    few_count = len(few.captured_queries)
    assert few_count > 0, "the baseline captured nothing"
    add(23)
    with django_assert_max_num_queries(few_count):
        assert client.get(reverse("survivors:list")).text.count("R.P.") == 25


def test_the_detail_page_shows_the_name_and_records_the_read(
    harbor_survivors, coordinator, client_for
):
    survivor = harbor_survivors[0]
    page = client_for(coordinator).get(reverse("survivors:detail", args=[survivor.pk]))
    assert "Harbor Client 0" in page.text
    assert "Harbor Client" not in page.text.split("<title>")[1].split("</title>")[0]
    event = AuditEvent.objects.filter(action="survivors.survivor.viewed").get()
    assert (event.actor, event.object_id) == (coordinator.user, str(survivor.pk))
    assert "Harbor Client" not in str(event.payload)


def test_coordinators_see_who_has_seen_a_record(
    harbor_survivors, coordinator, attorney, client_for
):
    survivor = harbor_survivors[0]
    access_grant(user=attorney.user, obj=survivor)
    client_for(attorney).get(reverse("survivors:detail", args=[survivor.pk]))
    as_attorney = client_for(attorney).get(reverse("survivors:detail", args=[survivor.pk]))
    assert "Who has seen this record" not in as_attorney.text
    as_coordinator = client_for(coordinator).get(reverse("survivors:detail", args=[survivor.pk]))
    assert attorney.user.email in as_coordinator.text


def test_detail_queries_do_not_grow_with_aliases(
    harbor, coordinator, client_for, django_assert_max_num_queries
):
    client = client_for(coordinator)
    few = make_survivor(harbor, aliases=["One Alias"])
    many = make_survivor(harbor, aliases=[f"Alias Number {n}" for n in range(20)])
    client.get(reverse("survivors:detail", args=[few.pk]))
    with django_assert_max_num_queries(20) as captured:
        client.get(reverse("survivors:detail", args=[few.pk]))
    captured_count = len(captured.captured_queries)
    assert captured_count > 0, "the baseline captured nothing"
    with django_assert_max_num_queries(captured_count):
        client.get(reverse("survivors:detail", args=[many.pk]))


def test_lists_filter_by_need_minor_and_referral_state(harbor, coordinator, riverside, client_for):
    from datetime import timedelta

    from django.utils import timezone

    from tests.survivors.conftest import consent_for

    child = make_survivor(
        harbor,
        legal_name="Child Client",
        needs=["shelter"],
        date_of_birth=timezone.localdate() - timedelta(days=10 * 365),
    )
    adult = make_survivor(harbor, legal_name="Adult Client", needs=["medical"])
    consent_for(adult, riverside, coordinator.user)
    client = client_for(coordinator)
    client.post(
        reverse("survivors:refer", args=[adult.pk]),
        {"to_organization": riverside.pk, "purpose": "legal_representation"},
    )

    def codes(**filters):
        page = client.get(reverse("survivors:list"), filters).text
        return {s.code for s in (child, adult) if s.code in page}

    assert codes(need="shelter") == {child.code}
    assert codes(minor="yes") == {child.code}
    assert codes(minor="no") == {adult.code}
    assert codes(referral="sent") == {adult.code}
    assert codes(referral="none") == {child.code}


def test_the_dashboard_shows_drafts_and_new_referrals(
    harbor, coordinator, intake_worker, client_for
):
    from tests.survivors.conftest import consent_for

    client = client_for(intake_worker)
    client.post(reverse("survivors:intake"), {"legal_name": "Draft Person"})
    assert "Intakes to finish" in client.get(reverse("dashboard")).text
    survivor = make_survivor(intake_worker.organization, by=intake_worker.user)
    consent_for(survivor, harbor, intake_worker.user)
    client.post(
        reverse("survivors:refer", args=[survivor.pk]),
        {"to_organization": harbor.pk, "purpose": "legal_representation"},
    )
    page = client_for(coordinator).get(reverse("dashboard"))
    assert "New referrals" in page.text and survivor.code in page.text
