"""Aggregate tables the reports page reads instead of every row of the organization.

Counts only, and nothing readable about a person (README, "Report aggregates"):

- `Tally`: counts (and sums) of events by day, month and year: a matter opened or closed,
  an outcome, a deadline due, minutes logged, a referral accepted after N days, and the
  start and end of each person's stretches of service. No survivor id; a value that
  comes from an encrypted field (kind of trafficking, birth month or day, language,
  country) is stored as a keyed hash only.
- `GapTally`: the breaks between one person's stretches of service, counted by the day
  the break starts and the day service resumes, so that the number of distinct people
  served in any period is sum(starts) - sum(ends) - sum(breaks inside the period).
- `ReportPerson`: what each person last added to the tallies, keyed by a keyed hash of
  (organization, survivor) rather than the id, compressed: a refresh recomputes the
  person from the live rows and applies the difference (O(change)).
- `ReportSpelling`: the language and country spellings behind their hashes, encrypted,
  with no link to anyone; decrypted only for the labels a report shows.
- `ReportReady`: the organizations whose tallies are complete (built or rebuilt); the
  page computes from the live rows for any other.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone
from encrypted_model_fields.fields import EncryptedTextField

from aftercare.models import Organization

DAY, MONTH, YEAR, EVER = 0, 1, 2, 3
EVER_BUCKET = datetime.date(1, 1, 1)  # the one bucket of the all-time total


class Tally(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # Which matters: "" every one, "k:<kind>", "g:<grant id>", "k:<kind>|g:<grant id>";
    # "*" for what no matter filter narrows (referrals).
    scope = models.CharField(max_length=80)
    measure = models.CharField(max_length=12)
    value = models.CharField(max_length=80, blank=True)
    level = models.PositiveSmallIntegerField()  # DAY, MONTH, YEAR or EVER (all time)
    bucket = models.DateField()  # the day, or the first day of the month or year
    n = models.BigIntegerField(default=0)
    total = models.DecimalField(max_digits=20, decimal_places=2, default=0)

    class Meta:
        # A sum up to a day reads, per measure, the year rows before its year, the month
        # rows before its month and the day rows of its month: level and measure lead.
        # The counts ride in the index, so those ranges are read from it alone: at a
        # million people the rows of one range lie on as many heap pages as there are
        # rows (a page read each, 14,000 for the lead attorneys' counts).
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "scope", "level", "measure", "bucket", "value"],
                include=["n", "total"],
                name="report_tally_key",
            )
        ]
        # Birth months and days are read for a few values only (reports.aggregate_report).
        indexes = [
            models.Index(
                fields=["organization", "value", "measure", "scope", "level", "bucket"],
                include=["n", "total"],
                name="report_tally_birth",
                condition=models.Q(measure__in=["s.am", "e.am", "s.ad", "e.ad"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.measure} {self.bucket}: {self.n}"


class GapTally(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    scope = models.CharField(max_length=80)
    dimension = models.CharField(max_length=4)
    value = models.CharField(max_length=80, blank=True)
    last_day = models.DateField()  # the last day served before the break
    next_day = models.DateField()  # the first day served after it
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "scope", "last_day", "next_day", "dimension", "value"],
                name="report_gap_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.dimension} {self.last_day}-{self.next_day}: {self.n}"


class ReportPerson(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64, unique=True)  # keyed hash of (organization, survivor)
    inputs = models.BinaryField()  # zlib-compressed JSON: codes, hashes, dates, amounts

    def __str__(self) -> str:
        return self.key[:12]


class ReportSpelling(models.Model):
    key = models.CharField(max_length=80, primary_key=True)  # the keyed hash
    text = EncryptedTextField()

    def __str__(self) -> str:
        return self.key[:12]


class ReportReady(models.Model):
    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    built_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.organization_id} {self.built_at:%Y-%m-%d}"
