"""What people type into a deadline (what is due, where) and a matter's closing reason is
encrypted at rest, shown on the matter's pages to its team, and never carried by the
calendar feed, a reminder or a log line."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from aftercare.models import Notification
from cases.models import Deadline, Delivery, Matter
from cases.services import reminders
from tests.canary import Hit, readable_hits, tables_containing
from tests.factories import make_matter

pytestmark = pytest.mark.django_db

CANARY = "Qwcanaryv"
TITLE = f"Bring {CANARY} title papers"
PLACE = f"{CANARY} shelter, room 4"
REASON = f"Client moved to {CANARY} county"


@pytest.fixture
def matter(harbor, attorney):
    return make_matter(harbor, lead=attorney.user)


def _add_deadline(client: Client, matter: Matter, *, kind: str = "hearing", due: date) -> Deadline:
    """The hand-added deadline form, posted as a browser posts it."""
    response = client.post(
        reverse("cases:deadline_new", args=[matter.pk]),
        {
            "kind": kind,
            "title": TITLE,
            "location": PLACE,
            "due_date": due.isoformat(),
            "due_time": "09:30",
            "time_zone": "America/New_York",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Deadline.objects.latest("id")


def _feed_of(membership, client_for) -> bytes:
    """The calendar feed as a phone fetches it: through the address the person was given."""
    page = client_for(membership, sudo=True).post(reverse("cases:feed_manage"), {"action": "issue"})
    address = page.text.split('<code class="secret">')[1].split("</code>")[0]
    response = Client().get(address.split("testserver", 1)[1])
    assert response.status_code == 200
    return response.content


def test_a_typed_title_and_place_are_ciphertext_at_rest_and_shown_to_the_team(
    matter, attorney, client_for
):
    client = client_for(attorney)
    due = timezone.localdate() + timedelta(days=3)
    deadline = _add_deadline(client, matter, due=due)

    assert tables_containing(CANARY) == [], "the canary is stored in plaintext"
    assert readable_hits(CANARY) == {
        Hit("cases_deadline", "title", deadline.pk),
        Hit("cases_deadline", "location", deadline.pk),
    }
    detail = client.get(reverse("cases:detail", args=[matter.pk])).content.decode()
    assert TITLE in detail
    assert PLACE in detail
    month = client.get(reverse("cases:calendar"), {"month": due.strftime("%Y-%m")})
    assert TITLE in month.content.decode()
    assert CANARY not in str(deadline), "str() ends up in logs"


def test_the_calendar_feed_names_the_kind_and_matter_never_what_was_typed(
    matter, attorney, client_for
):
    client = client_for(attorney)
    due = timezone.localdate() + timedelta(days=10)
    _add_deadline(client, matter, kind="hearing", due=due)
    _add_deadline(client, matter, kind="filing", due=due + timedelta(days=1))

    ics = _feed_of(attorney, client_for)
    assert CANARY.encode() not in ics
    assert b"shelter" not in ics
    events = Calendar.from_ical(ics).walk("VEVENT")
    assert sorted(str(e["summary"]) for e in events) == [
        f"Deadline · {matter.number}",
        f"Hearing · {matter.number}",
    ]
    assert all("location" not in e and "description" not in e for e in events)


def test_reminders_carry_no_typed_title_or_place(matter, attorney, client_for):
    deadline = _add_deadline(client_for(attorney), matter, due=timezone.localdate())
    reminders.reminders_dispatch(now=timezone.now() + timedelta(days=1))
    for delivery in Delivery.objects.filter(status=Delivery.Status.PENDING):
        reminders.delivery_send(delivery_id=delivery.pk)
    assert mail.outbox, "a reminder was emailed"
    texts = [m.subject + m.body for m in mail.outbox]
    texts += list(Notification.objects.values_list("message", flat=True))
    for text in texts:
        assert CANARY not in text
        assert matter.number in text
    assert deadline.reminders.exists()


def test_a_typed_closing_reason_is_ciphertext_at_rest_and_shown_on_the_matter(
    matter, attorney, client_for
):
    client = client_for(attorney)
    response = client.post(
        reverse("cases:close", args=[matter.pk]), {"outcome": "withdrawn", "reason": REASON}
    )
    assert response.status_code == 302
    assert tables_containing(CANARY) == []
    assert readable_hits(CANARY) == {Hit("cases_matter", "closing_reason", matter.pk)}
    page = client.get(reverse("cases:detail", args=[matter.pk])).content.decode()
    assert REASON in page


def test_someone_outside_the_matter_sees_none_of_it(matter, attorney, outsider, client_for):
    _add_deadline(client_for(attorney), matter, due=timezone.localdate() + timedelta(days=2))
    response = client_for(outsider).get(reverse("cases:detail", args=[matter.pk]))
    assert response.status_code == 404
    assert CANARY not in response.content.decode()


def test_rotating_keys_re_encrypts_the_typed_values(matter, attorney, client_for, settings):
    client = client_for(attorney)
    _add_deadline(client, matter, due=timezone.localdate() + timedelta(days=5))
    client.post(reverse("cases:close", args=[matter.pk]), {"outcome": "granted", "reason": REASON})
    old_key, new_key = settings.FIELD_ENCRYPTION_KEY[0], Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = [new_key, old_key]

    call_command("rotate_encryption_keys")

    settings.FIELD_ENCRYPTION_KEY = [new_key]
    with connection.cursor() as cursor:
        cursor.execute("SELECT title, location FROM cases_deadline")
        raw = list(cursor.fetchone())
        cursor.execute("SELECT closing_reason FROM cases_matter")
        raw += list(cursor.fetchone())
    for token in raw:
        Fernet(new_key).decrypt(token.encode())
        with pytest.raises(InvalidToken):
            Fernet(old_key).decrypt(token.encode())
    deadline = Deadline.objects.get()
    assert (deadline.title, deadline.location) == (TITLE, PLACE)
    assert Matter.objects.get().closing_reason == REASON


BEFORE = ("cases", "0009_calendar_feed_membership_required")


def _raw(table: str, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table}")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_stored_values_and_going_back_decrypts_them(harbor, attorney):
    matter = make_matter(harbor, lead=attorney.user, closing_reason=REASON)
    Deadline.objects.create(
        matter=matter,
        kind="filing",
        title=TITLE,
        location=PLACE,
        due_date=date(2026, 12, 3),
        created_by=attorney.user,
    )
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([BEFORE])
        # Before the migration, what was typed lay in plaintext: as it does in old databases.
        assert _raw("cases_deadline", "title") == TITLE
        assert _raw("cases_deadline", "location") == PLACE
        assert _raw("cases_matter", "closing_reason") == REASON
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert tables_containing(CANARY) == []
    deadline = Deadline.objects.get()
    assert (deadline.title, deadline.location) == (TITLE, PLACE)
    assert Matter.objects.get().closing_reason == REASON
