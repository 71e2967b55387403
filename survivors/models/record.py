"""The survivor's record: identity (encrypted), its blind index, safe contact, access."""

from __future__ import annotations

from datetime import date, datetime, time

from django.conf import settings
from django.db import models
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_model_fields.fields import (
    EncryptedCharField,
    EncryptedDateField,
    EncryptedTextField,
)

from aftercare.access import GuardedQuerySet, UserGrantBase
from aftercare.blind_index import TokenKind, birth_date_token, name_tokens
from aftercare.models import Organization

AGE_OF_MAJORITY = 18


def majority_date(birth: date) -> date:
    """The 18th birthday; a 29 February birthday comes of age on 1 March."""
    try:
        return birth.replace(year=birth.year + AGE_OF_MAJORITY)
    except ValueError:
        return date(birth.year + AGE_OF_MAJORITY, 3, 1)


class TraffickingKind(models.TextChoices):
    SEX = "sex", _("Sex trafficking")
    LABOR = "labor", _("Labor trafficking")
    CHILD = "child", _("Child trafficking")
    FORCED_MARRIAGE = "forced_marriage", _("Forced marriage")


class Indicator(models.TextChoices):
    """Identification indicators, after the common screening tools (plain-language labels)."""

    DOCUMENTS_HELD = "documents_held", _("Someone else keeps their passport or ID")
    DEBT = "debt", _("Owes a debt they cannot pay off")
    MOVEMENT_CONTROLLED = "movement_controlled", _("Not free to come and go")
    THREATS = "threats", _("Threatened, or family threatened")
    WAGES_WITHHELD = "wages_withheld", _("Not paid, or paid far less than promised")
    DECEIVED = "deceived", _("Deceived about the job or conditions")
    COMMERCIAL_SEX_MINOR = "commercial_sex_minor", _("A minor involved in commercial sex")
    ISOLATION = "isolation", _("Kept from contact with others")


class Need(models.TextChoices):
    SHELTER = "shelter", _("Shelter")
    MEDICAL = "medical", _("Medical care")
    COUNSELING = "counseling", _("Counseling")
    LIVING_EXPENSES = "living_expenses", _("Living expenses")
    EDUCATION = "education", _("Education")
    VOCATIONAL = "vocational", _("Vocational training")
    EMPLOYMENT = "employment", _("Employment")
    DOCUMENTS = "documents", _("Identity documents")
    LEGAL = "legal", _("Legal help")


class DataCategory(models.TextChoices):
    """What a consent can cover; each category is a fixed set of fields."""

    IDENTITY = "identity", _("Identity: names, date of birth, origin, languages")
    CONTACT = "contact", _("How to contact safely")
    SAFETY = "safety", _("Safety situation")
    LOCATION = "location", _("Current location or safe house")
    SITUATION = "situation", _("Trafficking situation and indicators")
    NEEDS = "needs", _("Needs, referrals and service plan")
    # Files on the record (identity documents, reports): `evidence`, no field here.
    DOCUMENTS = "documents", _("Documents and evidence files")


