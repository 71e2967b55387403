"""Lists offer only what will be accepted: staff attorneys to lead a matter (never a
volunteer, whom opening would refuse), and the deadline rules of the matter's type."""

import re

import pytest
from django.urls import reverse

from cases.models import ConflictCheck, DeadlineRule
from cases.services.conflicts import conflict_check_run
from tests.actors import actor_of as acting
from tests.factories import make_matter, make_survivor, make_volunteer

pytestmark = pytest.mark.django_db


def _options(page: str, name: str) -> dict[str, str]:
    select = re.search(rf'<select name="{name}".*?</select>', page, re.S)
    assert select, f"no list {name}"
    return dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select[0]))


def test_the_lead_attorney_list_offers_staff_attorneys_and_no_volunteer(
    harbor, coordinator, attorney, client_for
):
    volunteer = make_volunteer(harbor)
    check = conflict_check_run(
        actor=acting(coordinator), client=make_survivor(harbor, legal_name="Iris Vale"), parties=[]
    )
    ConflictCheck.objects.filter(pk=check.pk).update(decision=ConflictCheck.Decision.CLEARED)

    page = client_for(coordinator).get(reverse("cases:conflict", args=[check.pk])).text

    offered = _options(page, "lead_attorney")
    assert str(attorney.user_id) in offered
    assert str(volunteer.user_id) not in offered
    assert offered[""] == "Choose…", "nobody is chosen for the coordinator"


def test_the_edit_form_offers_no_volunteer_either(harbor, coordinator, attorney, client_for):
    volunteer = make_volunteer(harbor)
    matter = make_matter(harbor, lead=attorney.user)

    page = client_for(coordinator).get(reverse("cases:matter_edit", args=[matter.pk])).text

    offered = _options(page, "lead_attorney")
    assert str(attorney.user_id) in offered and str(volunteer.user_id) not in offered


def test_only_the_deadline_rules_of_the_matters_type_are_offered(harbor, attorney, client_for):
    matter = make_matter(harbor, lead=attorney.user, sub_kind="t_visa")
    asylum_only = DeadlineRule.objects.get(organization=harbor, code="asylum-one-year")
    for_t_visas = DeadlineRule.objects.get(organization=harbor, code="rfe-response")

    page = client_for(attorney).get(reverse("cases:detail", args=[matter.pk])).text

    offered = _options(page, "rule")
    assert str(for_t_visas.pk) in offered
    assert str(asylum_only.pk) not in offered


def test_a_rule_of_another_type_is_refused_with_a_clear_message(harbor, attorney, client_for):
    matter = make_matter(harbor, lead=attorney.user, sub_kind="t_visa")
    asylum_only = DeadlineRule.objects.get(organization=harbor, code="asylum-one-year")

    page = client_for(attorney).post(
        reverse("cases:deadline_new", args=[matter.pk]),
        {"rule": asylum_only.pk, "trigger_date": "2026-11-02"},
    )

    assert "Choose one of the rules in the list: they fit this matter." in page.text
    assert not matter.deadlines.exists()


@pytest.mark.parametrize(
    ("language", "eastern"),
    [("en", "Eastern time (New York)"), ("es", "Hora del Este (Nueva York)")],
)
def test_time_zones_are_offered_by_name_in_the_readers_language(
    harbor, attorney, client_for, language, eastern
):
    matter = make_matter(harbor, lead=attorney.user)

    page = client_for(attorney).get(
        reverse("cases:detail", args=[matter.pk]), HTTP_ACCEPT_LANGUAGE=language
    )

    assert _options(page.text, "time_zone")["America/New_York"] == eastern
