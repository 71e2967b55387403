"""Rebuild the report aggregate tables from the live rows: after the migration that adds
them, and to recover (a refresh task lost). Batches of people, one organization at a
time, each in its own transaction; refreshes of that organization wait for it."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from aftercare.models import Organization
from reports.aggregates import BATCH, in_use, organization_rebuild, spellings_prune
from reports.models import GapTally, Tally


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--organization", type=int, help="one organization's id (default: all)")
        parser.add_argument("--batch", type=int, default=BATCH, help="people per batch")

    def handle(self, *args, organization=None, batch=BATCH, **options):
        orgs = Organization.objects.order_by("pk")
        if organization is not None:
            orgs = orgs.filter(pk=organization)
            if not orgs.exists():
                raise CommandError(f"No organization {organization}.")
        verbose = options["verbosity"] >= 1
        for org in orgs.values_list("pk", flat=True):
            started = time.perf_counter()

            def progress(done, total, org=org):
                if options["verbosity"] >= 2:
                    self.stdout.write(f"  organization {org}: {done:,} of {total:,} people")

            people = organization_rebuild(org, batch=batch, progress=progress)
            if verbose:
                self.stdout.write(
                    f"organization {org}: {people:,} people in "
                    f"{time.perf_counter() - started:.1f} s"
                )
        if organization is None:
            pruned = spellings_prune()
            if verbose and pruned:
                self.stdout.write(f"{pruned} spellings no longer counted removed")
        # A rebuild rewrites most rows: vacuumed, the reports read their counts from the
        # index alone (the visibility map says every row of a page is visible), and the
        # planner's statistics describe the new rows. Autovacuum would, later. (Not
        # inside a transaction, where VACUUM cannot run: the demo seeding's, a test's.)
        if in_use() and not connection.in_atomic_block:
            tables = f"{Tally._meta.db_table}, {GapTally._meta.db_table}"
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM (ANALYZE) {tables}")
