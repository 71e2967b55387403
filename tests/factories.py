"""Synthetic people and organizations for tests. No real person, ever."""

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from aftercare.models import Membership, Organization, Role, User

TEST_PASSWORD = "correct horse battery staple 42"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Test Legal Aid {n}")
    kind = Organization.Kind.LEGAL_AID
    country = "US"
    jurisdiction = "State of New York"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@test.example")
    full_name = factory.Sequence(lambda n: f"Test Person {n}")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def authenticator(self, create, extracted, **kwargs):
        if not create:
            return
        self.save()  # stores the password set just before
        if extracted is not False:
            TOTPDevice.objects.create(user=self, name="Authenticator", confirmed=True)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.ATTORNEY


def make_survivor(organization, *, by=None, aliases=(), **data):
    """A survivor recorded through the real service (encryption, tokens, grants, audit),
    by `by` acting for the organization (or by nobody, as a seed would)."""
    from aftercare.actor import Actor, Channel
    from survivors.services import survivor_create

    actor = Actor.in_organization(user=by, organization_id=organization.pk, channel=Channel.WEB)
    data.setdefault("legal_name", "Synthetic Person")
    return survivor_create(actor=actor, organization=organization, data=data, aliases=list(aliases))


def make_volunteer(organization, *, role=Role.ATTORNEY, **profile):
    """A member with a volunteer profile and every credential verified and current."""
    from datetime import date

    from django.utils import timezone

    from volunteers.models import Credential, VolunteerProfile

    membership = MembershipFactory(organization=organization, role=role)
    profile.setdefault("malpractice_coverage", True)
    volunteer = VolunteerProfile.objects.create(
        user=membership.user,
        kind="attorney" if role == Role.ATTORNEY else "paralegal",
        **profile,
    )
    for kind in ("confidentiality", "trauma", "background_check"):
        Credential.objects.create(
            profile=volunteer,
            organization=organization,
            kind=kind,
            completed_on=date(2025, 1, 1),
            verified_at=timezone.now(),
        )
    return membership


def make_matter(organization, *, client=None, lead=None, sub_kind="t_visa", **fields):
    """A matter opened on a cleared conflict check, the lead attorney on its team."""
    from django.utils import timezone

    from aftercare.access import access_grant
    from cases.kinds import kind_of
    from cases.models import ConflictCheck, Matter
    from cases.services.deadlines import deadline_rules_install

    lead = lead or MembershipFactory(organization=organization, role=Role.ATTORNEY).user
    client = client or make_survivor(organization, legal_name="Matter Client")
    check = ConflictCheck.objects.create(
        organization=organization,
        client=client,
        requested_by=lead,
        decision=ConflictCheck.Decision.CLEARED,
        decided_by=lead,
        decided_at=timezone.now(),
    )
    number = f"M-2026-{Matter.objects.filter(organization=organization).count() + 1:04d}"
    deadline_rules_install(organization=organization)
    matter = Matter.objects.create(
        organization=organization,
        number=number,
        client=client,
        kind=kind_of(sub_kind),
        sub_kind=sub_kind,
        lead_attorney=lead,
        conflict_check=check,
        **fields,
    )
    access_grant(user=lead, obj=matter, actions=("view", "change"))
    access_grant(user=lead, obj=client, actions=("view",))
    return matter
