"""Index two parts of longer names, so that "Maria Gomez" finds "María Elena Gómez Ruiz"."""

import itertools

from django.db import migrations, models

from aftercare.blind_index import name_parts, name_tokens

BATCH = 500


def index_name_parts(apps, schema_editor):
    """The tokens `survivor_tokens_refresh` now writes, for the records already there
    (erased and merged ones keep no searchable names)."""
    survivor_model = apps.get_model("survivors", "Survivor")
    token_model = apps.get_model("survivors", "SurvivorToken")
    survivors = survivor_model.objects.exclude(status__in=["erased", "merged"]).prefetch_related(
        "aliases"
    )
    rows = []
    for survivor in survivors.iterator(chunk_size=BATCH):
        names = [survivor.legal_name, survivor.preferred_name]
        names += [alias.name for alias in survivor.aliases.all()]
        found = set()
        for name in names:
            parts = name_parts(name or "")
            if not 3 <= len(parts) <= 6:
                continue
            for a, b in itertools.combinations(parts, 2):
                found.update(name_tokens(f"{a} {b}").items())
        rows += [
            token_model(survivor_id=survivor.pk, source="name_part", kind=kind, token=token)
            for kind, token in found
        ]
        if len(rows) >= BATCH:
            token_model.objects.bulk_create(rows, ignore_conflicts=True)
            rows = []
    token_model.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("survivors", "0009_safe_contact_not_asked"),
    ]

    operations = [
        migrations.AlterField(
            model_name="survivortoken",
            name="source",
            field=models.CharField(
                choices=[
                    ("legal_name", "legal name"),
                    ("preferred_name", "preferred name"),
                    ("alias", "alias"),
                    ("date_of_birth", "date of birth"),
                    ("name_part", "two parts of a name"),
                ],
                max_length=20,
            ),
        ),
        migrations.RunPython(index_name_parts, migrations.RunPython.noop),
    ]
