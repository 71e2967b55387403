"""Demo volunteers for Harbor Legal Aid: varied languages, admissions, trainings (some
expired or unverified), loads and a pause; a few assignments, opportunities and hours.

The fifteen volunteers cannot sign in (no usable password): they exist to be matched.
The demo attorney and paralegal are staff, with no volunteer profile.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from aftercare.demo import acting_as, demo_seeder
from aftercare.models import Membership, Organization, Role, User
from cases.models import Matter, TimeEntry
from volunteers.models import BarAdmission, Credential, Training, VolunteerProfile
from volunteers.services.staffing import opportunity_post, volunteer_assign

HARBOR = "Harbor Legal Aid"
# (name, kind, firm, languages, admissions, practice areas, capacity)
VOLUNTEERS = [
    (
        "Ana Lucía Torres",
        "attorney",
        "Whitman & Cole LLP",
        [("Spanish", "native"), ("English", "fluent")],
        [("NY", "active")],
        ["immigration", "protective_order"],
        3,
    ),
    (
        "Daniel Okafor",
        "attorney",
        "Whitman & Cole LLP",
        [("English", "native"), ("French", "conversational")],
        [("NY", "active"), ("NJ", "active")],
        ["civil", "criminal_relief"],
        2,
    ),
    (
        "Mei Chen",
        "attorney",
        "",
        [("Mandarin", "native"), ("English", "fluent")],
        [("NY", "active")],
        ["immigration"],
        4,
    ),
    (
        "Tesfaye Gebremedhin",
        "paralegal",
        "",
        [("Tigrinya", "native"), ("Amharic", "fluent"), ("English", "fluent")],
        [],
        ["immigration"],
        3,
    ),
    (
        "Rosa Villanueva",
        "attorney",
        "Baxter Pro Bono Group",
        [("Tagalog", "native"), ("English", "fluent"), ("Spanish", "basic")],
        [("NY", "active")],
        ["foster", "protective_order"],
        2,
    ),
    (
        "Jean-Baptiste Pierre",
        "attorney",
        "",
        [("Haitian Creole", "native"), ("French", "fluent")],
        [("NJ", "active")],
        ["immigration", "victim_rights"],
        3,
    ),
    (
        "Olga Petrenko",
        "paralegal",
        "Whitman & Cole LLP",
        [("Russian", "native"), ("Ukrainian", "fluent")],
        [],
        ["civil"],
        2,
    ),
    (
        "Samir Haddad",
        "attorney",
        "",
        [("Arabic", "native"), ("English", "fluent")],
        [("NY", "suspended")],
        ["immigration"],
        3,
    ),
    (
        "Linh Nguyen",
        "attorney",
        "Baxter Pro Bono Group",
        [("Vietnamese", "native")],
        [("NY", "active")],
        ["criminal_relief", "victim_rights"],
        2,
    ),
    (
        "Grace Mensah",
        "paralegal",
        "",
        [("English", "native"), ("Twi", "native")],
        [],
        ["foster", "protective_order"],
        4,
    ),
    (
        "Carlos Mendoza",
        "attorney",
        "",
        [("Spanish", "fluent")],
        [("NY", "active")],
        ["civil", "immigration"],
        1,
    ),
    (
        "Priya Raman",
        "attorney",
        "Whitman & Cole LLP",
        [("Tamil", "native"), ("Hindi", "conversational")],
        [("NY", "active")],
        ["civil"],
        3,
    ),
    (
        "Fatima Diallo",
        "paralegal",
        "",
        [("French", "fluent"), ("Wolof", "native")],
        [],
        ["immigration", "victim_rights"],
        3,
    ),
    (
        "Marco Bianchi",
        "attorney",
        "",
        [("Italian", "native"), ("Spanish", "conversational")],
        [("NY", "active"), ("CA", "inactive")],
        ["protective_order", "foster"],
        2,
    ),
    (
        "Hana Kim",
        "attorney",
        "Baxter Pro Bono Group",
        [("Korean", "native"), ("English", "fluent")],
        [("NY", "active")],
        ["immigration", "criminal_relief"],
        3,
    ),
]


def _slug(name: str) -> str:
    return "".join(c for c in name.lower().split()[0] if c.isalpha())


@demo_seeder(floor=3, reports="Added {} demo volunteers at Harbor Legal Aid (they cannot sign in).")
def demo_seed_volunteers() -> int:
    """Idempotent: nothing is added once Harbor has volunteer profiles."""
    coordinator = acting_as("coordinator@harbor.example", HARBOR)
    harbor = Organization.objects.get(name=HARBOR)
    if VolunteerProfile.objects.in_organization(harbor.pk).exists():
        return 0
    rng = random.Random(8)  # noqa: S311  (synthetic data)
    today = timezone.localdate()
    with transaction.atomic():
        Training.objects.get_or_create(
            organization=harbor, name="Working with interpreters", defaults={"valid_for_months": 24}
        )
        profiles = [
            _volunteer(harbor, coordinator.user, n, row, today) for n, row in enumerate(VOLUNTEERS)
        ]
        _staff_some_matters(coordinator, harbor, today, rng)
    return len(profiles)


def _volunteer(harbor, coordinator, n: int, row, today: date) -> VolunteerProfile:
    name, kind, firm, languages, admissions, areas, capacity = row
    user = User.objects.create(
        email=f"volunteer.{_slug(name)}{n:02d}@harbor.example", full_name=name
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    Membership.objects.create(user=user, organization=harbor, role=Role(kind))
    profile = VolunteerProfile.objects.create(
        user=user,
        kind=kind,
        firm=firm,
        malpractice_coverage=kind == "paralegal" or n != 7,
        practice_areas=areas,
        languages=[{"language": lang, "proficiency": level} for lang, level in languages],
        capacity=capacity,
        availability=["Weekday evenings", "Fridays", "About 5 hours a week", ""][n % 4],
        paused_until=today + timedelta(days=45) if n == 12 else None,
    )
    for state, status in admissions:
        BarAdmission.objects.create(
            profile=profile, jurisdiction=state, number=f"{4000000 + n * 17}", status=status
        )
    # Some trainings expired, some waiting for verification: the coordinator sees why.
    _credentials(
        profile,
        coordinator,
        today,
        expired=("background_check",) if n in (4, 9) else (),
        unverified=("trauma",) if n in (2, 10) else (),
    )
    return profile


def _credentials(profile, coordinator, today: date, *, expired, unverified) -> None:
    organization_id = profile.user.memberships.get().organization_id
    for kind in ("confidentiality", "trauma", "trafficking_law", "background_check"):
        years = 3 if kind in expired else 1
        completed = today - timedelta(days=365 * years)
        Credential.objects.create(
            profile=profile,
            organization_id=organization_id,
            kind=kind,
            completed_on=completed,
            expires_on=completed + timedelta(days=730),
            verified_by=None if kind in unverified else coordinator,
            verified_at=None if kind in unverified else timezone.now(),
        )


def _staff_some_matters(coordinator, harbor, today: date, rng: random.Random) -> None:
    """Assign a few volunteers (through the real service: grants, audit), log their hours,
    and post two opportunities."""
    matters = list(
        Matter.objects.filter(organization=harbor, closed_at__isnull=True).order_by("id")
    )
    from volunteers.matching import client_for_staffing, volunteers_for

    for matter in matters[1:8:2]:
        best = next(
            (
                m
                for m in volunteers_for(
                    matter, client=client_for_staffing(actor=coordinator.actor, matter=matter)
                )
                if m.eligible and m.profile.user.email.startswith("volunteer.")
            ),
            None,
        )
        if best is None:
            continue
        volunteer_assign(actor=coordinator.actor, matter=matter, user=best.profile.user)
        for days_ago in (20, 9, 2):
            TimeEntry.objects.create(
                matter=matter,
                person=best.profile.user,
                date=today - timedelta(days=days_ago),
                minutes=rng.choice([30, 45, 60, 90, 120]),
                activity="drafting",
            )
    for matter, role in ((matters[0], "attorney"), (matters[2], "paralegal")):
        opportunity_post(
            actor=coordinator.actor,
            matter=matter,
            role=role,
            language="Spanish",
            description="Prepare the declaration with the client over two or three meetings.",
        )
