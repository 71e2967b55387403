"""Tasks are reminded by the deadlines' engine, with the clock fixed: the assignee hears
the day before and the morning of, once, in the application and by email; nobody hears
of a task done, cancelled, moved off that day or on a closed matter, and a reassigned
task reminds its new assignee. The typed text is never in a message. Claiming and
sending run here, in the test's process, exactly as beat and the worker run them."""

from __future__ import annotations

from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils.formats import date_format

from aftercare.access import access_grant, access_revoke
from aftercare.models import Notification
from cases.models import Delivery, Reminder, Task
from cases.services import reminders
from cases.services.matters import matter_close
from cases.services.tasks import task_cancel, task_complete, task_create, task_reassign
from tests.actors import lead_actor
from tests.factories import make_matter

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")
CANARY = "Call Rosa Canaryremind at the shelter"
DUE = date(2027, 3, 5)
DAY_BEFORE = datetime(2027, 3, 4, 8, 0, tzinfo=NY)
MORNING_OF = datetime(2027, 3, 5, 8, 0, tzinfo=NY)
AT_NINE = pytest.mark.time_machine(datetime(2027, 3, 1, 9, 0, tzinfo=NY), tick=False)


@pytest.fixture
def matter(harbor, attorney, paralegal):
    matter = make_matter(harbor, lead=attorney.user)
    access_grant(user=paralegal.user, obj=matter, actions=("view", "change"))
    return matter


def give(matter, assignee, due: date = DUE) -> Task:
    return task_create(
        actor=lead_actor(matter), matter=matter, title=CANARY, due_date=due, assignee=assignee
    )


def run_all(time_machine, now: datetime) -> list[tuple[str, str, int]]:
    """Beat's claim at `now`, then the worker's sends: (recipient, channel, days before)
    of what was sent."""
    time_machine.move_to(now, tick=False)
    before = set(Delivery.objects.filter(status="sent").values_list("pk", flat=True))
    reminders.reminders_dispatch(now=now)
    while reminders.deliveries_send():
        pass
    sent = Delivery.objects.filter(status="sent").exclude(pk__in=before)
    return sorted(
        sent.values_list("recipient__email", "channel", "reminder__days_before").order_by()
    )


def both(user, days: int) -> list[tuple[str, str, int]]:
    return sorted([(user.email, "email", days), (user.email, "in_app", days)])


@AT_NINE
def test_the_assignee_is_reminded_the_day_before_and_the_morning_of_once(
    matter, paralegal, time_machine
):
    task = give(matter, paralegal.user)
    assert sorted(task.reminders.values_list("days_before", "due_at")) == [
        (0, MORNING_OF),
        (1, DAY_BEFORE),
    ]
    assert run_all(time_machine, datetime(2027, 3, 4, 7, 59, tzinfo=NY)) == []
    assert run_all(time_machine, DAY_BEFORE) == both(paralegal.user, 1)
    assert run_all(time_machine, datetime(2027, 3, 4, 12, 0, tzinfo=NY)) == []  # once
    assert run_all(time_machine, MORNING_OF) == both(paralegal.user, 0)
    assert run_all(time_machine, datetime(2027, 3, 6, 8, 0, tzinfo=NY)) == []
    assert len(mail.outbox) == 2
    assert [m.to for m in mail.outbox] == [[paralegal.user.email]] * 2
    # The matter's number and the date, never the typed text, nor in the in-app message.
    for message in mail.outbox:
        assert matter.number in message.subject and "2027" in message.subject
        assert "Canaryremind" not in message.subject + message.body
    notes = Notification.objects.filter(recipient=paralegal.user)
    assert notes.count() == 2
    for note in notes:
        # Acting-organization scoped: the matter's organization, a link to its tasks.
        assert note.organization_id == matter.organization_id
        assert note.link == f"/matters/{matter.pk}/#tasks"
        assert matter.number in note.message and "Canaryremind" not in note.message
    # The operators' command reads task reminders as it reads deadlines'.
    out = StringIO()
    call_command("reminders_status", stdout=out)
    assert "deliveries sent: 4" in out.getvalue()


@AT_NINE
@pytest.mark.parametrize("close", [task_complete, task_cancel])
def test_a_task_done_or_cancelled_reminds_nobody(matter, paralegal, time_machine, close):
    task = give(matter, paralegal.user)
    close(actor=lead_actor(matter), task=task)
    assert not task.reminders.exists()
    assert run_all(time_machine, DAY_BEFORE) + run_all(time_machine, MORNING_OF) == []
    assert mail.outbox == []


@AT_NINE
def test_a_task_done_after_its_reminder_was_claimed_is_not_sent(matter, paralegal, time_machine):
    task = give(matter, paralegal.user)
    time_machine.move_to(DAY_BEFORE, tick=False)
    reminders.reminders_dispatch(now=DAY_BEFORE)  # claimed, not yet sent
    task_complete(actor=lead_actor(matter), task=task)
    while reminders.deliveries_send():
        pass
    assert set(Delivery.objects.values_list("status", "skip_reason")) == {
        ("skipped", "task_closed")
    }
    assert mail.outbox == [] and not Notification.objects.exists()


