"""Staffing matters with volunteers: anonymized opportunities, interest with a no-conflict
confirmation, assignments (which carry the access grants), and private check-ins."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_model_fields.fields import EncryptedCharField, EncryptedTextField

from aftercare.models import Membership, Organization, Role
from cases.models import Matter

VOLUNTEER_ROLES = [(Role.ATTORNEY, Role.ATTORNEY.label), (Role.PARALEGAL, Role.PARALEGAL.label)]


class OpportunityQuerySet(models.QuerySet["Opportunity"]):
    def open(self) -> OpportunityQuerySet:
        return self.filter(closed_at__isnull=True, matter__closed_at__isnull=True)

    def visible_to(self, membership: Membership | None) -> OpportunityQuerySet:
        """Coordinators manage all of their organization's; its attorneys and paralegals
        see the open ones, which carry no personal data. Details also need a no-conflict
        confirmation (see `Interest`), and end with the opportunity."""
        if membership is None:
            return self.none()
        mine = self.filter(organization_id=membership.organization_id)
        if membership.role_enum.sees_whole_organization:
            return mine
        if membership.role in (Role.ATTORNEY, Role.PARALEGAL):
            from volunteers.models.profile import VolunteerProfile

            if VolunteerProfile.objects.filter(user_id=membership.user_id).exists():
                return mine.open()
        return self.none()

    def with_interest_of(self, user) -> OpportunityQuerySet:
        return self.filter(interests__user=user, interests__withdrawn_at__isnull=True)


class Opportunity(models.Model):
    """A matter that needs a volunteer, as volunteers see it before they commit.

    Invariant: what a volunteer sees of it before confirming no conflict is the kind and
    sub-kind, the jurisdiction's name, the language needed and the role: nothing that
    names or describes the client.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="volunteer_opportunities"
    )
    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="opportunities")
    role = models.CharField(_("role needed"), max_length=20, choices=VOLUNTEER_ROLES)
    # Encrypted: it repeats part of the client's (encrypted) languages.
    language = EncryptedCharField(
        _("language needed"),
        max_length=80,
        blank=True,
        help_text=_("The language the client speaks best, if a shared language would help."),
    )
    description = EncryptedTextField(
        _("what the work involves"),
        blank=True,
        help_text=_(
            "Shown only after the volunteer confirms no conflict. No names or places: "
            "for example 'T visa declaration, two interviews, filing in March'."
        ),
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    posted_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        ordering = ["-posted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["matter", "role"],
                condition=Q(closed_at__isnull=True),
                name="one_open_opportunity_per_matter_and_role",
            )
        ]

    def __str__(self) -> str:
        return f"opportunity {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Interest(models.Model):
    """A volunteer's interest in an opportunity; details follow a no-conflict confirmation."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="interests")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer_interests"
    )
    expressed_at = models.DateTimeField(default=timezone.now)
    no_conflict_confirmed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    conflict_found = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "user"], name="one_interest_per_person")
        ]

    def __str__(self) -> str:
        return f"interest of {self.user_id} in {self.opportunity_id}"

    @property
    def confirmed(self) -> bool:
        return self.no_conflict_confirmed_at is not None and self.withdrawn_at is None


class AssignmentQuerySet(models.QuerySet["Assignment"]):
    def active(self) -> AssignmentQuerySet:
        return self.filter(ended_at__isnull=True)

    def visible_to(self, membership: Membership | None) -> AssignmentQuerySet:
        """Coordinators manage their organization's assignments; volunteers see their own."""
        if membership is None:
            return self.none()
        mine = self.filter(organization_id=membership.organization_id)
        if membership.role_enum.sees_whole_organization:
            return mine
        return mine.filter(user_id=membership.user_id)


class Assignment(models.Model):
    """A volunteer on a matter's team. While it is active they hold the matter's grants.

    Invariant: an assignment ends (and its grants go) on unassignment, on a pause, when
    the volunteer's membership ends, or when the matter's team loses them another way.
    """

    class EndReason(models.TextChoices):
        UNASSIGNED = "unassigned", _("Unassigned by a coordinator")
        PAUSED = "paused", _("The volunteer paused")
        MEMBERSHIP_ENDED = "membership_ended", _("Membership ended")
        REMOVED_FROM_TEAM = "removed_from_team", _("Removed from the matter's team")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer_assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    trauma_heavy = models.BooleanField(default=False)
    debrief_due_at = models.DateTimeField(null=True, blank=True)
    debrief_reminded_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["-assigned_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["matter", "user"],
                condition=Q(ended_at__isnull=True),
                name="one_active_assignment_per_person",
            )
        ]
        indexes = [
            # The debrief sweep reads only assignments still waiting for their reminder.
            models.Index(
                fields=["debrief_due_at"],
                condition=Q(debrief_reminded_at__isnull=True, ended_at__isnull=True),
                name="assignment_debrief_due",
            )
        ]

    def __str__(self) -> str:
        return f"assignment of {self.user_id} to {self.matter_id}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class CheckIn(models.Model):
    """A volunteer's private note on how they are doing. Only its author ever reads it."""

    class Feeling(models.IntegerChoices):
        STRUGGLING = 1, _("Struggling")
        LOW = 2, _("Low")
        OKAY = 3, _("Okay")
        GOOD = 4, _("Good")
        GREAT = 5, _("Great")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer_checkins"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    feeling = models.PositiveSmallIntegerField(_("how are you doing?"), choices=Feeling.choices)
    note = EncryptedTextField(_("private note"), blank=True)
    wants_conversation = models.BooleanField(
        _("I would like a coordinator to reach out"),
        default=False,
        help_text=_("They are told only that you asked; your answers stay private."),
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"check-in {self.pk}"
