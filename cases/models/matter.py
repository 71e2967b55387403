"""Matters, their jurisdictions, parties, and who may see them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_model_fields.fields import EncryptedCharField, EncryptedDateField

from aftercare.access import GuardedQuerySet, UserGrantBase
from aftercare.blind_index import TokenKind
from aftercare.models import Organization
from cases.kinds import Kind, Stage, SubKind
from survivors.models import Survivor


class Jurisdiction(models.Model):
    """A court or agency the organization works before; org admins keep the list."""

    class Type(models.TextChoices):
        COURT = "court", _("Court")
        AGENCY = "agency", _("Agency")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="jurisdictions"
    )
    name = models.CharField(_("name"), max_length=200)
    type = models.CharField(_("type"), max_length=10, choices=Type.choices)
    holiday_country = models.CharField(_("holiday calendar country"), max_length=2, default="US")
    holiday_subdivision = models.CharField(
        _("state or province"),
        max_length=10,
        blank=True,
        help_text=_("For example NY: its court holidays move deadlines."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="one_jurisdiction_name_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def document_wording(self):
        """The clause, caption and signature wording its documents use (a `Wording`)."""
        from cases.documents.wording import wording_for

        return wording_for(self)


class MatterQuerySet(GuardedQuerySet):
    def open(self) -> MatterQuerySet:
        return self.filter(closed_at__isnull=True)


class Matter(models.Model):
    """One legal need of one client, handled by one organization.

    Invariant: a matter exists only after a conflict check of its client was
    cleared or waived (`cases.services.matter_open`).
    """

    PII_FIELDS = ("case_number", "receipt_number", "closing_reason")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="matters")
    number = models.CharField(_("matter number"), max_length=20)
    client = models.ForeignKey(Survivor, on_delete=models.PROTECT, related_name="matters")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    sub_kind = models.CharField(_("type"), max_length=20, choices=SubKind.choices)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.INTAKE)
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="matters",
        verbose_name=_("court or agency"),
    )
    case_number = EncryptedCharField(_("case number"), max_length=60, blank=True)
    receipt_number = EncryptedCharField(_("receipt number"), max_length=60, blank=True)
    lead_attorney = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lead attorney"),
    )
    file_under_pseudonym = models.BooleanField(
        _("file under a pseudonym"),
        default=False,
        help_text=_("No generated document will carry the client's legal name or aliases."),
    )
    conflict_check = models.ForeignKey(
        "cases.ConflictCheck", on_delete=models.PROTECT, related_name="matters"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(
        _("outcome"),
        max_length=20,
        blank=True,
        choices=[
            ("granted", _("Granted or won")),
            ("denied", _("Denied or lost")),
            ("settled", _("Settled")),
            ("withdrawn", _("Withdrawn")),
            ("transferred", _("Transferred")),
        ],
    )
    closing_reason = EncryptedCharField(_("closing reason"), max_length=300, blank=True)
    grant = models.ForeignKey(
        "cases.Grant",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="matters",
        verbose_name=_("grant"),
    )

    objects = MatterQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="one_matter_number_per_org"
            ),
            # Each legal need its own matter, once: a second "Open" is not a second case.
            models.UniqueConstraint(
                fields=["conflict_check", "sub_kind"], name="one_matter_per_check_and_type"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "-opened_at", "-id"], name="matter_org_recent"),
            # Lists show open matters by default, and after ten years most matters are
            # closed: without it, a page and its capped count scan the closed ones too.
            models.Index(
                fields=["organization", "-opened_at", "-id"],
                condition=models.Q(closed_at__isnull=True),
                name="matter_org_open_recent",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class MatterUserGrant(UserGrantBase):
    content_object = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="user_grants")


class Party(models.Model):
    """An adverse party or related person of a matter, searchable only by token."""

    PII_FIELDS = ("name", "date_of_birth", "description")

    class Role(models.TextChoices):
        TRAFFICKER = "trafficker", _("Trafficker")
        EMPLOYER = "employer", _("Employer")
        RECRUITER = "recruiter", _("Recruiter")
        FAMILY = "family", _("Family member")
        GUARDIAN = "guardian", _("Guardian")
        WITNESS = "witness", _("Witness")

    ADVERSE = (Role.TRAFFICKER, Role.EMPLOYER, Role.RECRUITER)

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    name = EncryptedCharField(_("name"), max_length=200)
    date_of_birth = EncryptedDateField(_("date of birth"), null=True, blank=True)
    description = EncryptedCharField(_("notes"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["role", "id"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} of {self.matter_id}"

    @property
    def is_adverse(self) -> bool:
        return self.role in self.ADVERSE


class PartyAlias(models.Model):
    PII_FIELDS = ("name",)

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="alias_set")
    name = EncryptedCharField(_("alias"), max_length=200)

    def __str__(self) -> str:
        return f"alias of party {self.party_id}"


class PartyToken(models.Model):
    """A blind-index token of a party's name, alias or birth date, for conflict checks."""

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="tokens")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=TokenKind.choices)
    token = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["organization", "token"], name="party_token_lookup")]

    def __str__(self) -> str:
        return f"{self.kind} token of party {self.party_id}"
