"""The history mechanism itself: what it stores, what it withholds, what erasure leaves."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from aftercare.history import FieldChange, history_lines, history_record, stored
from cases.models import Deadline, DeadlineRule, Matter
from cases.services.deadlines import deadline_add, deadline_add_computed, deadline_edit
from cases.services.matters import matter_edit
from survivors.models import Survivor
from tests.actors import actor_of, lead_actor
from tests.canary import readable_hits, tables_containing
from tests.factories import make_matter, make_survivor

pytestmark = pytest.mark.django_db


def test_values_are_stored_as_text_and_an_unchanged_field_writes_nothing(harbor, attorney):
    matter = make_matter(harbor, lead=attorney.user)
    rows = history_record(
        actor=actor_of(attorney),
        target=matter,
        changes={
            "file_under_pseudonym": (False, True),
            "case_number": ("A-1", "A-1"),
            "receipt_number": ("", "EAC1"),
        },
        personal=Matter.PII_FIELDS,
    )
    assert [(r.field, r.old_value, r.new_value, r.personal) for r in rows] == [
        ("file_under_pseudonym", "0", "1", False),
        ("receipt_number", "", "EAC1", True),
    ]
    assert stored(date(2027, 2, 1)) == "2027-02-01"
    assert str(rows[1]) == f"cases.matter {matter.pk}: receipt_number changed"


def test_a_reader_who_may_not_see_personal_fields_learns_only_that_they_changed(harbor, attorney):
    matter = make_matter(harbor, lead=attorney.user)
    matter_edit(actor=actor_of(attorney), matter=matter, receipt_number="EAC-HIDDEN")
    matter_edit(actor=actor_of(attorney), matter=matter, file_under_pseudonym=True)
    changes = FieldChange.objects.of(matter).select_related("actor")
    lines = history_lines(
        changes, models_by_type={"cases.matter": Matter}, records={}, show_personal=False
    )
    by_field = {line.field: line for line in lines}
    assert by_field["Receipt number"].withheld
    assert by_field["Receipt number"].old == by_field["Receipt number"].new == ""
    assert by_field["File under a pseudonym"].new == "Yes"
    assert all(line.who == attorney.user.full_name for line in lines)


def test_erasing_the_client_wipes_the_values_and_keeps_who_changed_what(harbor, attorney):
    from survivors.services.retention import survivor_erase

    client = make_survivor(harbor, legal_name="Erased Client", date_of_birth=date(2010, 5, 4))
    matter = make_matter(harbor, lead=attorney.user, client=client)
    actor = lead_actor(matter)
    matter_edit(actor=actor, matter=matter, case_number="CANARYERASEDCASE")
    hearing = deadline_add(
        actor=actor,
        matter=matter,
        data={
            "kind": "hearing",
            "title": "Hearing",
            "due_date": timezone.localdate() + timedelta(days=20),
        },
    )
    deadline_edit(actor=actor, deadline=hearing, data={"location": "CANARYERASEDPLACE"})
    rule = DeadlineRule.objects.filter(organization=harbor, anchor="birth").first()
    if rule is not None:
        from_birth = deadline_add_computed(actor=actor, matter=matter, rule=rule)
        deadline_edit(actor=actor, deadline=from_birth, data={"title": "Age-out"})
    survivor_erase(actor=actor, survivor=Survivor.objects.get(pk=client.pk))
    for canary in ("CANARYERASEDCASE", "CANARYERASEDPLACE"):
        assert not readable_hits(canary) and not tables_containing(canary)
    kept = set(FieldChange.objects.values_list("object_type", "field"))
    assert kept == {("cases.matter", "case_number"), ("cases.deadline", "location")}
    assert not Deadline.objects.filter(rule__anchor="birth").exists()
