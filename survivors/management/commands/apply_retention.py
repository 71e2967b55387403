from django.core.management.base import BaseCommand

from aftercare.actor import Actor, Channel
from aftercare.models import Organization
from survivors.services.drafts import drafts_expire
from survivors.services.retention import retention_apply


class Command(BaseCommand):
    help = (
        "Erase closed survivor records, and client files whose representation ended, past "
        "their organization's retention period; warn the authors of unfinished intake drafts "
        "close to expiry and erase the expired drafts (INTAKE_DRAFT_EXPIRY_DAYS)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only report what is due.")

    def handle(self, *args, dry_run: bool, **options) -> None:
        names = dict(Organization.objects.values_list("pk", "name"))
        actor = Actor.system(channel=Channel.COMMAND)
        for report in retention_apply(dry_run=dry_run, actor=actor):
            self.stdout.write(
                f"{names[report.organization_id]}: {report.due} due, {report.erased} erased, "
                f"{report.on_hold} on legal hold; client files: {report.client_files_due} due, "
                f"{report.client_files_erased} erased"
            )
        drafts = drafts_expire(actor=actor, dry_run=dry_run)
        self.stdout.write(
            f"Unfinished intake drafts: {drafts.to_warn} to warn, {drafts.warned} warned; "
            f"{drafts.due} due, {drafts.erased} erased"
        )
