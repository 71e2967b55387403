"""Keeping the report aggregates fresh: every write that changes what a report counts
marks the people it touches, and once the transaction commits one Celery task
refreshes them (`reports.aggregates.survivor_refresh`, O(their rows)).

On commit rather than inside the write's transaction: a refresh adds to cells shared by
the whole organization (this month's starts, say), and holding those rows locked for
the length of every intake or matter transaction would queue the organization's writers
behind each other; a transaction rolled back refreshes nothing; tests and scripts that
never commit pay nothing. The task runs seconds after the commit; a refresh lost (a
broker down) is repaired by `manage.py report_aggregates_rebuild`, and every refresh is
idempotent (it applies the difference between the live rows and what was applied).

Model signals catch every save and delete through the ORM; the few bulk updates that
change what a report counts (an erasure, a merge) send their own signals, received here.
"""

from __future__ import annotations

import logging

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from aftercare.models import AuditEvent, Organization
from cases.models import Deadline, Matter, MatterOutcome, TimeEntry
from reports.aggregates import in_use
from survivors.merge import MergeReport, survivor_merging
from survivors.models import Consent, Engagement, Referral, Survivor
from survivors.shredder import ShredReport, survivor_erasing

logger = logging.getLogger(__name__)


def enqueue(survivor_ids: list[int], organization_ids: list[int]) -> None:
    from reports.tasks import aggregates_refresh_task

    aggregates_refresh_task.delay(survivor_ids, organization_ids)


def people_changed(survivor_ids, organization_ids=()) -> None:
    """Refresh these people once the current transaction commits (one task for all the
    marks of one transaction; a transaction rolled back drops its marks)."""
    if not in_use():
        return
    state = connection.__dict__.get("_report_pending")
    if state is None or not any(entry[1] is state[2] for entry in connection.run_on_commit):
        people, orgs = set(), set()

        def send() -> None:
            if connection.__dict__.get("_report_pending", (None,) * 3)[2] is send:
                del connection._report_pending
            try:
                enqueue(sorted(people), sorted(orgs))
            except Exception:  # the write stands; a rebuild repairs the tallies
                logger.exception("report aggregates: refresh not enqueued")

        state = connection._report_pending = (people, orgs, send)
        transaction.on_commit(send)
    state[0].update(pk for pk in survivor_ids if pk is not None)
    state[1].update(pk for pk in organization_ids if pk is not None)


@receiver(post_save, sender=Survivor, dispatch_uid="reports.survivor")
@receiver(post_delete, sender=Survivor, dispatch_uid="reports.survivor_deleted")
def _survivor(sender, instance, **kwargs) -> None:
    people_changed([instance.pk], [instance.organization_id])


@receiver(post_save, sender=Consent, dispatch_uid="reports.consent")
@receiver(post_delete, sender=Consent, dispatch_uid="reports.consent_deleted")
def _consent(sender, instance, **kwargs) -> None:
    people_changed([instance.survivor_id], [instance.recipient_id])


@receiver(post_save, sender=Engagement, dispatch_uid="reports.engagement")
@receiver(post_delete, sender=Engagement, dispatch_uid="reports.engagement_deleted")
def _engagement(sender, instance, **kwargs) -> None:
    people_changed([instance.survivor_id], [instance.organization_id])


@receiver(post_save, sender=Referral, dispatch_uid="reports.referral")
@receiver(post_delete, sender=Referral, dispatch_uid="reports.referral_deleted")
def _referral(sender, instance, **kwargs) -> None:
    people_changed(
        [instance.survivor_id], [instance.from_organization_id, instance.to_organization_id]
    )


@receiver(post_save, sender=AuditEvent, dispatch_uid="reports.referral_accepted")
def _referral_moved(sender, instance, created, **kwargs) -> None:
    """The moment a referral was accepted is its audit event (survivors.reporting)."""
    if created and instance.action == "survivors.referral.moved":
        referral = Referral.objects.filter(pk=instance.object_id).first()
        if referral is not None:
            _referral(Referral, referral)


@receiver(post_save, sender=Matter, dispatch_uid="reports.matter")
@receiver(post_delete, sender=Matter, dispatch_uid="reports.matter_deleted")
def _matter(sender, instance, **kwargs) -> None:
    people_changed([instance.client_id], [instance.organization_id])


@receiver(post_save, sender=MatterOutcome, dispatch_uid="reports.outcome")
@receiver(post_delete, sender=MatterOutcome, dispatch_uid="reports.outcome_deleted")
@receiver(post_save, sender=Deadline, dispatch_uid="reports.deadline")
@receiver(post_delete, sender=Deadline, dispatch_uid="reports.deadline_deleted")
@receiver(post_save, sender=TimeEntry, dispatch_uid="reports.time_entry")
@receiver(post_delete, sender=TimeEntry, dispatch_uid="reports.time_entry_deleted")
def _on_a_matter(sender, instance, **kwargs) -> None:
    matter = Matter.objects.filter(pk=instance.matter_id).values_list(
        "client_id", "organization_id"
    )
    for client, organization in matter:
        people_changed([client], [organization])


def _volunteer_profile(sender, instance, **kwargs) -> None:
    """Whose hours count as a volunteer's changes with the profile: every client they
    logged time for."""
    clients = (
        TimeEntry.objects.filter(person_id=instance.user_id)
        .values_list("matter__client_id", "matter__organization_id")
        .distinct()
    )
    for client, organization in clients:
        people_changed([client], [organization])


@receiver(post_save, sender=Organization, dispatch_uid="reports.organization")
def _organization(sender, instance, created, **kwargs) -> None:
    """A new organization has nothing to count: its tallies are complete from the start
    (once it is committed; the writes after it refresh them)."""
    if created and in_use():
        from reports.models import ReportReady

        pk = instance.pk
        transaction.on_commit(
            lambda: ReportReady.objects.get_or_create(organization_id=pk), robust=True
        )


@receiver(survivor_erasing, dispatch_uid="reports.shredder")
def _erasing(sender, *, survivor, organization, actor, scope, **kwargs) -> ShredReport:
    """The tallies never held the person's values in the clear: their contribution is
    recomputed once the erasure commits (counted as erased, their values gone)."""
    from reports.aggregates import person_key
    from reports.models import ReportPerson

    report = ShredReport("reports", _("Report counts"))
    keys = [person_key(o, survivor.pk) for o in Organization.objects.values_list("pk", flat=True)]
    report.wipe(
        "report_values",
        _("keyed hashes of the values counted in reports (recomputed without them)"),
        ReportPerson.objects.filter(key__in=keys).count(),
    )
    people_changed([survivor.pk])
    return report


@receiver(survivor_merging, dispatch_uid="reports.merge")
def _merging(sender, *, kept, merged, actor, **kwargs) -> MergeReport:
    people_changed([kept.pk, merged.pk])
    return MergeReport("reports")
