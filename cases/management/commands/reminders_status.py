"""What an operator needs to see about reminders: what is due, how deliveries stand, and
which ones are failing or were given up, by matter number and recipient."""

from django.core.management.base import BaseCommand
from django.db.models import Count
from django.utils import timezone

from aftercare.health import beat_health_line
from cases.models import Delivery, Reminder

LISTED = 50  # the newest failing and given-up deliveries, each on its own line


class Command(BaseCommand):
    help = (
        "What reminders are due, how their deliveries stand (sent, pending, being handed "
        "over, failing, given up, skipped), and which deliveries fail, by matter and recipient."
    )

    def handle(self, *args, **options) -> None:
        self.stdout.write(beat_health_line())  # nothing below moves if beat has stopped
        now = timezone.now()
        due = Reminder.objects.filter(claimed_at__isnull=True, due_at__lte=now).count()
        upcoming = Reminder.objects.filter(claimed_at__isnull=True, due_at__gt=now).count()
        states = dict(Delivery.objects.values_list("status").annotate(n=Count("id")))
        self.stdout.write(f"reminders due now (unclaimed): {due}")
        self.stdout.write(f"reminders scheduled later: {upcoming}")
        for status, label in Delivery.Status.choices:
            self.stdout.write(f"deliveries {status}: {states.get(status, 0)}  ({label})")
        self.stdout.write(f"retrying: {states.get(Delivery.Status.FAILED, 0)}")
        self.stdout.write(f"sent: {states.get(Delivery.Status.SENT, 0)}")
        uncertain = Delivery.objects.filter(uncertain_handoffs__gt=0).count()
        self.stdout.write(f"resent after a hand-off that may have happened: {uncertain}")
        skipped = (
            Delivery.objects.filter(status=Delivery.Status.SKIPPED)
            .values_list("skip_reason")
            .annotate(n=Count("id"))
        )
        reasons = dict(Delivery.SkipReason.choices)
        for reason, n in sorted(skipped):
            self.stdout.write(f"skipped, {reasons.get(reason, reason)}: {n}")
        for status, title in (
            (Delivery.Status.FAILED, "failing (will retry)"),
            (Delivery.Status.GAVE_UP, "given up"),
        ):
            self._list(status, title)

    def _list(self, status: str, title: str) -> None:
        rows = (
            Delivery.objects.filter(status=status)
            .select_related("reminder__deadline__matter", "reminder__task__matter", "recipient")
            .order_by("-last_attempt_at", "-pk")[:LISTED]
        )
        rows = list(rows)
        if not rows:
            return
        self.stdout.write(f"{title}:")
        for delivery in rows:
            matter = delivery.reminder.target.matter
            recipient = delivery.recipient.email or delivery.recipient.get_username()
            when = (
                f", next try {delivery.next_attempt_at:%Y-%m-%d %H:%M} UTC"
                if delivery.next_attempt_at and status == Delivery.Status.FAILED
                else ""
            )
            self.stdout.write(
                f"  delivery {delivery.pk}: matter {matter.number}, to {recipient} "
                f"by {delivery.channel}, {delivery.attempts} attempts{when}; "
                f"last error: {delivery.last_error or '-'}"
            )
