"""Reads that may go to a PostgreSQL streaming replica, and the router that sends them.

When `DATABASE_REPLICA_URL` is set, settings add a "replica" database. Nothing goes
there by default: only reads made inside `replica_reads()` (the reports, which scan the
most rows and can bear a second or two of replication lag), and only while
`DATABASE_REPLICA_READS` is on. Every write, and every other read, goes to "default".
In tests the replica mirrors the test database (`TEST["MIRROR"]`: Django connects to the
standby's copy of it, created by replication), which cannot see the uncommitted
transaction a test holds; so reads stay on the primary there unless a test turns
`DATABASE_REPLICA_READS` on.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from django.conf import settings
from django.db import connections

REPLICA = "replica"
_reading = contextvars.ContextVar("replica_reads", default=False)


@contextlib.contextmanager
def replica_reads() -> Iterator[None]:
    """ORM reads inside this block go to the replica, when one is configured."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def replica_in_use() -> bool:
    """A replica is configured, and reads may go to it."""
    return REPLICA in connections.settings and settings.DATABASE_REPLICA_READS


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return REPLICA if _reading.get() and replica_in_use() else None

    def db_for_write(self, model, **hints):
        return None  # the primary

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's very rows: a row read there may point at one
        # read here.
        return {obj1._state.db, obj2._state.db} <= {"default", REPLICA} or None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA else None  # a standby is read-only; it replicates
