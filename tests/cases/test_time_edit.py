"""Correcting a time entry, in tenths of an hour, unless it went out in a report."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from aftercare.access import access_grant
from aftercare.history import FieldChange
from aftercare.models import AuditEvent
from cases.models import TimeEntry
from cases.services.work import time_entry_edit, time_log
from tests.actors import lead_actor
from tests.clockwork import NEW_YORK
from tests.database_state import AuditWriteError, audit_writes_fail, database_state
from tests.factories import make_matter

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(datetime(2027, 3, 10, 9, 0, tzinfo=NEW_YORK), tick=False),
]
TIME_TABLES = ("cases.timeentry", "aftercare.fieldchange")


@pytest.fixture
def matter(harbor, attorney):
    return make_matter(harbor, lead=attorney.user)


@pytest.fixture
def entry(matter):
    return time_log(
        actor=lead_actor(matter),
        matter=matter,
        date=date(2027, 3, 8),
        minutes=45,
        activity="research",
    )


def edit_url(entry):
    return reverse("cases:time_entry_edit", args=[entry.pk])


def test_hours_activity_and_date_are_corrected_in_spanish(entry, attorney, client_for):
    client = client_for(attorney)
    form = client.get(edit_url(entry), HTTP_ACCEPT_LANGUAGE="es").text
    assert 'value="0.8"' in form and 'step="0.1"' in form
    response = client.post(
        edit_url(entry),
        {"date": "2027-03-09", "hours": "1.5", "activity": "court"},
        HTTP_ACCEPT_LANGUAGE="es",
        follow=True,
    )
    assert "Registro de horas guardado." in response.text
    entry.refresh_from_db()
    assert (entry.date, entry.minutes, entry.activity) == (date(2027, 3, 9), 90, "court")
    changes = dict(FieldChange.objects.of(entry).values_list("field", "new_value"))
    assert changes == {"date": "2027-03-09", "minutes": "90", "activity": "court"}
    event = AuditEvent.objects.filter(action="cases.time.edited").latest("id")
    assert event.payload == {"entry": entry.pk, "fields": ["activity", "date", "minutes"]}
    history = client.get(
        reverse("cases:matter_history", args=[entry.matter_id]), HTTP_ACCEPT_LANGUAGE="es"
    ).text
    assert "Horas del 9 Mar 2027" in history and "Minutos" in history and "90" in history


def test_unchanged_hours_keep_minutes_that_are_not_a_tenth(entry, attorney, client_for):
    client_for(attorney).post(
        edit_url(entry), {"date": "2027-03-08", "hours": "0.8", "activity": "drafting"}
    )
    entry.refresh_from_db()
    assert (entry.minutes, entry.activity) == (45, "drafting")


def test_hours_must_be_tenths_between_a_tenth_and_a_day(entry, attorney, client_for):
    client = client_for(attorney)
    for hours in ("0", "1.25", "25"):
        page = client.post(
            edit_url(entry), {"date": "2027-03-08", "hours": hours, "activity": "court"}
        )
        assert page.status_code == 200 and f'value="{hours}"' in page.text
    entry.refresh_from_db()
    assert (entry.minutes, entry.activity) == (45, "research")


def test_an_exported_entry_refuses_every_correction(entry, attorney, client_for):
    TimeEntry.objects.filter(pk=entry.pk).update(exported_at=timezone.now())
    client = client_for(attorney)
    page = client.get(edit_url(entry), HTTP_ACCEPT_LANGUAGE="es")
    assert "ya no se puede corregir" in page.text and 'name="hours"' not in page.text
    before = database_state()
    response = client.post(
        edit_url(entry), {"date": "2027-03-08", "hours": "3", "activity": "court"}
    )
    assert response.status_code == 409
    assert "can no longer be corrected" in response.text
    with pytest.raises(ValidationError):
        time_entry_edit(actor=lead_actor(entry.matter), entry=entry, minutes=180)
    after = database_state()
    for table in TIME_TABLES:
        assert after[table] == before[table]
    detail = client.get(reverse("cases:detail", args=[entry.matter_id])).text
    assert edit_url(entry) not in detail and "exported" in detail


def test_a_reader_gets_403_an_outsider_404_and_nothing_changes(
    entry, matter, paralegal, outsider, client_for
):
    access_grant(user=paralegal.user, obj=matter, actions=("view",))
    data = {"date": "2027-03-08", "hours": "3", "activity": "court"}
    before = database_state()
    reader = client_for(paralegal)
    assert reader.get(edit_url(entry)).status_code == 403
    assert reader.post(edit_url(entry), data).status_code == 403
    stranger = client_for(outsider)
    assert stranger.get(edit_url(entry)).status_code == 404
    assert stranger.post(edit_url(entry), data).status_code == 404
    after = database_state()
    for table in TIME_TABLES:
        assert after[table] == before[table]


def test_if_the_audit_write_fails_nothing_changes(entry, monkeypatch):
    before = database_state()
    audit_writes_fail(monkeypatch)
    with pytest.raises(AuditWriteError):
        time_entry_edit(actor=lead_actor(entry.matter), entry=entry, minutes=120)
    after = database_state()
    for table in TIME_TABLES:
        assert after[table] == before[table]
