"""Demo organizations and people, and the registry through which each app seeds its own
demo data. Every name here is invented.

The core knows no feature app: `seed_demo` creates the organizations and users here,
then runs whatever the apps' `demo` modules registered with `@demo_seeder`, found the
way Django finds admin modules.
"""

from __future__ import annotations

import secrets
from base64 import b32decode, b32encode
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.http import HttpRequest
from django.test import RequestFactory
from django.utils.module_loading import autodiscover_modules
from django_otp.plugins.otp_totp.models import TOTPDevice

from aftercare.actor import Actor, Channel
from aftercare.models import Membership, Organization, Role, User
from aftercare.services import recovery_codes_issue

ORGANIZATIONS = {
    "harbor": {
        "name": "Harbor Legal Aid",
        "kind": Organization.Kind.LEGAL_AID,
        "country": "US",
        "jurisdiction": "State of New York",
        "contact_email": "intake@harbor.example",
        "contact_phone": "+1 718 555 0142",
        "mailing_address": "100 Court Street, Suite 4\nBrooklyn, NY 11201",
        "services": [Organization.Service.LEGAL_REPRESENTATION],
    },
    "safehaven": {
        "name": "Safe Haven Shelter",
        "kind": Organization.Kind.PARTNER_NGO,
        "country": "US",
        "jurisdiction": "State of New York",
        "contact_email": "office@safehaven.example",
        "services": [
            Organization.Service.SHELTER,
            Organization.Service.COUNSELING,
            Organization.Service.OUTREACH,
            Organization.Service.LIVING_EXPENSES,
        ],
    },
    "riverside": {
        "name": "Riverside Legal Clinic",
        "kind": Organization.Kind.LEGAL_AID,
        "country": "US",
        "jurisdiction": "State of New Jersey",
        "contact_email": "clinic@riverside.example",
        "services": [Organization.Service.LEGAL_REPRESENTATION],
    },
}

PEOPLE = [
    ("admin@harbor.example", "Avery Admin", "harbor", Role.ORG_ADMIN),
    ("coordinator@harbor.example", "Casey Coordinator", "harbor", Role.COORDINATOR),
    ("attorney@harbor.example", "Alex Attorney", "harbor", Role.ATTORNEY),
    ("paralegal@harbor.example", "Pat Paralegal", "harbor", Role.PARALEGAL),
    ("intake@safehaven.example", "Indra Intake", "safehaven", Role.INTAKE),
    # The partner NGO's own admin: manages its API clients and webhook endpoints.
    ("admin@safehaven.example", "Sam Admin", "safehaven", Role.ORG_ADMIN),
    ("coordinator@riverside.example", "Robin Coordinator", "riverside", Role.COORDINATOR),
]

# Runs the service (creates organizations, invites their first admin); member of none.
PLATFORM_ADMINS = [("platform@aftercare.example", "Parker Platform")]
# What documents print in the attorney block (fictional numbers).
FILING_DETAILS = {"attorney@harbor.example": {"bar_number": "NY 5550142"}}


@dataclass
class DemoCredential:
    email: str
    role: str
    organization: str
    password: str | None
    totp_secret: str | None


def _totp_secret_valid(secret: str) -> bytes:
    try:
        key = b32decode(secret.upper(), casefold=True)
    except ValueError as exc:
        raise ValueError("--totp-secret must be base32, like JBSWY3DPEHPK3PXP") from exc
    if len(key) < 10:
        raise ValueError("--totp-secret must hold at least 80 bits (16 base32 characters)")
    return key


def demo_seed_core(
    *, password: str | None = None, totp_secret: str | None = None
) -> list[DemoCredential]:
    """Create the demo organizations and users; set credentials only for new users,
    or for everyone when they are given explicitly. Returns what to print once."""
    fixed_key = _totp_secret_valid(totp_secret) if totp_secret else None
    orgs = {
        slug: Organization.objects.update_or_create(name=fields["name"], defaults=fields)[0]
        for slug, fields in ORGANIZATIONS.items()
    }
    printed: list[DemoCredential] = []
    people = [(*person, False) for person in PEOPLE] + [
        (email, full_name, None, None, True) for email, full_name in PLATFORM_ADMINS
    ]
    with transaction.atomic():
        for email, full_name, org_slug, role, platform_admin in people:
            user, created = User.objects.get_or_create(
                email=email,
                defaults={"full_name": full_name, "is_platform_admin": platform_admin},
            )
            if org_slug is not None:
                Membership.objects.update_or_create(
                    user=user,
                    organization=orgs[org_slug],
                    defaults={"role": role, "is_active": True, **FILING_DETAILS.get(email, {})},
                )
            if not created and password is None and totp_secret is None:
                continue
            new_password = password or secrets.token_urlsafe(12)
            user.set_password(new_password)
            user.save(update_fields=["password"])
            key = fixed_key or secrets.token_bytes(20)
            TOTPDevice.objects.filter(user=user).delete()
            TOTPDevice.objects.create(
                user=user, name="Authenticator", key=key.hex(), confirmed=True
            )
            recovery_codes_issue(user=user)
            printed.append(
                DemoCredential(
                    email=email,
                    role=Role(role).label if role else "Platform administrator",
                    organization=orgs[org_slug].name if org_slug else "(none)",
                    password=new_password,
                    totp_secret=b32encode(key).decode().rstrip("="),
                )
            )
    return printed


def acting_as(email: str, organization_name: str) -> HttpRequest:
    """A stand-in request, so that demo seeding goes through the same services people use."""
    request = RequestFactory().post("/")
    request.user = User.objects.get(email=email)
    request.membership = Membership.objects.select_related("organization").get(
        user=request.user, organization__name=organization_name
    )
    # Services that take an actor get this one; the stand-in request goes when the
    # last service taking a request does.
    request.actor = Actor(user=request.user, membership=request.membership, channel=Channel.COMMAND)
    return request


@dataclass(frozen=True)
class DemoSeeder:
    floor: int
    seed: Callable[[], int]
    reports: str


_seeders: dict[str, DemoSeeder] = {}


def demo_seeder(*, floor: int, reports: str) -> Callable[[Callable[[], int]], Callable[[], int]]:
    """Register an app's demo seeding: an idempotent function returning how many things it
    created, and the line `reports.format(count)` that tells the operator so.

    `floor` is the app's place in the dependency order (core 0, survivors 1, cases 2,
    volunteers 3): lower floors seed first, because higher ones build on their rows.
    """

    def register(seed: Callable[[], int]) -> Callable[[], int]:
        _seeders[f"{seed.__module__}.{seed.__qualname__}"] = DemoSeeder(floor, seed, reports)
        return seed

    return register


def demo_seeders() -> list[DemoSeeder]:
    """Every installed app's registered seeding, lowest floor first."""
    autodiscover_modules("demo")
    return [_seeders[name] for name in sorted(_seeders, key=lambda n: (_seeders[n].floor, n))]
