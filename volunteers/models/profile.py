"""Volunteer attorneys and paralegals: profile, bar admissions, trainings and checks,
and the invitation that brings them in."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_model_fields.fields import EncryptedTextField

from aftercare.invitations import InvitationBase
from aftercare.invitations import InvitationQuerySet as BaseInvitationQuerySet
from aftercare.models import Membership, Organization, Role


class Proficiency(models.TextChoices):
    NATIVE = "native", _("native")
    FLUENT = "fluent", _("fluent")
    CONVERSATIONAL = "conversational", _("conversational")
    BASIC = "basic", _("basic")

    @property
    def works_with_client(self) -> bool:
        """Good enough to talk with a client about their case without an interpreter."""
        return self in (Proficiency.NATIVE, Proficiency.FLUENT)


class VolunteerProfileQuerySet(models.QuerySet["VolunteerProfile"]):
    def in_organization(self, organization_id: int) -> VolunteerProfileQuerySet:
        """Profiles of the organization's active attorneys and paralegals."""
        members = Membership.objects.active().filter(
            organization_id=organization_id,
            user__is_active=True,
            role__in=(Role.ATTORNEY, Role.PARALEGAL),
        )
        return self.filter(user_id__in=members.values("user_id"))

    def with_load(self) -> VolunteerProfileQuerySet:
        """`load`: the open matters a volunteer is on, in every organization (capacity is
        a person's, not an organization's). Counted from the grants, which are what give
        a matter, however the person joined its team."""
        return self.annotate(
            load=models.Count(
                "user__matterusergrant",
                distinct=True,
                filter=models.Q(
                    user__matterusergrant__permission__codename="view_matter",
                    user__matterusergrant__content_object__closed_at__isnull=True,
                ),
            )
        )

    def visible_to(self, membership: Membership | None) -> VolunteerProfileQuerySet:
        """Coordinators and admins see their organization's volunteers; a volunteer, themself."""
        if membership is None:
            return self.none()
        if membership.role_enum.sees_whole_organization:
            return self.in_organization(membership.organization_id)
        return self.filter(user_id=membership.user_id)


class VolunteerProfile(models.Model):
    """One person's volunteer profile, shared by every organization they volunteer for."""

    class Kind(models.TextChoices):
        ATTORNEY = "attorney", _("Attorney")
        PARALEGAL = "paralegal", _("Paralegal")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer_profile"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    firm = models.CharField(
        _("firm"), max_length=200, blank=True, help_text=_("For law-firm volunteers.")
    )
    malpractice_coverage = models.BooleanField(
        _("malpractice coverage"),
        default=False,
        help_text=_("Covered by malpractice insurance (yours, your firm's or ours)."),
    )
    practice_areas = models.JSONField(_("practice areas"), default=list, blank=True)
    # [{"language": "Spanish", "proficiency": "fluent"}, ...]
    languages = models.JSONField(_("languages"), default=list, blank=True)
    capacity = models.PositiveSmallIntegerField(
        _("active matters you can carry"),
        default=3,
        help_text=_("We never assign more than this."),
    )
    availability = models.CharField(
        _("availability"),
        max_length=200,
        blank=True,
        help_text=_("For example: weekday evenings, about 5 hours a week."),
    )
    paused_until = models.DateField(_("paused until"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VolunteerProfileQuerySet.as_manager()

    def __str__(self) -> str:
        return str(self.user)

    def is_paused(self, on: date) -> bool:
        return self.paused_until is not None and self.paused_until >= on

    def language_levels(self) -> dict[str, Proficiency]:
        """{'spanish': Proficiency.FLUENT, ...}: names lower-cased for matching."""
        levels = {}
        for entry in self.languages:
            try:
                levels[entry["language"].strip().lower()] = Proficiency(entry["proficiency"])
            except (KeyError, ValueError, AttributeError):
                continue
        return levels

    def languages_display(self) -> str:
        labels = dict(Proficiency.choices)
        return ", ".join(
            f"{e.get('language', '')} ({labels.get(e.get('proficiency'), '?')})"
            for e in self.languages
        )

    def practice_area_labels(self) -> list[str]:
        from cases.kinds import Kind

        labels = dict(Kind.choices)
        return [str(labels.get(code, code)) for code in self.practice_areas]


class OwnedByProfileQuerySet(models.QuerySet):
    """Rows of a profile: visible to whoever may see the profile."""

    def visible_to(self, membership: Membership | None) -> models.QuerySet:
        return self.filter(profile__in=VolunteerProfile.objects.visible_to(membership))


class CredentialQuerySet(models.QuerySet["Credential"]):
    def visible_to(self, membership: Membership | None) -> CredentialQuerySet:
        """A volunteer sees all of their own; a coordinator, only those given to their
        organization: a volunteer of two organizations shares a profile, not certificates."""
        if membership is None:
            return self.none()
        if membership.role_enum.sees_whole_organization:
            return self.filter(
                organization_id=membership.organization_id,
                profile__in=VolunteerProfile.objects.in_organization(membership.organization_id),
            )
        return self.filter(profile__user_id=membership.user_id)

    def without_certificate(self) -> CredentialQuerySet:
        """Lists and rules need the dates, never the (large, encrypted) certificate."""
        return self.defer("certificate_base64")


class BarAdmission(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active, in good standing")
        INACTIVE = "inactive", _("Inactive or retired")
        SUSPENDED = "suspended", _("Suspended")

    profile = models.ForeignKey(
        VolunteerProfile, on_delete=models.CASCADE, related_name="admissions"
    )
    jurisdiction = models.CharField(
        _("jurisdiction"), max_length=10, help_text=_("State code, e.g. NY")
    )
    number = models.CharField(_("bar number"), max_length=40)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )

    objects = OwnedByProfileQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "jurisdiction"], name="one_admission_per_jurisdiction"
            )
        ]

    def __str__(self) -> str:
        return f"admission {self.jurisdiction} of {self.profile_id}"

    @property
    def in_good_standing(self) -> bool:
        return self.status == self.Status.ACTIVE


