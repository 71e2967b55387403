"""An unfinished intake draft is kept 30 days after its last change (INTAKE_DRAFT_EXPIRY_DAYS);
its author is warned a week before, and then it is erased, leaving nothing of what was
typed."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from aftercare.actor import Actor
from aftercare.models import AuditEvent, Notification
from survivors.models import Survivor
from survivors.services.drafts import drafts_expire
from survivors.tasks import drafts_expire_task
from tests.canary import readable_hits
from tests.clockwork import NEW_YORK
from tests.database_state import AuditWriteError, audit_writes_fail, database_state
from tests.factories import make_survivor

pytestmark = pytest.mark.django_db

CANARY = "Qdcanaryk"
STARTED = datetime(2026, 3, 2, 10, 0, tzinfo=NEW_YORK)


def day(n: int, hours: int = 0) -> datetime:
    return STARTED + timedelta(days=n, hours=hours)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(STARTED, tick=False)
    return lambda moment: time_machine.move_to(moment, tick=False)


def _start_draft(client) -> Survivor:
    """The first two steps of the wizard, typed as a browser posts them."""
    client.post(
        reverse("survivors:intake"),
        {"legal_name": f"Ana {CANARY}", "date_of_birth": "1990-05-01", "aliases": f"La {CANARY}"},
    )
    draft = Survivor.objects.get(status=Survivor.Status.DRAFT)
    client.post(
        reverse("survivors:intake_step", args=[draft.pk, 3]),
        {"safety_situation": f"Recruiter {CANARY} calls daily"},
    )
    return draft


def _sweep() -> str:
    out = StringIO()
    call_command("apply_retention", stdout=out)
    return out.getvalue()


def test_a_draft_left_alone_warns_its_author_a_week_before_then_goes_without_a_trace(
    clock, intake_worker, client_for
):
    draft = _start_draft(client_for(intake_worker))
    assert readable_hits(CANARY), "the canary was typed into the draft"

    clock(day(22, hours=23))
    assert "0 to warn, 0 warned; 0 due, 0 erased" in _sweep()
    assert not Notification.objects.exists()

    clock(day(23, hours=1))
    assert "1 to warn, 1 warned" in _sweep()
    warning = Notification.objects.get(recipient=intake_worker.user)
    assert draft.code in warning.message
    assert "April 1, 2026" in warning.message
    assert CANARY not in warning.message
    author = client_for(intake_worker)
    page = author.get(reverse("notifications")).content.decode()
    assert f"The unfinished intake {draft.code} will be erased on April 1, 2026" in page
    opened = author.post(reverse("notification_read", args=[warning.pk]), follow=True)
    assert opened.redirect_chain[-1][0] == reverse("survivors:intake_review", args=[draft.pk])
    assert f"Ana {CANARY}" in opened.content.decode(), "the link leads to the draft"
    assert "0 to warn" in _sweep(), "one warning per change"

    clock(day(29, hours=23))
    assert "0 due, 0 erased" in _sweep()
    assert Survivor.objects.get(pk=draft.pk).status == Survivor.Status.DRAFT

    clock(day(30, hours=2))
    assert "1 due, 1 erased" in _sweep()
    assert Survivor.objects.get(pk=draft.pk).status == Survivor.Status.ERASED
    assert readable_hits(CANARY) == set(), "something typed into the draft is still stored"
    erased = AuditEvent.objects.get(action="survivors.survivor.erased")
    assert erased.payload["reason"] == "draft_expired"
    warned = AuditEvent.objects.get(action="survivors.intake.draft_expiry_warned")
    assert warned.payload == {"erase_on": "2026-04-01", "channel": "command"}
    page = client_for(intake_worker).get(reverse("survivors:intake")).content.decode()
    assert draft.code not in page, "the expired draft is no longer offered to continue"


def test_any_change_to_the_draft_starts_the_period_again(clock, intake_worker, client_for):
    draft = _start_draft(client_for(intake_worker))
    clock(day(24))
    _sweep()
    assert Notification.objects.count() == 1

    clock(day(25))
    client_for(intake_worker).post(
        reverse("survivors:intake_step", args=[draft.pk, 2]), {"languages": "Portuguese"}
    )
    clock(day(31))
    assert "0 to warn, 0 warned; 0 due, 0 erased" in _sweep()

    clock(day(25 + 23, hours=1))
    _sweep()
    assert Notification.objects.count() == 2, "warned again before the new date"
    clock(day(25 + 30, hours=2))
    _sweep()
    assert Survivor.objects.get(pk=draft.pk).status == Survivor.Status.ERASED


def test_a_draft_is_never_erased_before_its_author_had_the_warnings_days(
    clock, intake_worker, client_for
):
    """Say the worker was stopped for two months: the draft is not erased at once."""
    draft = _start_draft(client_for(intake_worker))
    clock(day(60))
    assert "1 to warn, 1 warned; 0 due, 0 erased" in _sweep()
    assert "March 1" not in Notification.objects.get().message
    clock(day(66, hours=23))
    _sweep()
    assert Survivor.objects.get(pk=draft.pk).status == Survivor.Status.DRAFT
    clock(day(67, hours=1))
    _sweep()
    assert Survivor.objects.get(pk=draft.pk).status == Survivor.Status.ERASED


def test_the_period_is_a_setting(clock, intake_worker, client_for, settings):
    settings.INTAKE_DRAFT_EXPIRY_DAYS = 10
    draft = _start_draft(client_for(intake_worker))
    clock(day(5, hours=1))  # half the period: a week's notice would come before the start
    _sweep()
    assert "another 10 days" in Notification.objects.get().message
    clock(day(10, hours=2))
    _sweep()
    assert Survivor.objects.get(pk=draft.pk).status == Survivor.Status.ERASED


def test_finished_records_and_drafts_under_legal_hold_are_left_alone(
    clock, safehaven, intake_worker, client_for
):
    held = _start_draft(client_for(intake_worker))
    Survivor.objects.filter(pk=held.pk).update(legal_hold=True)
    finished = make_survivor(safehaven, by=intake_worker.user, legal_name="Finished Record")
    clock(day(90))
    assert "0 to warn, 0 warned; 0 due, 0 erased" in _sweep()
    assert Survivor.objects.get(pk=held.pk).status == Survivor.Status.DRAFT
    assert Survivor.objects.get(pk=finished.pk).status == Survivor.Status.ACTIVE
    assert not Notification.objects.exists()


def test_a_dry_run_counts_and_changes_nothing(clock, intake_worker, client_for):
    draft = _start_draft(client_for(intake_worker))
    clock(day(40))
    out = StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    assert "Unfinished intake drafts: 1 to warn, 0 warned; 0 due, 0 erased" in out.getvalue()
    assert not Notification.objects.exists()
    assert Survivor.objects.get(pk=draft.pk).draft_expiry_warned_at is None


def test_beat_runs_the_expiry_every_hour_and_the_task_erases(clock, intake_worker, client_for):
    entry = next(
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "survivors.tasks.drafts_expire_task"
    )
    assert entry["schedule"] == 3600
    draft = _start_draft(client_for(intake_worker))
    clock(day(24))
    assert drafts_expire_task() == 0
    clock(day(31))
    assert drafts_expire_task() == 1
    assert Survivor.objects.get(pk=draft.pk).status == Survivor.Status.ERASED
    assert AuditEvent.objects.get(action="survivors.survivor.erased").payload["channel"] == (
        "worker"
    )


@pytest.mark.parametrize("moment", [day(24), day(31)], ids=["warning", "erasure"])
def test_when_the_audit_event_cannot_be_written_the_draft_and_notices_stay_as_they_were(
    moment, clock, intake_worker, client_for, monkeypatch
):
    _start_draft(client_for(intake_worker))
    if moment == day(31):
        clock(day(24))
        _sweep()
    clock(moment)
    before = database_state()
    with monkeypatch.context() as broken:
        audit_writes_fail(broken)
        with pytest.raises(AuditWriteError):
            drafts_expire(actor=Actor.system())
    assert database_state() == before
