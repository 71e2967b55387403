"""An organization's grants, and the rules that say which matters and hours they fund."""

from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from aftercare.models import Organization


class GrantQuerySet(models.QuerySet["Grant"]):
    def visible_to(self, membership) -> GrantQuerySet:
        """Grants are organization settings: its admins manage them."""
        if membership is None or not membership.role_enum.manages_members:
            return self.none()
        return self.filter(organization_id=membership.organization_id)


class Grant(models.Model):
    """A funder's award: a code that matters and hours carry, for a period.

    `matter_kinds` and `activities` hold codes of `cases.kinds.Kind` and
    `TimeEntry.Activity`: they decide the default grant of a matter opened in the
    period and of hours logged on it, never what may be chosen by hand.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="grants")
    funder = models.CharField(_("funder"), max_length=200)
    code = models.CharField(
        _("grant code"),
        max_length=30,
        help_text=_("What matters and hours carry, for example OVC-HT-2025."),
    )
    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("period start"))
    ends_on = models.DateField(_("period end"))
    matter_kinds = models.JSONField(_("kinds of matter it covers"), default=list)
    activities = models.JSONField(_("activities that count"), default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = GrantQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="one_grant_code_per_org")
        ]

    def __str__(self) -> str:
        return self.code

    def runs_on(self, day: datetime.date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def covers_matter(self, kind: str, opened_on: datetime.date) -> bool:
        return kind in self.matter_kinds and self.runs_on(opened_on)

    def counts_hours(self, activity: str, day: datetime.date) -> bool:
        return activity in self.activities and self.runs_on(day)

    @property
    def kind_labels(self) -> list[str]:
        from cases.kinds import Kind

        return [str(Kind(k).label) for k in self.matter_kinds if k in Kind.values]

    @property
    def activity_labels(self) -> list[str]:
        from cases.models.work import TimeEntry

        return [
            str(TimeEntry.Activity(a).label)
            for a in self.activities
            if a in TimeEntry.Activity.values
        ]
