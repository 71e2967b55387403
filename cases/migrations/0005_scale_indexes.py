from django.db import migrations, models


class Migration(migrations.Migration):
    """Open matters of an organization, newest first: the default matter list and its
    capped count, without reading ten years of closed matters (benchmarks/README.md)."""

    dependencies = [
        ("cases", "0004_documents"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="matter",
            index=models.Index(
                condition=models.Q(("closed_at__isnull", True)),
                fields=["organization", "-opened_at", "-id"],
                name="matter_org_open_recent",
            ),
        ),
    ]
