"""Reports read from a real PostgreSQL streaming replica when one is configured.

Runs only with DATABASE_REPLICA_URL (CI starts a replica with .ci/start-replica; in CI
mode a missing one fails). In tests the "replica" alias mirrors the test database: it
connects to the standby's copy of it, which replication made. Other tests keep their
reads on the primary (their data is in a transaction the standby never sees); this one
commits (transaction=True), turns replica reads on, writes a quarter on the primary,
waits for the standby to replay it, and opens the reports page: the report's queries run
on the standby, and no other query does.
"""

from __future__ import annotations

import re
import time

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aftercare.replica import REPLICA, replica_in_use
from tests.conftest import require_service
from tests.reports.test_report_page import table_of

# Without a replica there is no such alias to allow: the fixture then skips (or fails in CI).
pytestmark = pytest.mark.django_db(
    transaction=True, databases=["default", REPLICA] if REPLICA in connections else ["default"]
)


@pytest.fixture
def standby(settings):
    require_service(REPLICA in settings.DATABASES, "a streaming replica (DATABASE_REPLICA_URL)")
    assert not replica_in_use()  # every other test reads from the primary
    settings.DATABASE_REPLICA_READS = True
    replica = connections[REPLICA]
    try:
        yield replica
    finally:
        replica.close()


def replica_port() -> str:
    from django.conf import settings

    return settings.DATABASES[REPLICA]["PORT"]


def _wait_for_replay(standby) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        written = cursor.fetchone()[0]
    for _attempt in range(300):  # the clock is frozen: count attempts, not seconds
        with standby.cursor() as cursor:
            cursor.execute("SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), %s) >= 0", [written])
            if cursor.fetchone()[0]:
                return
        time.sleep(0.1)
    pytest.fail("the replica did not replay the primary's writes within 30 seconds")


def test_the_report_is_read_from_the_streaming_replica(standby, quarter, coordinator, client_for):
    with standby.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), inet_server_port(), current_database()")
        in_recovery, port, name = cursor.fetchone()
    assert in_recovery, "the replica connection reaches a standby"
    assert port == int(replica_port())
    assert name == connection.settings_dict["NAME"]  # the test database, by replication
    assert replica_in_use()
    # The quarter's writes queued refreshes of the report aggregates for a worker this
    # test does not run: bring them up to date as recovery would, on the primary.
    call_command("report_aggregates_rebuild")
    _wait_for_replay(standby)
    client = client_for(coordinator)
    with (
        CaptureQueriesContext(standby) as on_replica,
        CaptureQueriesContext(connection) as on_primary,
    ):
        page = client.get(reverse("reports:page"))
    assert page.status_code == 200
    assert table_of(page.text, "people")["February 2027"] == ["15"]
    report_tables = ("reports_tally", "reports_gaptally")
    replica_sql = " ".join(q["sql"] for q in on_replica.captured_queries)
    primary_sql = " ".join(q["sql"] for q in on_primary.captured_queries)
    for table in report_tables:  # read by raw SQL, so unquoted
        assert re.search(rf'\b"?{table}"?\b', replica_sql)
        assert not re.search(rf'\b"?{table}"?\b', primary_sql)  # session, user, audit: primary
    assert "INSERT" not in replica_sql.upper()
