from django.core.management.base import BaseCommand
from django.db.models import Count
from django.utils import timezone

from aftercare.health import beat_health_line
from cases.models import Delivery, Reminder


class Command(BaseCommand):
    help = "What reminders are due, and how their deliveries stand: sent, pending, failed."

    def handle(self, *args, **options) -> None:
        self.stdout.write(beat_health_line())  # nothing below moves if beat has stopped
        now = timezone.now()
        due = Reminder.objects.filter(claimed_at__isnull=True, due_at__lte=now).count()
        upcoming = Reminder.objects.filter(claimed_at__isnull=True, due_at__gt=now).count()
        states = dict(Delivery.objects.values_list("status").annotate(n=Count("id")))
        retrying = Delivery.objects.filter(status=Delivery.Status.FAILED).count()
        self.stdout.write(f"reminders due now (unclaimed): {due}")
        self.stdout.write(f"reminders scheduled later: {upcoming}")
        for status, label in Delivery.Status.choices:
            self.stdout.write(f"deliveries {status}: {states.get(status, 0)}  ({label})")
        self.stdout.write(f"retrying: {retrying}")
        self.stdout.write(f"sent: {states.get(Delivery.Status.SENT, 0)}")
