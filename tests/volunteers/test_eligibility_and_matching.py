"""Eligibility rules, each with a passing and a failing case and its reason; and matching."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from aftercare.access import access_grant
from aftercare.models import Role
from cases.models import Jurisdiction
from tests.actors import staffing_client
from tests.factories import MembershipFactory, make_matter, make_survivor
from volunteers.eligibility import Facts, eligibility
from volunteers.matching import volunteers_for
from volunteers.models import BarAdmission, Credential, VolunteerProfile

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 22)
CURRENT = date(2027, 12, 31)
EXPIRED = date(2026, 1, 1)


def verified(profile, kind, expires=None, **extra) -> Credential:
    return Credential.objects.create(
        profile=profile,
        organization=profile.user.memberships.get().organization,
        kind=kind,
        completed_on=date(2025, 1, 1),
        expires_on=expires,
        verified_at=timezone.now(),
        verified_by=profile.user,
        **extra,
    )


def profile_with(**extra) -> VolunteerProfile:
    """An attorney who passes every rule but the ones a case takes away."""
    organization = extra.pop("organization", None)
    member = {"organization": organization} if organization else {}
    user = MembershipFactory(role=Role.ATTORNEY, **member).user
    credentials = extra.pop("credentials", ())
    admissions = extra.pop("admissions", ())
    confidentiality = extra.pop("confidentiality", CURRENT)
    extra.setdefault("malpractice_coverage", True)
    profile = VolunteerProfile.objects.create(user=user, kind="attorney", **extra)
    if confidentiality:
        verified(profile, "confidentiality", confidentiality)
    for kind, expires, *unverified in credentials:
        if unverified:
            Credential.objects.create(
                profile=profile,
                organization=profile.user.memberships.get().organization,
                kind=kind,
                completed_on=date(2025, 1, 1),
                expires_on=expires,
            )
        else:
            verified(profile, kind, expires)
    for state, *status in admissions:
        BarAdmission.objects.create(
            profile=profile, jurisdiction=state, number="123", status=(status or ["active"])[0]
        )
    return profile


def facts(**overrides) -> Facts:
    return Facts(
        **{
            "today": TODAY,
            "active_matters": 0,
            "client_is_minor": False,
            "court_state": None,
            **overrides,
        }
    )


@pytest.mark.parametrize(
    ("profile_kwargs", "case", "reason"),
    [
        (
            {"credentials": [("background_check", CURRENT), ("trauma", CURRENT)]},
            {"client_is_minor": True},
            None,
        ),
        (
            {"credentials": [("background_check", EXPIRED), ("trauma", CURRENT)]},
            {"client_is_minor": True},
            "No current background check",
        ),
        (
            {"credentials": [("background_check", CURRENT), ("trauma", EXPIRED)]},
            {"client_is_minor": True},
            "No current trauma-informed care training",
        ),
        (
            {"credentials": [("background_check", CURRENT, "unverified"), ("trauma", CURRENT)]},
            {"client_is_minor": True},
            "No current background check",
        ),
        ({"admissions": [("NY",)]}, {"court_state": "NY"}, None),
        ({"admissions": [("NY",)]}, {"court_state": ""}, "The court's state is not recorded"),
        ({"admissions": [("NJ",)]}, {"court_state": "NY"}, "Not admitted to practice in NY"),
        (
            {"admissions": [("NY", "suspended")]},
            {"court_state": "NY"},
            "Not admitted to practice in NY",
        ),
        ({"confidentiality": EXPIRED}, {}, "No current confidentiality training"),
        ({"confidentiality": None}, {}, "No current confidentiality training"),
        ({"malpractice_coverage": False}, {}, "No malpractice coverage"),
        ({"paused_until": TODAY - timedelta(days=1)}, {}, None),
        ({"paused_until": TODAY + timedelta(days=10)}, {}, "Paused until"),
        ({"capacity": 3}, {"active_matters": 2}, None),
        ({"capacity": 3}, {"active_matters": 3}, "At capacity: 3 of 3"),
    ],
)
def test_each_rule_passes_or_says_why_not(profile_kwargs, case, reason):
    profile = profile_with(**profile_kwargs)
    organization_id = profile.user.memberships.get().organization_id
    verdict = eligibility(profile, facts(organization_id=organization_id, **case))
    if reason is None:
        assert verdict.eligible and verdict.reasons == []
    else:
        assert not verdict.eligible
        assert any(r.startswith(reason) for r in verdict.reasons), verdict.reasons


def test_matching_ranks_eligible_volunteers_with_reasons(
    harbor, coordinator, django_assert_max_num_queries
):
    court = Jurisdiction.objects.create(
        organization=harbor, name="NY Family Court", type="court", holiday_subdivision="NY"
    )
    client = make_survivor(
        harbor,
        legal_name="Client",
        languages="Spanish (native)",
        date_of_birth=timezone.localdate() - timedelta(days=15 * 365),
    )
    lead = MembershipFactory(organization=harbor, role=Role.ATTORNEY).user
    matter = make_matter(
        harbor, client=client, lead=lead, jurisdiction=court, sub_kind="protective_order"
    )

    def volunteer(email, **kwargs):
        member = MembershipFactory(organization=harbor, role=Role.ATTORNEY, user__email=email)
        profile = VolunteerProfile.objects.create(
            user=member.user,
            kind="attorney",
            malpractice_coverage=True,
            **kwargs.pop("profile", {}),
        )
        for kind in ("background_check", "trauma", "confidentiality"):
            verified(profile, kind)
        BarAdmission.objects.create(
            profile=profile, jurisdiction=kwargs.get("state", "NY"), number="1"
        )
        return profile

    spanish = [{"language": "Spanish", "proficiency": "fluent"}]
    best = volunteer(
        "best@test.example",
        profile={"languages": spanish, "practice_areas": ["protective_order"]},
    )
    area = volunteer("area@test.example", profile={"practice_areas": ["protective_order"]})
    some = volunteer(
        "some@test.example",
        profile={"languages": [{"language": "spanish", "proficiency": "basic"}]},
    )
    busy = volunteer("busy@test.example", profile={"languages": spanish, "capacity": 1})
    access_grant(user=busy.user, obj=make_matter(harbor, lead=busy.user), actions=("view",))
    outside = volunteer("nj@test.example", state="NJ")

    client = staffing_client(matter)
    with django_assert_max_num_queries(12) as few:
        ranked = volunteers_for(matter, client=client)
    assert [m.profile for m in ranked] == [best, area, some, busy, outside]
    assert [m.eligible for m in ranked] == [True, True, True, False, False]
    assert "Speaks Spanish, the client's language." in ranked[0].reasons_for
    assert any("interpreter may be needed" in r for r in ranked[2].reasons_for)
    assert any("At capacity" in r for r in ranked[3].reasons_against)
    assert any("Not admitted to practice in NY" in r for r in ranked[4].reasons_against)
    queries = len(few.captured_queries)
    assert queries > 0

    for n in range(8):  # more volunteers, each with matters of their own
        extra = volunteer(f"more{n}@test.example")
        for _ in range(2):
            access_grant(user=extra.user, obj=make_matter(harbor, lead=lead), actions=("view",))
    client = staffing_client(matter)
    with django_assert_max_num_queries(queries):
        assert len(volunteers_for(matter, client=client)) == 13


def test_a_training_the_organization_requires_counts_once_verified_and_current(harbor):
    from volunteers.models import Training

    required = Training.objects.create(
        organization=harbor, name="Working with interpreters", required_for_every_matter=True
    )
    case = facts(organization_id=harbor.pk, required_trainings=((required.pk, required.name),))
    profile = profile_with(organization=harbor)
    verdict = eligibility(profile, case)
    assert verdict.reasons == [
        "No current Working with interpreters, which this organization requires."
    ]
    verified(profile, "other", CURRENT, training=required)
    profile = type(profile).objects.get(pk=profile.pk)  # fresh, as matching loads it
    assert eligibility(profile, case).eligible
    expired = profile_with(organization=harbor)
    verified(expired, "other", EXPIRED, training=required)
    assert not eligibility(expired, case).eligible


def test_a_client_of_unknown_age_is_protected_as_a_minor(harbor):
    from volunteers.matching import volunteers_for

    unknown_age = make_survivor(harbor, legal_name="No Birthdate Given")
    matter = make_matter(harbor, client=unknown_age)
    without_check = profile_with(organization=harbor)
    ranked = volunteers_for(matter, client=staffing_client(matter))
    verdict = next(m for m in ranked if m.profile == without_check)
    assert not verdict.eligible
    assert any("unknown age" in r for r in verdict.reasons_against)
