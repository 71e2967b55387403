from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from aftercare.crypto import canary_problem, rotate_encryption_keys


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field with the newest FIELD_ENCRYPTION_KEY. Put the new key "
        "first and keep the old ones after it until this has finished. Safe to interrupt and run "
        "again: values already under the newest key are skipped."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only count what would change.")
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, dry_run: bool, batch_size: int, **options) -> None:
        if problem := canary_problem():
            raise CommandError(problem)
        bars: dict[str, tqdm] = {}

        def progress(model, done: int, total: int) -> None:
            bar = bars.get(model._meta.label)
            if bar is None:
                bar = bars[model._meta.label] = tqdm(
                    total=total, desc=model._meta.label, unit="rows", file=self.stderr._out
                )
            bar.update(done - bar.n)

        report = rotate_encryption_keys(
            batch_size=batch_size, dry_run=dry_run, on_progress=progress
        )
        for bar in bars.values():
            bar.close()
        verb = "would be re-encrypted" if dry_run else "re-encrypted"
        self.stdout.write(
            f"{report.rotated} values {verb}; {report.already_current} already current."
        )
        for label, count in sorted(report.per_model.items()):
            self.stdout.write(f"  {label}: {count}")
