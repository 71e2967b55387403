"""What every app shares: people, organizations, memberships, the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_model_fields.fields import EncryptedCharField

from aftercare.invitations import InvitationBase, InvitationQuerySet


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("A user needs an email address")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. What they may see depends on their memberships."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    # Runs the service: creates organizations and invites their first admin. Sees no
    # organization's records (survivors, matters, documents) unless also a member there.
    is_platform_admin = models.BooleanField(_("platform administrator"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """How colleagues are named on pages: by name, and by email only when no name is set."""
        return self.full_name or self.email

    def active_memberships(self) -> models.QuerySet[Membership]:
        return self.memberships.filter(is_active=True, organization__is_active=True).select_related(
            "organization"
        )


class Organization(models.Model):
    class Kind(models.TextChoices):
        LEGAL_AID = "legal_aid", _("Legal aid organization")
        PARTNER_NGO = "partner_ngo", _("Partner NGO")

    class Service(models.TextChoices):
        LEGAL_REPRESENTATION = "legal", _("Legal representation")
        SHELTER = "shelter", _("Shelter and housing")
        MEDICAL = "medical", _("Medical care")
        COUNSELING = "counseling", _("Counseling")
        LIVING_EXPENSES = "living_expenses", _("Living expenses")
        EDUCATION = "education", _("Education")
        VOCATIONAL = "vocational", _("Vocational training")
        EMPLOYMENT = "employment", _("Employment")
        DOCUMENTS = "documents", _("Identity documents")
        OUTREACH = "outreach", _("Outreach and identification")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 code, e.g. US"))
    jurisdiction = models.CharField(_("jurisdiction"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    mailing_address = models.TextField(
        _("mailing address"),
        blank=True,
        help_text=_("Printed in the attorney block of every generated document."),
    )
    services = models.JSONField(_("services offered"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name

    def service_labels(self) -> list[str]:
        labels = dict(self.Service.choices)
        return [str(labels.get(code, code)) for code in self.services]


class Role(models.TextChoices):
    """A member's role in one organization. What each role may do is decided here."""

    INTAKE = "intake", _("Intake worker")
    COORDINATOR = "coordinator", _("Coordinator")
    ATTORNEY = "attorney", _("Attorney")
    PARALEGAL = "paralegal", _("Paralegal")
    ORG_ADMIN = "org_admin", _("Organization admin")

    @property
    def sees_whole_organization(self) -> bool:
        """Coordinators and admins see every record of their organization;
        others see only what they are assigned to."""
        return self in (Role.COORDINATOR, Role.ORG_ADMIN)

    @property
    def manages_members(self) -> bool:
        return self == Role.ORG_ADMIN

    @property
    def reads_audit_trail(self) -> bool:
        return self in (Role.COORDINATOR, Role.ORG_ADMIN)

    @property
    def records_intake(self) -> bool:
        return self in (Role.INTAKE, Role.COORDINATOR, Role.ORG_ADMIN)

    @property
    def may_reveal_safe_location(self) -> bool:
        """The safe-house address is the most dangerous field: only people who place survivors
        in shelters see it."""
        return self in (Role.INTAKE, Role.COORDINATOR)

    @property
    def overrides_consent(self) -> bool:
        return self == Role.COORDINATOR


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self) -> MembershipQuerySet:
        return self.filter(is_active=True, organization__is_active=True)

    def people(self) -> MembershipQuerySet:
        """Active members who are people: what a person chooses from or notifies, never
        an API client's service member (which acts, but reads no mail and leads nothing)."""
        return self.active().filter(is_service=False)

    def visible_to(self, membership: Membership) -> MembershipQuerySet:
        """Only an organization's admins see (and manage) its member list."""
        if not Role(membership.role).manages_members:
            return self.none()
        return self.filter(organization_id=membership.organization_id)


class Membership(models.Model):
    """One user in one organization, with one role there."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    joined_at = models.DateTimeField(default=timezone.now)
    # The member of an API client (api app): it acts through every door with its role,
    # but is no one to choose as a lead attorney, notify, or list among the staff.
    is_service = models.BooleanField(default=False, editable=False)
    # An attorney's details for the signature block of generated documents: typed once.
    bar_number = models.CharField(
        _("bar number"),
        max_length=40,
        blank=True,
        help_text=_("For attorneys: printed on the documents they sign."),
    )
    phone = models.CharField(
        _("direct telephone"),
        max_length=40,
        blank=True,
        help_text=_("Printed on documents; empty means the organization's telephone."),
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_org")
        ]
        ordering = ["organization__name", "user__email"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.get_role_display()})"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


class StaffInvitationQuerySet(InvitationQuerySet):
    def visible_to(self, membership: Membership | None) -> StaffInvitationQuerySet:
        """An organization's admins see (and manage) its staff invitations."""
        if membership is None or not membership.role_enum.manages_members:
            return self.none()
        return self.filter(organization_id=membership.organization_id)