class SurvivorQuerySet(GuardedQuerySet):
    def organization_scope(self, organization_id: int) -> models.Q:
        """Survivors an organization recorded, and those shared with it under a current
        consent: one indexed join on `SurvivorAccess`, not an OR over the shares."""
        today = timezone.localdate()
        return models.Q(organization_access__organization_id=organization_id) & (
            models.Q(organization_access__expires_on__isnull=True)
            | models.Q(organization_access__expires_on__gte=today)
        )

    def newest_first(self) -> SurvivorQuerySet:
        """The list order, read from the access rows' index. Only after `visible_to`,
        whose join it reuses (on its own it would repeat shared survivors)."""
        return self.order_by(
            "-organization_access__survivor_created_at", "-organization_access__survivor_id"
        )

    def with_need(self, need: str) -> SurvivorQuerySet:
        # JSON `contains` does not exist on SQLite; a quoted code in the JSON text is
        # unambiguous, since codes are plain words.
        return self.annotate(needs_text=Cast("needs", models.TextField())).filter(
            needs_text__contains=f'"{need}"'
        )

    def drafts_of(self, user) -> SurvivorQuerySet:
        return self.filter(status=Survivor.Status.DRAFT, created_by=user)

    def with_list_columns(self) -> SurvivorQuerySet:
        """Only what a list shows: decrypting a full record per row is 10x slower."""
        return self.only("id", "code", "status", "initials", "created_at", "organization_id")

    def findable_by_identity(self, organization_id: int) -> SurvivorQuerySet:
        """Survivors an organization may find by name or date of birth: its own records,
        and those shared with it under a current consent that covers identity.

        Nobody else: a hit on a survivor shared without identity (or no longer shared)
        would confirm a guessed name the organization was never told.
        """
        from survivors.models.sharing import SurvivorShare  # sharing imports this module

        identity = f'"{DataCategory.IDENTITY.value}"'
        shared = (
            SurvivorShare.objects.current()
            .filter(organization_id=organization_id)
            # JSON `contains` does not exist on SQLite; a quoted code is unambiguous.
            .annotate(categories_text=Cast("consent__categories", models.TextField()))
            .filter(categories_text__contains=identity)
            .values("survivor_id")
        )
        return self.filter(models.Q(organization_id=organization_id) | models.Q(pk__in=shared))

    def matching(self, *, name: str = "", born: date | None = None) -> SurvivorQuerySet:
        """Survivors whose name, alias or date of birth matches, through blind-index tokens.

        Only the token table is searched; no row is decrypted to decide whether it matches.
        With both a name and a date, a survivor must match both.
        """
        return self.matching_tokens(
            name_tokens=list(name_tokens(name).values()) if name else [],
            birth_token=birth_date_token(born) if born else None,
        )

    def matching_tokens(
        self, *, name_tokens: list[str], birth_token: str | None
    ) -> SurvivorQuerySet:
        """Searches never find an erased survivor: their conflict-only tokens are kept for
        the conflict check alone (`cases.services.conflicts`), never for a search."""
        result = self
        searchable = SurvivorToken.objects.filter(conflict_only=False)
        if name_tokens:
            result = result.filter(
                pk__in=searchable.filter(token__in=name_tokens).values("survivor_id")
            )
        if birth_token:
            result = result.filter(
                pk__in=searchable.filter(token=birth_token).values("survivor_id")
            )
        if name_tokens or birth_token:
            result = result.exclude(status=Survivor.Status.ERASED)
        return result


