"""Deadlines and hearings, and the deadline rules (data an org admin can edit)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from encrypted_model_fields.fields import EncryptedCharField

from aftercare.models import Organization
from cases.models.matter import Matter


class DeadlineRuleQuerySet(models.QuerySet["DeadlineRule"]):
    def visible_to(self, membership) -> DeadlineRuleQuerySet:
        if membership is None or not membership.role_enum.manages_members:
            return self.none()
        return self.filter(organization_id=membership.organization_id)


class DeadlineRule(models.Model):
    """How to compute one kind of deadline from a trigger date.

    due = trigger + years/months/days (+ extra days when the notice was mailed),
    or, for a minor at the trigger date when `minor_tolls_until_majority` is set,
    18th birthday + the same period, whichever is later; then rolled off weekends
    and the jurisdiction's court holidays in the `roll` direction.
    """

    class Anchor(models.TextChoices):
        TRIGGER = "trigger", _("a date the user enters")
        BIRTH = "birth", _("the client's date of birth")

    class Roll(models.TextChoices):
        FORWARD = "forward", _("to the next court day")
        BACKWARD = "backward", _("to the court day before")
        NONE = "none", _("never")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="deadline_rules"
    )
    code = models.SlugField(max_length=40)
    name = models.CharField(_("name"), max_length=120)
    deadline_kind = models.CharField(
        _("deadline kind"),
        max_length=12,
        choices=[
            ("filing", _("Filing")),
            ("response", _("Response")),
            ("limitation", _("Statute of limitations")),
            ("renewal", _("Renewal or expiry")),
        ],
    )
    applies_to = models.JSONField(
        _("matter types"), default=list, blank=True, help_text=_("Empty means every type.")
    )
    anchor = models.CharField(max_length=10, choices=Anchor.choices, default=Anchor.TRIGGER)
    trigger_label = models.CharField(_("trigger event"), max_length=120)
    years = models.SmallIntegerField(default=0)
    months = models.SmallIntegerField(default=0)
    days = models.SmallIntegerField(default=0)
    mailed_extra_days = models.PositiveSmallIntegerField(
        _("extra days when served by mail"), default=0
    )
    minor_tolls_until_majority = models.BooleanField(
        _("for a minor, the period runs from the 18th birthday"), default=False
    )
    roll = models.CharField(
        _("weekends and holidays move the date"),
        max_length=10,
        choices=Roll.choices,
        default=Roll.FORWARD,
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    is_active = models.BooleanField(default=True)

    objects = DeadlineRuleQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="one_rule_code_per_org")
        ]

    def __str__(self) -> str:
        return self.name

    # A shipped rule keeps its English name and trigger in the database; they are shown
    # in the reader's language (the pack marks them for translation). A name the
    # organization typed itself is in no catalog and is shown as typed.
    @property
    def label(self) -> str:
        return gettext(self.name)

    @property
    def trigger_text(self) -> str:
        return gettext(self.trigger_label)


# Named for people, in their language; the stored value stays the zone's code.
TIME_ZONES = [
    ("America/New_York", _("Eastern time (New York)")),
    ("America/Chicago", _("Central time (Chicago)")),
    ("America/Denver", _("Mountain time (Denver)")),
    ("America/Los_Angeles", _("Pacific time (Los Angeles)")),
    ("America/Anchorage", _("Alaska time (Anchorage)")),
    ("Pacific/Honolulu", _("Hawaii time (Honolulu)")),
    ("America/Puerto_Rico", _("Atlantic time (Puerto Rico)")),
    ("UTC", _("Coordinated Universal Time (UTC)")),
]


class DeadlineQuerySet(models.QuerySet["Deadline"]):
    def visible_to(self, membership) -> DeadlineQuerySet:
        return self.filter(matter__in=Matter.objects.visible_to(membership))

    def open(self) -> DeadlineQuerySet:
        return self.filter(status=Deadline.Status.OPEN)


class Deadline(models.Model):
    """A date that must not be missed, or a hearing, on one matter.

    What people type (`title`, `location`) is encrypted and shown only on the matter's
    pages: calendars and reminders say the kind of date and the matter number instead.
    """

    PII_FIELDS = ("title", "location")

    class Kind(models.TextChoices):
        FILING = "filing", _("Filing")
        RESPONSE = "response", _("Response")
        HEARING = "hearing", _("Hearing")
        LIMITATION = "limitation", _("Statute of limitations")
        RENEWAL = "renewal", _("Renewal or expiry")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        MISSED = "missed", _("Missed")

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="deadlines")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = EncryptedCharField(
        _("what is due"),
        max_length=200,
        help_text=_(
            "Shown on the matter's pages only: calendars and reminders name the kind of date."
        ),
    )
    due_date = models.DateField(_("due date"))
    due_time = models.TimeField(_("time"), null=True, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=60, default="America/New_York")
    location = EncryptedCharField(_("where"), max_length=200, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    responsible = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True, verbose_name=_("responsible")
    )
    rule = models.ForeignKey(
        DeadlineRule, on_delete=models.PROTECT, null=True, blank=True, related_name="deadlines"
    )
    trigger_date = models.DateField(null=True, blank=True)
    computation = models.JSONField(default=list, blank=True)
    reminder_days = models.JSONField(
        _("reminder days"),
        null=True,
        blank=True,
        help_text=_("Days before to remind, for this deadline only; empty: the organization's"),
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = DeadlineQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "due_time", "id"]
        indexes = [models.Index(fields=["matter", "status", "due_date"], name="deadline_due")]

    def __str__(self) -> str:
        # Never the title: str() ends up in logs and error reports.
        return f"{self.kind} {self.pk} ({self.due_date})"

    @property
    def is_computed(self) -> bool:
        return self.rule_id is not None

    @property
    def needs_confirmation(self) -> bool:
        return self.is_computed and self.confirmed_at is None

    @property
    def display_title(self) -> str:
        """A computed deadline is titled with its rule's name: shown in the reader's
        language like the rule. A title someone typed is in no catalog: shown as typed."""
        return gettext(self.title) if self.rule_id and self.title else self.title

    @property
    def time_zone_label(self) -> str:
        return str(dict(TIME_ZONES).get(self.time_zone, self.time_zone))

    def is_overdue(self, today=None) -> bool:
        return self.status == self.Status.OPEN and self.due_date < (today or timezone.localdate())
