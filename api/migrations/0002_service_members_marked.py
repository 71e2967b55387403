"""Existing API clients' members become service members (aftercare 0010 adds the flag)."""

from django.db import migrations


def mark(apps, schema_editor):
    Membership = apps.get_model("aftercare", "Membership")  # noqa: N806
    Membership.objects.filter(api_client__isnull=False).update(is_service=True)


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
        ("aftercare", "0010_membership_is_service"),
    ]

    operations = [migrations.RunPython(mark, migrations.RunPython.noop)]