class Survivor(models.Model):
    """A person served. Lists show `code` and `initials`; names only on the detail page.

    Invariant: exactly the fields in PII_FIELDS are encrypted, and the searchable
    ones (names, aliases, date of birth) also have blind-index tokens.
    """

    PII_FIELDS = (
        "legal_name",
        "preferred_name",
        "initials",
        "date_of_birth",
        "gender",
        "country_of_origin",
        "nationality",
        "languages",
        "guardian_name",
        "guardian_contact",
        "safety_situation",
        "safe_location",
    )

    # Which fields each consent category discloses to another organization.
    CATEGORY_FIELDS = {
        DataCategory.IDENTITY: (
            "legal_name",
            "preferred_name",
            "date_of_birth",
            "gender",
            "country_of_origin",
            "nationality",
            "languages",
            "interpreter_needed",
            "guardian_name",
            "guardian_contact",
        ),
        DataCategory.SAFETY: ("safety_situation",),
        DataCategory.LOCATION: ("safe_location",),
        DataCategory.SITUATION: ("trafficking_kinds", "indicators"),
        DataCategory.NEEDS: ("needs",),
    }

    class Status(models.TextChoices):
        DRAFT = "draft", _("Intake in progress")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")
        ERASED = "erased", _("Erased on request")
        MERGED = "merged", _("Merged into another record")

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="survivors",
        help_text=_("The organization that recorded the survivor."),
    )
    code = models.CharField(_("code"), max_length=20, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)

    legal_name = EncryptedCharField(_("legal name"), max_length=200)
    preferred_name = EncryptedCharField(_("preferred name"), max_length=200, blank=True)
    initials = EncryptedCharField(max_length=8, blank=True)
    date_of_birth = EncryptedDateField(_("date of birth"), null=True, blank=True)
    gender = EncryptedCharField(_("gender"), max_length=60, blank=True)
    country_of_origin = EncryptedCharField(_("country of origin"), max_length=60, blank=True)
    nationality = EncryptedCharField(_("nationality"), max_length=60, blank=True)
    languages = EncryptedCharField(
        _("languages"),
        max_length=200,
        blank=True,
        help_text=_("For example: Spanish (native), English (basic)"),
    )
    interpreter_needed = models.BooleanField(_("interpreter needed"), default=False)
    guardian_name = EncryptedCharField(_("guardian or custodian"), max_length=200, blank=True)
    guardian_contact = EncryptedCharField(_("guardian contact"), max_length=200, blank=True)
    safety_situation = EncryptedTextField(_("current safety situation"), blank=True)
    safe_location = EncryptedTextField(_("current location or safe house"), blank=True)

    # Categories, not narrative: kept plain so that lists can filter and reports can count.
    trafficking_kinds = models.JSONField(_("kind of trafficking"), default=list, blank=True)
    indicators = models.JSONField(_("identification indicators"), default=list, blank=True)
    needs = models.JSONField(_("immediate needs"), default=list, blank=True)
    # Derived from the encrypted birth date at every save and refreshed daily, so that
    # lists can filter minors without storing (or decrypting) a date.
    is_minor = models.BooleanField(default=False, db_index=True)

    intake_step = models.PositiveSmallIntegerField(default=1)
    legal_hold = models.BooleanField(
        _("legal hold"),
        default=False,
        help_text=_("While set, the record cannot be erased, on request or by retention."),
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    # A duplicate merged away (`survivors.merge`): a tombstone without personal data
    # that sends whoever may see the kept record there.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    merged_at = models.DateTimeField(null=True, blank=True)
    # When the author of a draft was last told it will expire: a draft is erased only
    # once its author was warned after its last change (`survivors.services.drafts`).
    draft_expiry_warned_at = models.DateTimeField(null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SurvivorQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"], name="survivor_org_recent"),
            # The draft expiry sweep runs every hour: it reads only the few drafts.
            models.Index(
                fields=["updated_at"],
                condition=models.Q(status="draft"),
                name="survivor_draft_last_change",
            ),
        ]

    def __str__(self) -> str:
        return self.code  # never the name: str() ends up in logs and error reports

    def save(self, *args, **kwargs):
        self.is_minor = bool(self.is_minor_on())
        if kwargs.get("update_fields") is not None and "date_of_birth" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "is_minor"}
        super().save(*args, **kwargs)

    @property
    def majority_date(self) -> date | None:
        return majority_date(self.date_of_birth) if self.date_of_birth else None

    def is_minor_on(self, on: date | None = None) -> bool | None:
        """Minor on a given day (today by default); None when the birth date is unknown."""
        if self.date_of_birth is None:
            return None
        return (on or timezone.localdate()) < self.majority_date

    @property
    def labels_needs(self) -> str:
        return ", ".join(self.labels("needs"))

    @property
    def labels_indicators(self) -> str:
        return ", ".join(self.labels("indicators"))

    @property
    def labels_trafficking(self) -> str:
        return ", ".join(self.labels("trafficking_kinds"))

    def labels(self, field: str) -> list[str]:
        """Human labels of a list-of-codes field (needs, indicators, trafficking kinds)."""
        choices = {"needs": Need, "indicators": Indicator, "trafficking_kinds": TraffickingKind}
        names = dict(choices[field].choices)
        return [str(names.get(code, code)) for code in getattr(self, field)]


