"""benchmarks/generate_scale_data.py: synthetic rows in realistic proportions, found and
guarded through the same paths as real ones, and never in production."""

import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.db.models import Count
from django.urls import reverse

from aftercare.models import Membership, Role
from benchmarks.generate_scale_data import ScaleDataRefusedError, generate_scale_data
from cases.kinds import Kind
from cases.models import Deadline, Matter, MatterNote, MatterUserGrant, Party, PartyToken
from survivors.models import Survivor, SurvivorAlias, SurvivorUserGrant
from survivors.services import survivor_tokens_refresh

pytestmark = pytest.mark.django_db

SURVIVORS = 150


def generate(survivors: int = SURVIVORS) -> None:
    generate_scale_data(survivors=survivors)


@pytest.fixture
def generated():
    generate()


def test_a_small_run_has_every_role_and_kind_in_realistic_proportions(generated):
    assert Survivor.objects.count() == SURVIVORS
    grants = SurvivorUserGrant.objects.count() + MatterUserGrant.objects.count()
    assert 7 * SURVIVORS <= grants <= 13 * SURVIVORS  # about ten per survivor
    assert 0.8 * SURVIVORS <= Matter.objects.count() <= 1.8 * SURVIVORS
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    assert set(Matter.objects.values_list("kind", flat=True)) == set(Kind.values)
    per_org = Survivor.objects.values("organization").annotate(n=Count("id")).order_by("-n")
    assert per_org[0]["n"] > 0.3 * SURVIVORS  # most rows belong to a few organizations
    assert Deadline.objects.count() == 3 * Matter.objects.count()
    assert SurvivorAlias.objects.exists() and MatterNote.objects.exists()
    assert PartyToken.objects.filter(party__in=Party.objects.all()[:1]).exists()


def test_generated_tokens_are_exactly_what_intake_would_store(generated):
    for survivor in Survivor.objects.order_by("pk")[:25]:
        stored = set(survivor.tokens.values_list("source", "kind", "token"))
        survivor_tokens_refresh(survivor=survivor)
        assert set(survivor.tokens.values_list("source", "kind", "token")) == stored


def test_a_generated_name_is_found_through_the_search_page(generated, client_for):
    survivor = Survivor.objects.filter(status=Survivor.Status.ACTIVE).order_by("pk").first()
    coordinator = Membership.objects.filter(
        organization=survivor.organization, role=Role.COORDINATOR
    ).first()
    client = client_for(coordinator)
    url = client.post(reverse("survivors:list"), {"name": survivor.legal_name}).url
    assert survivor.code in client.get(url).content.decode()


def test_a_matter_is_visible_to_its_team_attorney_and_to_no_other_attorney(generated, client_for):
    grant = (
        MatterUserGrant.objects.filter(
            permission__codename="view_matter", user__memberships__role=Role.ATTORNEY
        )
        .select_related("content_object")
        .order_by("pk")
        .first()
    )
    matter = grant.content_object
    member = Membership.objects.get(user_id=grant.user_id, organization=matter.organization)
    team = matter.user_grants.values("user_id")
    other = (
        Membership.objects.filter(organization=matter.organization, role=Role.ATTORNEY)
        .exclude(user_id__in=team)
        .first()
    )
    assert Matter.objects.visible_to(member).filter(pk=matter.pk).exists()
    assert Survivor.objects.visible_to(member).filter(pk=matter.client_id).exists()
    assert not Matter.objects.visible_to(other).filter(pk=matter.pk).exists()
    page = reverse("cases:detail", args=[matter.pk])
    assert client_for(member).get(page).status_code == 200
    assert client_for(other).get(page).status_code == 404


def test_production_mode_is_refused(settings):
    settings.PRODUCTION = True
    with pytest.raises(ScaleDataRefusedError, match="refused in production"):
        generate(5)
    assert not Survivor.objects.exists()


def test_a_database_that_already_has_survivors_is_refused(generated):
    with pytest.raises(ScaleDataRefusedError, match="already has survivors"):
        generate(5)


def test_the_benchmarks_run_it_as_a_script_that_refuses_a_bad_size():
    # The way benchmarks/common.py runs it; it stops before touching any database.
    result = subprocess.run(
        [sys.executable, "benchmarks/generate_scale_data.py", "--survivors", "0"],
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "--survivors must be at least 1."
