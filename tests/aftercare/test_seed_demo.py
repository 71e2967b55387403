"""seed_demo builds the whole demo once, and a second run changes nothing."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aftercare.models import Membership, Organization, User
from survivors.models import Consent, Referral, Survivor

pytestmark = pytest.mark.django_db


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def test_the_demo_has_every_organization_user_and_synthetic_survivors():
    first = seed()
    assert set(Organization.objects.values_list("name", flat=True)) == {
        "Harbor Legal Aid",
        "Safe Haven Shelter",
        "Riverside Legal Clinic",
    }
    # The demo users, volunteers to match, and the service members of two API clients.
    assert User.objects.count() == 8 + 15 + 2
    assert first.count("password: ") == 8
    platform = User.objects.get(email="platform@aftercare.example")
    assert platform.is_platform_admin and not platform.memberships.exists()
    assert 35 <= Survivor.objects.count() <= 45
    assert Survivor.objects.filter(is_minor=True).exists()
    assert Referral.objects.filter(status=Referral.Status.ACCEPTED).exists()
    assert Consent.objects.exclude(purpose="reporting").count() == Referral.objects.count()
    # Most referred clients agree to be counted in Harbor's reports; a few do not, so
    # the demo report shows both its figures and who it left out.
    from survivors.reporting import COUNTED, reporting_basis

    harbor = Organization.objects.get(name="Harbor Legal Aid")
    referred = Referral.objects.filter(to_organization=harbor).values_list("survivor_id")
    basis = reporting_basis(organization_id=harbor.pk, survivor_ids=[r for (r,) in referred])
    counted = sum(reason == COUNTED for reason in basis.values())
    assert 0 < len(basis) - counted < counted
    from cases.kinds import Kind
    from cases.models import Deadline, Matter, MatterNote, TimeEntry

    assert set(Matter.objects.values_list("kind", flat=True)) == set(Kind.values)
    today = timezone.localdate()
    assert Deadline.objects.filter(due_date__lt=today, status="open").exists(), "some overdue"
    assert Deadline.objects.filter(kind="hearing", due_date__lte=today + timedelta(days=7))
    assert Deadline.objects.filter(rule__isnull=False, confirmed_at__isnull=True).exists()
    assert MatterNote.objects.exists() and TimeEntry.objects.exists()


def test_a_second_run_changes_nothing_and_prints_no_password():
    seed()
    counts = (
        User.objects.count(),
        Survivor.objects.count(),
        Referral.objects.count(),
        Membership.objects.count(),
    )
    second = seed()
    assert "password: " not in second
    assert counts == (
        User.objects.count(),
        Survivor.objects.count(),
        Referral.objects.count(),
        Membership.objects.count(),
    )


def test_given_credentials_sign_in_with_their_second_factor():
    seed(password="a demo passphrase 123", totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    client = Client()
    response = client.post(
        reverse("account:login"),
        {"username": "coordinator@harbor.example", "password": "a demo passphrase 123"},
    )
    assert response.url.startswith(reverse("account:verify"))


def test_a_bad_totp_secret_is_refused_with_a_message():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="base32"):
        seed(totp_secret="not base32 at all!")


def test_every_demo_matter_can_be_staffed_with_an_eligible_explained_choice():
    from cases.models import Matter
    from tests.actors import staffing_client
    from volunteers.matching import volunteers_for
    from volunteers.models import Assignment, Credential, Opportunity, VolunteerProfile

    seed()
    harbor = Organization.objects.get(name="Harbor Legal Aid")
    assert VolunteerProfile.objects.in_organization(harbor.pk).count() == 15
    assert Credential.objects.filter(verified_at__isnull=True).exists(), "some await checking"
    assert Credential.objects.filter(expires_on__lt=timezone.localdate()).exists(), "some expired"
    assert Assignment.objects.active().exists() and Opportunity.objects.open().exists()
    for matter in Matter.objects.filter(organization=harbor, closed_at__isnull=True):
        team = matter.user_grants.values_list("user_id", flat=True)
        ranked = volunteers_for(matter, client=staffing_client(matter), exclude=team)
        eligible = [m for m in ranked if m.eligible]
        assert eligible, f"{matter.number} has no eligible volunteer"
        assert eligible[0].reasons_for, "the choice is explained"
        assert any(not m.eligible and m.reasons_against for m in ranked), "and refusals too"


def test_each_app_seeds_its_own_demo_lowest_floor_first():
    from aftercare.demo import demo_seeders

    assert [seeder.seed.__module__ for seeder in demo_seeders()] == [
        "survivors.demo",
        "cases.demo",
        "evidence.demo",
        "volunteers.demo",
        "reports.demo",
        "api.demo",
    ]


def test_a_newly_registered_seeder_runs_without_the_command_naming_it():
    from aftercare import demo

    ran = []

    @demo.demo_seeder(floor=9, reports="Planted {} demo gardens.")
    def demo_seed_gardens() -> int:
        ran.append(Survivor.objects.count())  # after the survivors' lower floor seeded
        return 2

    try:
        out = seed()
    finally:
        demo._seeders.pop(f"{__name__}.{demo_seed_gardens.__qualname__}")
    assert "Planted 2 demo gardens." in out
    assert ran and ran[0] > 0


def test_the_core_imports_no_feature_app():
    import ast
    from pathlib import Path

    from django.conf import settings

    core = Path(settings.BASE_DIR) / "aftercare"
    offenders = []
    for path in sorted(core.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            modules = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            offenders += [
                f"{path.relative_to(core)}: {module}"
                for module in modules
                if module.split(".")[0] in {"survivors", "cases", "volunteers"}
            ]
    assert not offenders, offenders


def test_harbor_charges_its_demo_matters_and_hours_to_two_grants():
    from cases.models import Grant, Matter
    from tests.conftest import sign_in
    from tests.reports.test_report_page import table_of

    seed()
    harbor = Organization.objects.get(name="Harbor Legal Aid")
    grants = {g.code: g for g in Grant.objects.filter(organization=harbor)}
    assert len(grants) == 2
    matters = Matter.objects.filter(organization=harbor)
    assert not matters.filter(grant__isnull=True).exists()
    ovc = next(g for code, g in grants.items() if code.startswith("OVC-"))
    assert set(matters.filter(grant=ovc).values_list("kind", flat=True)) == {"immigration"}
    coordinator = Membership.objects.get(user__email="coordinator@harbor.example")
    page = sign_in(Client(), coordinator).get(reverse("reports:page")).text
    rows = table_of(page, "grants")
    charged = [cells for label, cells in rows.items() if label.split(" · ")[0] in grants]
    assert len(charged) == 2 and all(float(h.replace(",", "")) > 0 for h, _v in charged)