@AT_NINE
def test_a_reassigned_task_reminds_the_new_assignee_not_the_old(
    matter, attorney, paralegal, time_machine
):
    task = give(matter, paralegal.user)
    task_reassign(actor=lead_actor(matter), task=task, assignee=attorney.user)
    assert run_all(time_machine, DAY_BEFORE) == both(attorney.user, 1)
    # Passed back after the day-before went out: the morning-of goes to the paralegal.
    task_reassign(actor=lead_actor(matter), task=task, assignee=paralegal.user)
    assert run_all(time_machine, MORNING_OF) == both(paralegal.user, 0)
    assert [m.to for m in mail.outbox] == [[attorney.user.email], [paralegal.user.email]]


@AT_NINE
def test_a_task_reassigned_between_claim_and_send_is_not_sent_to_the_old_assignee(
    matter, attorney, paralegal, time_machine
):
    task = give(matter, paralegal.user)
    time_machine.move_to(DAY_BEFORE, tick=False)
    reminders.reminders_dispatch(now=DAY_BEFORE)
    task_reassign(actor=lead_actor(matter), task=task, assignee=attorney.user)
    while reminders.deliveries_send():
        pass
    assert set(Delivery.objects.values_list("recipient", "status", "skip_reason")) == {
        (paralegal.user.pk, "skipped", "reassigned")
    }
    assert mail.outbox == []
    assert run_all(time_machine, MORNING_OF) == both(attorney.user, 0)


@AT_NINE
def test_a_moved_task_is_reminded_for_its_new_date_only(matter, paralegal, time_machine):
    task = give(matter, paralegal.user)
    task.due_date = date(2027, 3, 10)
    task.save()  # not a service: the admin, a shell, a data fix
    assert set(task.reminders.values_list("due_for", flat=True)) == {date(2027, 3, 10)}
    assert run_all(time_machine, DAY_BEFORE) + run_all(time_machine, MORNING_OF) == []
    assert run_all(time_machine, datetime(2027, 3, 9, 8, 0, tzinfo=NY)) == both(paralegal.user, 1)
    assert run_all(time_machine, datetime(2027, 3, 10, 8, 0, tzinfo=NY)) == both(paralegal.user, 0)
    new_date = date_format(date(2027, 3, 10), "l j F Y")  # in the active language
    assert len(mail.outbox) == 2 and new_date in mail.outbox[0].subject


@AT_NINE
def test_a_task_moved_by_a_bulk_update_drops_the_old_rows_at_claim(matter, paralegal, time_machine):
    task = give(matter, paralegal.user)
    Task.objects.filter(pk=task.pk).update(due_date=date(2027, 3, 10))  # no signal
    assert run_all(time_machine, DAY_BEFORE) == []
    assert set(task.reminders.values_list("due_for", flat=True)) == {date(2027, 3, 10)}
    assert run_all(time_machine, datetime(2027, 3, 9, 8, 0, tzinfo=NY)) == both(paralegal.user, 1)


@AT_NINE
def test_a_closed_matter_reminds_nobody_of_its_tasks(matter, paralegal, time_machine):
    task = give(matter, paralegal.user)
    time_machine.move_to(DAY_BEFORE, tick=False)
    reminders.reminders_dispatch(now=DAY_BEFORE)  # the day-before is claimed, not sent
    matter_close(actor=lead_actor(matter), matter=matter, outcome="granted", reason="")
    assert not task.reminders.filter(claimed_at__isnull=True).exists()
    while reminders.deliveries_send():
        pass
    assert set(Delivery.objects.values_list("status", "skip_reason")) == {
        ("skipped", "matter_closed")
    }
    assert run_all(time_machine, MORNING_OF) == []
    assert mail.outbox == []


@AT_NINE
def test_an_assignee_who_lost_the_matter_is_not_reminded(
    matter, paralegal, coordinator, time_machine
):
    give(matter, paralegal.user)
    access_revoke(user=paralegal.user, obj=matter)
    assert run_all(time_machine, DAY_BEFORE) == []  # and no escalation to coordinators
    assert mail.outbox == [] and not Notification.objects.exists()


@AT_NINE
def test_a_task_created_on_its_due_day_is_reminded_now(matter, paralegal, time_machine):
    task = give(matter, paralegal.user, due=date(2027, 3, 1))
    assert list(task.reminders.values_list("days_before", flat=True)) == [0]
    assert run_all(time_machine, datetime(2027, 3, 1, 9, 0, tzinfo=NY)) == both(paralegal.user, 0)


@AT_NINE
def test_a_reminder_names_a_deadline_or_a_task_never_both_nor_neither(matter, paralegal):
    task = give(matter, paralegal.user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(kind="reminder", days_before=3, due_at=DAY_BEFORE)
    deadline_row = {"kind": "reminder", "days_before": 3, "due_at": DAY_BEFORE, "task": task}
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(deadline=_a_deadline(matter), **deadline_row)


def _a_deadline(matter):
    from cases.services.deadlines import deadline_add

    return deadline_add(
        actor=lead_actor(matter),
        matter=matter,
        data={"kind": "filing", "title": "Filing", "due_date": DUE},
    )
