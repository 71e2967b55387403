"""Make room for encrypted values in deadlines (title, where) and a matter's closing reason.

The columns become text: ciphertext is longer than the typed value. The values are
encrypted by the next migration, on its own: PostgreSQL refuses to alter a table in the
transaction that updated its rows, so going back (decrypt, then shorten) needs two.
"""

import encrypted_model_fields.fields
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_calendar_feed_membership_required"),
    ]

    operations = [
        migrations.AlterField(
            model_name="deadline",
            name="location",
            field=encrypted_model_fields.fields.EncryptedCharField(blank=True, verbose_name="where"),
        ),
        migrations.AlterField(
            model_name="deadline",
            name="title",
            field=encrypted_model_fields.fields.EncryptedCharField(
                help_text=(
                    "Shown on the matter's pages only: calendars and reminders name the kind "
                    "of date."
                ),
                verbose_name="what is due",
            ),
        ),
        migrations.AlterField(
            model_name="matter",
            name="closing_reason",
            field=encrypted_model_fields.fields.EncryptedCharField(
                blank=True, verbose_name="closing reason"
            ),
        ),
    ]
