"""Refuse UPDATE and DELETE of audit events in the database itself.

On PostgreSQL both are refused; TRUNCATE stays possible for a database owner
(and the test runner), and is caught by `verify_audit` through the chain head.
SQLite, used only for local development, refuses UPDATE; its test runner
empties tables with DELETE, so DELETE stays possible there.
"""

from django.db import migrations

PG_UP = """
CREATE FUNCTION aftercare_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER aftercare_audit_append_only
    BEFORE UPDATE OR DELETE ON aftercare_auditevent
    FOR EACH ROW EXECUTE FUNCTION aftercare_audit_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS aftercare_audit_append_only ON aftercare_auditevent;
DROP FUNCTION IF EXISTS aftercare_audit_append_only();
"""
SQLITE_UP = """
CREATE TRIGGER aftercare_audit_append_only BEFORE UPDATE ON aftercare_auditevent
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS aftercare_audit_append_only;"


def _run(sql_by_vendor):
    def run(apps, schema_editor):
        sql = sql_by_vendor.get(schema_editor.connection.vendor)
        if sql:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("aftercare", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": PG_DOWN, "sqlite": SQLITE_DOWN}),
        )
    ]