class Training(models.Model):
    """A training an organization asks of its volunteers, beyond the built-in ones."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="volunteer_trainings"
    )
    name = models.CharField(_("name"), max_length=120)
    valid_for_months = models.PositiveSmallIntegerField(
        _("valid for (months)"), null=True, blank=True, help_text=_("Empty: never expires.")
    )
    required_for_every_matter = models.BooleanField(
        _("required before any matter"),
        default=False,
        help_text=_("Volunteers without it, verified and current, are not matched."),
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="one_training_per_name")
        ]

    def __str__(self) -> str:
        return self.name


class Credential(models.Model):
    """A training or a background check, with the dates that make it current.

    Invariant: only a credential a coordinator has verified counts for eligibility; a
    volunteer's own entry waits for that check. The certificate, if any, is stored
    encrypted, after its metadata was stripped (see `volunteers.certificates`).
    """

    class Kind(models.TextChoices):
        TRAUMA_INFORMED = "trauma", _("Trauma-informed care training")
        TRAFFICKING_LAW = "trafficking_law", _("Trafficking law training")
        CONFIDENTIALITY = "confidentiality", _("Confidentiality training")
        BACKGROUND_CHECK = "background_check", _("Background check")
        OTHER = "other", _("Another training of the organization")

    profile = models.ForeignKey(
        VolunteerProfile, on_delete=models.CASCADE, related_name="credentials"
    )
    # The organization it was given to, whose coordinators verify it and for whose
    # matters it counts.
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="volunteer_credentials"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    training = models.ForeignKey(
        Training, null=True, blank=True, on_delete=models.PROTECT, related_name="credentials"
    )
    completed_on = models.DateField(_("completed on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    certificate_base64 = EncryptedTextField(blank=True)
    certificate_type = models.CharField(max_length=40, blank=True)
    certificate_size = models.PositiveIntegerField(null=True, blank=True)
    certificate_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = CredentialQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "-completed_on"]

    def __str__(self) -> str:
        return f"{self.kind} of {self.profile_id}"

    @property
    def label(self) -> str:
        return self.training.name if self.training_id else self.get_kind_display()

    def is_current(self, on: date) -> bool:
        return self.completed_on <= on and (self.expires_on is None or self.expires_on >= on)

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def has_certificate(self) -> bool:
        return bool(self.certificate_sha256)


class InvitationQuerySet(BaseInvitationQuerySet):
    def visible_to(self, membership: Membership | None) -> InvitationQuerySet:
        if membership is None or not membership.role_enum.sees_whole_organization:
            return self.none()
        return self.filter(organization_id=membership.organization_id)


class Invitation(InvitationBase):
    """An invitation by email to volunteer for one organization (see aftercare.invitations)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="volunteer_invitations"
    )
    role = models.CharField(
        _("role"),
        max_length=20,
        choices=[(Role.ATTORNEY, Role.ATTORNEY.label), (Role.PARALEGAL, Role.PARALEGAL.label)],
    )

    objects = InvitationQuerySet.as_manager()

    class Meta(InvitationBase.Meta):
        constraints = [
            # Two sends at once to one address (two tabs, a retry) leave one working link.
            models.UniqueConstraint(
                fields=["organization", "email_token"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True)
                & ~models.Q(email_token=""),
                name="one_pending_invitation_per_address",
            )
        ]

    def __str__(self) -> str:
        return f"invitation {self.pk} to {self.organization_id}"
