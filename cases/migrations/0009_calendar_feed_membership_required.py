"""The feed's person is its membership's: the old column goes, the membership is required."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0008_calendar_feed_per_membership")]

    operations = [
        migrations.RemoveField(model_name="calendarfeed", name="user"),
        migrations.AlterField(
            model_name="calendarfeed",
            name="membership",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="calendar_feed",
                to="aftercare.membership",
            ),
        ),
    ]
