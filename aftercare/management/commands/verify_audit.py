from django.core.management.base import BaseCommand, CommandError

from aftercare.audit import audit_chain_verify


class Command(BaseCommand):
    help = "Walk the audit trail's hash chain; exit non-zero at the first broken event."

    def handle(self, *args, **options) -> None:
        report = audit_chain_verify()
        if not report.intact:
            where = (
                f"event #{report.broken_event_id}" if report.broken_event_id else "the chain's end"
            )
            raise CommandError(
                f"Audit chain broken at {where}: it {report.reason}. "
                f"{report.checked} events before it are intact."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.checked} events."))
