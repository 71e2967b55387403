from django.core.management.base import BaseCommand, CommandError

from aftercare.crypto import canary_problem
from evidence.rotation import reencrypt_stored_files


class Command(BaseCommand):
    help = (
        "Re-encrypt the files in the evidence storage (evidence files, built packets) with "
        "the newest FIELD_ENCRYPTION_KEY, after putting a new key first. Run it with "
        "rotate_encryption_keys, and keep the old keys after the new one until both have "
        "finished. Safe to interrupt and run again: files already under the newest key are "
        "skipped."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only count what would change.")

    def handle(self, *args, dry_run: bool, **options) -> None:
        if problem := canary_problem():
            raise CommandError(problem)
        report = reencrypt_stored_files(dry_run=dry_run)
        verb = "would be re-encrypted" if dry_run else "re-encrypted"
        self.stdout.write(
            f"{report.reencrypted} files {verb}; {report.already_current} already current."
        )
        for label, count in sorted(report.per_model.items()):
            self.stdout.write(f"  {label}: {count}")
        if report.missing:
            self.stderr.write(f"Missing from the storage: {', '.join(report.missing)}")
        if report.unreadable:
            raise CommandError(
                "No configured key reads these files; they were left as they are: "
                f"{', '.join(report.unreadable)}. Put the key they were written with back "
                "in FIELD_ENCRYPTION_KEY (after the newest) and run this again."
            )
