import django.db.models.deletion
from django.db import migrations, models


def _to_the_members_organization(apps, schema_editor):
    """Existing credentials belong to the organization their volunteer is a member of."""
    Credential = apps.get_model("volunteers", "Credential")
    Membership = apps.get_model("aftercare", "Membership")
    for credential in Credential.objects.filter(organization__isnull=True).select_related(
        "profile"
    ):
        membership = (
            Membership.objects.filter(user_id=credential.profile.user_id)
            .order_by("-is_active", "id")
            .first()
        )
        if membership is None:
            credential.delete()  # a profile without any organization cannot use it
            continue
        credential.organization_id = membership.organization_id
        credential.save(update_fields=["organization"])


class Migration(migrations.Migration):
    dependencies = [
        ("aftercare", "0003_notification"),
        ("volunteers", "0002_training_required_for_every_matter"),
    ]

    operations = [
        migrations.AddField(
            model_name="credential",
            name="organization",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="volunteer_credentials",
                to="aftercare.organization",
            ),
        ),
        migrations.RunPython(_to_the_members_organization, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="credential",
            name="organization",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="volunteer_credentials",
                to="aftercare.organization",
            ),
        ),
    ]
