"""The audit trail is append-only and `verify_audit` proves it was not edited."""

import json
from contextlib import contextmanager

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from aftercare.audit import audit_chain_verify, audit_record
from aftercare.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(attorney):
    return [
        audit_record(
            action="tests.thing.viewed",
            actor=attorney.user,
            organization=attorney.organization,
            object_type="tests.thing",
            object_id=n,
            payload={"n": n},
        )
        for n in range(5)
    ]


@contextmanager
def tampering():
    """What an attacker with database access does: step around the append-only triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
            yield cursor
            cursor.execute("SET session_replication_role = DEFAULT")
        else:
            cursor.execute("DROP TRIGGER aftercare_audit_append_only")
            yield cursor
            cursor.execute(
                "CREATE TRIGGER aftercare_audit_append_only BEFORE UPDATE ON aftercare_auditevent "
                "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;"
            )


def run_verify() -> str:
    try:
        call_command("verify_audit")
    except CommandError as error:
        return str(error)
    return "intact"


def test_an_untouched_chain_verifies(chain, capsys):
    call_command("verify_audit")
    assert f"intact: {len(chain)} events" in capsys.readouterr().out


def test_an_edited_event_is_named(chain):
    with tampering() as cursor:
        cursor.execute(
            "UPDATE aftercare_auditevent SET action = 'tests.thing.changed' WHERE id = %s",
            [chain[2].pk],
        )
    assert run_verify().startswith(f"Audit chain broken at event #{chain[2].pk}: it was edited")


def test_a_deleted_event_is_found(chain):
    with tampering() as cursor:
        cursor.execute("DELETE FROM aftercare_auditevent WHERE id = %s", [chain[1].pk])
    assert run_verify().startswith(
        f"Audit chain broken at event #{chain[2].pk}: it does not follow"
    )


def test_reordered_events_are_found(chain):
    first, second = chain[1], chain[3]
    columns = ["created_at", "action", "object_id", "payload", "prev_hash", "hash"]
    with tampering() as cursor:
        cursor.execute(
            "UPDATE aftercare_auditevent SET hash = 'swap-' || CAST(id AS VARCHAR(20)) "
            "WHERE id IN (%s, %s)",
            [first.pk, second.pk],
        )
        for target, source in ((first, second), (second, first)):
            assignments = ", ".join(f"{c} = %s" for c in columns)
            values = [getattr(source, c) for c in columns]
            values[columns.index("payload")] = json.dumps(source.payload)
            cursor.execute(
                f"UPDATE aftercare_auditevent SET {assignments} WHERE id = %s", [*values, target.pk]
            )
    message = run_verify()
    assert message.startswith(f"Audit chain broken at event #{first.pk}: it does not follow")


def test_events_cut_from_the_end_are_found(chain):
    with tampering() as cursor:
        cursor.execute("DELETE FROM aftercare_auditevent WHERE id = %s", [chain[-1].pk])
    assert "missing from the end" in run_verify()


def test_the_orm_has_no_way_to_change_or_remove_an_event(chain):
    event = chain[0]
    event.action = "tests.thing.rewritten"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()


def test_the_database_refuses_updates_even_without_the_orm(chain):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE aftercare_auditevent SET action = 'x' WHERE id = %s", [chain[0].pk])
    assert audit_chain_verify().intact


@pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="SQLite keeps DELETE for its test runner"
)
def test_postgresql_refuses_deletes_too(chain):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM aftercare_auditevent WHERE id = %s", [chain[0].pk])