class SurvivorAlias(models.Model):
    PII_FIELDS = ("name",)

    survivor = models.ForeignKey(Survivor, on_delete=models.CASCADE, related_name="aliases")
    name = EncryptedCharField(_("alias"), max_length=200)

    def __str__(self) -> str:
        return f"alias of {self.survivor_id}"


class SurvivorToken(models.Model):
    """One blind-index token of a survivor's name, alias or date of birth.

    Invariant: `conflict_only` tokens belong to an erased survivor who was a client (or
    was recorded by a legal aid organization). They are kept, unreadable keyed hashes,
    solely so that a conflict check still finds the former client; every search of
    survivors ignores them.
    """

    class Source(models.TextChoices):
        LEGAL_NAME = "legal_name", _("legal name")
        PREFERRED_NAME = "preferred_name", _("preferred name")
        ALIAS = "alias", _("alias")
        DATE_OF_BIRTH = "date_of_birth", _("date of birth")
        # Two parts of a longer name ("María Gómez" of "María Elena Gómez Ruiz"): found
        # by a search, never by a conflict check (where a shared given name and surname
        # is not the same person).
        NAME_PART = "name_part", _("two parts of a name")

    survivor = models.ForeignKey(Survivor, on_delete=models.CASCADE, related_name="tokens")
    source = models.CharField(max_length=20, choices=Source.choices)
    kind = models.CharField(max_length=12, choices=TokenKind.choices)
    token = models.CharField(max_length=64)
    conflict_only = models.BooleanField(default=False)

    class Meta:
        # `conflict_only` in the key keeps a search (which excludes those tokens) an
        # index-only scan; the conflict check reads both kinds through the same prefix.
        indexes = [
            models.Index(
                fields=["token", "conflict_only", "survivor"], name="survivor_token_lookup"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["survivor", "source", "kind", "token"], name="one_token_per_source_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} token of {self.survivor_id}"


class SurvivorUserGrant(UserGrantBase):
    content_object = models.ForeignKey(
        Survivor, on_delete=models.CASCADE, related_name="user_grants"
    )


class SafeContact(models.Model):
    """How the survivor may be contacted on one channel. Reminders and letters obey it.

    The rule lives in `allows`: a channel is usable only when marked safe, and only
    on the allowed days and hours when those are given.
    """

    PII_FIELDS = ("address", "code_word", "notes")

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone call")
        SMS = "sms", _("Text message")
        EMAIL = "email", _("Email")
        POST = "post", _("Post")

    survivor = models.ForeignKey(Survivor, on_delete=models.CASCADE, related_name="contacts")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # None: nobody has asked yet. Either way but True, the channel is not used; the record
    # says which, so that someone knows to ask.
    is_safe = models.BooleanField(_("safe to use"), null=True, default=None)
    address = EncryptedCharField(_("number or address"), max_length=300, blank=True)
    allowed_days = models.JSONField(
        _("days allowed"), default=list, blank=True, help_text=_("Empty means any day.")
    )
    allowed_from = models.TimeField(_("from"), null=True, blank=True)
    allowed_until = models.TimeField(_("until"), null=True, blank=True)
    voicemail_allowed = models.BooleanField(_("voicemail allowed"), default=False)
    code_word = EncryptedCharField(_("code word"), max_length=100, blank=True)
    notes = EncryptedTextField(_("instructions"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survivor", "channel"], name="one_contact_rule_per_channel"
            )
        ]
        ordering = ["channel"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} rule of {self.survivor_id}"

    def allows(self, at: datetime | None = None) -> bool:
        """Whether contacting on this channel is allowed at `at` (local time)."""
        if not self.is_safe:
            return False
        moment = timezone.localtime(at) if at else timezone.localtime()
        if self.allowed_days and moment.isoweekday() not in self.allowed_days:
            return False
        clock = moment.time()
        start, end = self.allowed_from or time.min, self.allowed_until or time.max
        return start <= clock <= end
