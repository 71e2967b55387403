"""Calendar feeds belong to a membership, not a person: one organization's dates each.

An existing feed moves to its owner's membership when they have exactly one; a person in
several organizations had one address mixing them, and it is turned off (they make a new
one per organization on the calendar page).
"""

import django.db.models.deletion
from django.db import migrations, models


def _move_to_membership(apps, schema_editor):
    CalendarFeed = apps.get_model("cases", "CalendarFeed")
    Membership = apps.get_model("aftercare", "Membership")
    for feed in CalendarFeed.objects.all():
        memberships = list(Membership.objects.filter(user_id=feed.user_id))
        if len(memberships) == 1:
            feed.membership_id = memberships[0].pk
            feed.save(update_fields=["membership"])
        else:
            feed.delete()


class Migration(migrations.Migration):
    # Three migrations, one transaction each: PostgreSQL refuses to alter a table with
    # rows changed earlier in the same transaction ("pending trigger events").
    dependencies = [
        ("aftercare", "0004_notification_organization"),
        ("cases", "0007_document_version_erased"),
    ]

    operations = [
        migrations.AddField(
            model_name="calendarfeed",
            name="membership",
            field=models.OneToOneField(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="calendar_feed",
                to="aftercare.membership",
            ),
        ),
        migrations.RunPython(_move_to_membership, migrations.RunPython.noop),
    ]
