"""A matter's outcomes: recorded from its page (any number, dated, from its kind's list),
corrected, removed, asked for at closing; kept by erasure, moved by a merge."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from aftercare.access import access_grant
from aftercare.history import FieldChange
from aftercare.models import AuditEvent
from cases.models import MatterOutcome
from cases.outcomes import OUTCOMES_BY_KIND
from cases.services.outcomes import outcome_edit, outcome_record, outcome_remove
from tests.actors import actor_of, lead_actor
from tests.cases.test_services_take_an_actor import (
    Case,
    run_from_a_task,
    run_rolled_back_when_audit_fails,
)
from tests.cases.test_services_take_an_actor import world as world
from tests.factories import make_matter, make_survivor

pytestmark = pytest.mark.django_db
FIXED = pytest.mark.time_machine("2027-03-01 12:00:00+00:00", tick=False)


@pytest.fixture
def matter(harbor, attorney):
    return make_matter(harbor, lead=attorney.user, sub_kind="tvpra_damages")


def add(client, matter, **data):
    return client.post(reverse("cases:outcome_add", args=[matter.pk]), data)


def test_every_kind_of_matter_has_a_list_of_outcomes():
    from cases.kinds import Kind

    assert set(OUTCOMES_BY_KIND) == set(Kind.values)
    assert all(OUTCOMES_BY_KIND[kind] for kind in Kind.values)


@FIXED
def test_the_attorney_records_several_dated_outcomes_with_money(matter, attorney, client_for):
    client = client_for(attorney)
    assert add(client, matter, kind="filed", date="2026-10-01").status_code == 302
    response = add(
        client, matter, kind="recovered", date="2027-02-15", amount="85000.50", currency="USD"
    )
    assert response.status_code == 302
    assert response.url.endswith("#outcomes")
    rows = list(MatterOutcome.objects.values_list("kind", "date", "amount", "currency"))
    assert rows == [
        ("filed", date(2026, 10, 1), None, ""),
        ("recovered", date(2027, 2, 15), Decimal("85000.50"), "USD"),
    ]
    page = client.get(reverse("cases:detail", args=[matter.pk])).text
    assert "Amount recovered" in page and "85000.50 USD" in page
    events = AuditEvent.objects.filter(action="cases.outcome.recorded")
    assert events.count() == 2
    assert all("85000" not in str(e.payload) for e in events)


def test_the_form_offers_only_the_outcomes_of_the_matters_kind(matter, attorney, client_for):
    page = client_for(attorney).get(reverse("cases:detail", args=[matter.pk])).text
    assert 'value="settled"' in page
    assert 'value="vacated"' not in page  # criminal-record relief only
    response = add(client_for(attorney), matter, kind="vacated", date="2027-01-01")
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not MatterOutcome.objects.exists()


def test_bad_input_is_a_message_and_what_was_typed_stays(matter, attorney, client_for):
    response = add(client_for(attorney), matter, kind="recovered", date="2027-01-01", amount="")
    assert response.status_code == 200
    assert "Enter the amount." in response.text
    assert 'value="2027-01-01"' in response.text
    response = add(client_for(attorney), matter, kind="filed", date="1850-01-01")
    assert response.status_code == 200
    assert not MatterOutcome.objects.exists()


def test_a_status_obtained_names_the_status(harbor, attorney, client_for):
    matter = make_matter(harbor, lead=attorney.user, sub_kind="t_visa")
    response = add(client_for(attorney), matter, kind="status", date="2027-01-05")
    assert "Choose the status obtained." in response.text
    add(client_for(attorney), matter, kind="status", date="2027-01-05", status="t_nonimmigrant")
    assert MatterOutcome.objects.get().get_status_display() == "T nonimmigrant"


def test_a_double_click_records_one_outcome(matter, attorney, client_for):
    client = client_for(attorney)
    data = {"kind": "filed", "date": "2027-01-05", "submission_token": "T" * 24}
    first = add(client, matter, **data)
    second = add(client, matter, **data)
    assert MatterOutcome.objects.count() == 1
    assert second.status_code == 302 and second.url == first.url


def test_an_outcome_is_corrected_with_history_and_removed_with_an_event(
    matter, attorney, client_for
):
    outcome = outcome_record(
        actor=lead_actor(matter), matter=matter, kind="settled", date=date(2027, 1, 2)
    )
    client = client_for(attorney)
    edit = reverse("cases:outcome_edit", args=[outcome.pk])
    assert 'value="2027-01-02"' in client.get(edit).text
    response = client.post(
        edit, {"kind": "settled", "date": "2027-01-03", "amount": "1000", "currency": "USD"}
    )
    assert response.status_code == 302
    outcome.refresh_from_db()
    assert (outcome.date, outcome.amount) == (date(2027, 1, 3), Decimal("1000.00"))
    assert FieldChange.objects.filter(field="date").exists()
    client.post(reverse("cases:outcome_remove", args=[outcome.pk]))
    assert not MatterOutcome.objects.exists()
    event = AuditEvent.objects.get(action="cases.outcome.removed")
    assert event.payload["kind"] == "settled"


def test_a_reader_gets_403_an_outsider_404_and_nothing_changes(
    matter, paralegal, outsider, client_for
):
    outcome = outcome_record(
        actor=lead_actor(matter), matter=matter, kind="filed", date=date(2027, 1, 2)
    )
    access_grant(user=paralegal.user, obj=matter, actions=("view",))
    reader, stranger = client_for(paralegal), client_for(outsider)
    assert reader.get(reverse("cases:detail", args=[matter.pk])).status_code == 200
    assert add(reader, matter, kind="filed", date="2027-01-05").status_code == 403
    assert reader.post(reverse("cases:outcome_remove", args=[outcome.pk])).status_code == 403
    assert stranger.get(reverse("cases:outcome_edit", args=[outcome.pk])).status_code == 404
    assert MatterOutcome.objects.count() == 1


@FIXED
def test_closing_asks_for_the_outcome_and_records_it(matter, attorney, client_for):
    client = client_for(attorney)
    page = client.get(reverse("cases:detail", args=[matter.pk])).text
    assert "What did the matter achieve?" in page
    response = client.post(
        reverse("cases:close", args=[matter.pk]),
        {
            "outcome": "settled",
            "reason": "",
            "result-kind": "recovered",
            "result-date": "2027-02-20",
            "result-amount": "",
            "result-currency": "USD",
        },
    )
    assert response.status_code == 200  # the amount is missing: nothing is closed
    assert "Enter the amount." in response.text
    matter.refresh_from_db()
    assert matter.is_open
    client.post(
        reverse("cases:close", args=[matter.pk]),
        {
            "outcome": "settled",
            "reason": "",
            "result-kind": "recovered",
            "result-date": "2027-02-20",
            "result-amount": "5000",
            "result-currency": "USD",
        },
    )
    matter.refresh_from_db()
    assert not matter.is_open
    assert list(matter.outcomes.values_list("kind", "amount")) == [
        ("recovered", Decimal("5000.00"))
    ]


@FIXED
def test_closing_as_granted_without_an_outcome_records_what_granted_means(
    harbor, attorney, client_for
):
    matter = make_matter(harbor, lead=attorney.user, sub_kind="u_visa")
    client_for(attorney).post(
        reverse("cases:close", args=[matter.pk]), {"outcome": "granted", "reason": ""}
    )
    assert list(matter.outcomes.values_list("kind", "date")) == [("approved", date(2027, 3, 1))]


def test_erasure_keeps_the_outcomes_and_says_so(matter, coordinator):
    from survivors.services.retention import survivor_erase

    outcome_record(actor=lead_actor(matter), matter=matter, kind="filed", date=date(2027, 1, 2))
    report = survivor_erase(actor=actor_of(coordinator), survivor=matter.client)
    assert report.audit_payload()["kept"]["cases.outcomes"] == 1
    assert MatterOutcome.objects.get().matter == matter


def test_a_merge_carries_the_outcomes_to_the_kept_record(harbor, matter, coordinator):
    from survivors.merge import survivor_merge

    outcome_record(actor=lead_actor(matter), matter=matter, kind="filed", date=date(2027, 1, 2))
    kept = make_survivor(harbor, legal_name="Matter Client")
    survivor_merge(actor=actor_of(coordinator), kept=kept, merged=matter.client)
    assert MatterOutcome.objects.get().matter.client == kept


OUTCOME_CASES = {
    "outcome_record": Case(
        "attorney",
        "cases.outcome.recorded",
        lambda w, a: outcome_record(actor=a, matter=w.matter, kind="filed", date=date(2027, 1, 1)),
    ),
    "outcome_edit": Case(
        "attorney",
        "cases.outcome.edited",
        lambda w, a: outcome_edit(actor=a, outcome=w.outcome, kind="filed", date=date(2027, 1, 9)),
        prepare=lambda w: setattr(
            w,
            "outcome",
            outcome_record(
                actor=lead_actor(w.matter), matter=w.matter, kind="filed", date=date(2027, 1, 1)
            ),
        ),
    ),
    "outcome_remove": Case(
        "attorney",
        "cases.outcome.removed",
        lambda w, a: outcome_remove(actor=a, outcome=w.outcome),
        prepare=lambda w: setattr(
            w,
            "outcome",
            outcome_record(
                actor=lead_actor(w.matter), matter=w.matter, kind="filed", date=date(2027, 1, 1)
            ),
        ),
    ),
}


@pytest.mark.parametrize("name", OUTCOME_CASES)
def test_a_failed_audit_write_leaves_the_outcomes_as_they_were(world, name, monkeypatch):
    run_rolled_back_when_audit_fails(world, OUTCOME_CASES[name], monkeypatch)


@pytest.mark.parametrize("name", OUTCOME_CASES)
def test_an_outcome_change_from_a_task_says_worker(world, name):
    run_from_a_task(world, OUTCOME_CASES[name])


def test_a_reader_sees_the_outcomes_but_no_form(matter, paralegal, client_for):
    outcome_record(actor=lead_actor(matter), matter=matter, kind="filed", date=date(2027, 1, 2))
    access_grant(user=paralegal.user, obj=matter, actions=("view",))
    page = client_for(paralegal).get(reverse("cases:detail", args=[matter.pk])).text
    assert "Filed" in page
    assert reverse("cases:outcome_add", args=[matter.pk]) not in page
    assert "Record an outcome" not in page


def test_the_matter_page_reads_as_many_queries_with_more_outcomes(matter, attorney, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(attorney)
    url = reverse("cases:detail", args=[matter.pk])
    outcome_record(actor=lead_actor(matter), matter=matter, kind="filed", date=date(2027, 1, 2))
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for day in range(3, 12):
        outcome_record(
            actor=lead_actor(matter), matter=matter, kind="settled", date=date(2027, 1, day)
        )
    with CaptureQueriesContext(connection) as ten:
        client.get(url)
    assert len(ten.captured_queries) == len(one.captured_queries)