class StaffInvitation(InvitationBase):
    """An invitation by email to join one organization's staff with a role.

    An organization admin sends it, or a platform administrator for an organization's
    first admin. Accepting makes the membership; see `aftercare.staff`.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="staff_invitations"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    # When the link was last emailed: a resend issues a new link and moves this.
    sent_at = models.DateTimeField(default=timezone.now)

    objects = StaffInvitationQuerySet.as_manager()

    class Meta(InvitationBase.Meta):
        constraints = [
            # A double click or two tabs leave one pending invitation per address.
            models.UniqueConstraint(
                fields=["organization", "email_token"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_pending_staff_invitation_per_address",
            )
        ]

    def __str__(self) -> str:
        return f"staff invitation {self.pk} to {self.organization_id}"


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Append-only: the ORM offers no way to change or remove an event."""

    def update(self, **kwargs):
        raise TypeError("Audit events are append-only")

    def delete(self):
        raise TypeError("Audit events are append-only")


class AuditEvent(models.Model):
    """One thing that happened, chained to the event before it by hash.

    Invariants: rows are only ever inserted (the ORM refuses updates and deletes,
    and the database has triggers that refuse them too); `hash` covers every other
    column and `prev_hash`, so editing, removing or reordering a row breaks the
    chain that `manage.py verify_audit` walks. The payload never holds personal data.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id", "id"], name="audit_object")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit events are append-only")

    @property
    def label(self) -> str:
        """What happened, in the reader's language."""
        from aftercare.audit_labels import audit_label

        return audit_label(self.action)


class AuditChainHead(models.Model):
    """The newest hash and the length of the audit chain (one row, pk=1).

    Appending locks this row, which serializes writers; verifying compares the
    walked chain with it, which reveals events cut from the end.
    """

    last_hash = models.CharField(max_length=64)
    length = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"audit chain of {self.length} events"


class EncryptionCanary(models.Model):
    """A known value encrypted with the key in use when the database was created.

    If the configured keys cannot decrypt it, the library would silently hand
    back ciphertext for every field, so the application refuses to start.
    """

    KNOWN_VALUE = "aftercare-encryption-canary"

    value = EncryptedCharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return "encryption canary"


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def visible_to(self, membership) -> NotificationQuerySet:
        """A notification is its recipient's, in the organization it was sent for.

        A person in two organizations sees, acting for one, only that one's. Rows with no
        organization (sent before it was recorded, to someone in several) are nobody's.
        """
        if membership is None:
            return self.none()
        return self.filter(
            recipient_id=membership.user_id, organization_id=membership.organization_id
        )


class Notification(models.Model):
    """An in-app message for one person about one organization's work. Never personal data
    of a survivor: codes and dates."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    # Null only on rows older than the field whose organization could not be told.
    organization = models.ForeignKey(
        Organization, null=True, on_delete=models.CASCADE, related_name="+"
    )
    message = models.CharField(max_length=300)
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["recipient", "organization", "read_at"], name="notification_unread"
            )
        ]

    def __str__(self) -> str:
        return f"notification {self.pk} for {self.recipient_id}"

    def save(self, *args, **kwargs):
        # Its organization decides who sees it: a new one without one would be lost.
        if self._state.adding and self.organization_id is None:
            raise ValueError("A notification is sent for one organization")
        super().save(*args, **kwargs)


class Heartbeat(models.Model):
    """When a background service last showed it was alive: beat writes its row every
    tick, and /healthz and `reminders_status` say so when the row grows old. Holds no
    personal data."""

    service = models.CharField(max_length=40, unique=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.service} alive at {self.at:%Y-%m-%d %H:%M:%S}"


# Defined beside the decorator that claims it; imported here so Django sees the model.
from aftercare.idempotency import Submission  # noqa: E402, F401, I001

# Defined beside the functions that write and show it, for the same reason.
from aftercare.history import FieldChange  # noqa: E402, F401
