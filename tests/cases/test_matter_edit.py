"""Correcting a matter's details: who may, what the history and the audit trail keep."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aftercare.access import access_grant
from aftercare.history import FieldChange
from aftercare.models import AuditEvent, Role
from cases.models import Jurisdiction, Matter
from cases.services.matters import matter_edit
from tests.actors import actor_of, lead_actor
from tests.canary import readable_hits, tables_containing
from tests.database_state import AuditWriteError, audit_writes_fail, database_state
from tests.factories import MembershipFactory, make_matter, make_volunteer

pytestmark = pytest.mark.django_db

OLD_RECEIPT = "EAC2690012345"
NEW_RECEIPT = "EAC2690099999"


@pytest.fixture
def matter(harbor, attorney):
    return make_matter(harbor, lead=attorney.user, receipt_number=OLD_RECEIPT)


def edit_url(matter):
    return reverse("cases:matter_edit", args=[matter.pk])


def posted(matter, **changes):
    """What the browser sends for the edit form: every field, as shown, with the changes."""
    data = {
        "case_number": matter.case_number,
        "receipt_number": matter.receipt_number,
        "jurisdiction": matter.jurisdiction_id or "",
        "lead_attorney": str(matter.lead_attorney_id),
    }
    if matter.file_under_pseudonym:
        data["file_under_pseudonym"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_attorney_corrects_the_receipt_number_and_the_history_says_from_what(
    matter, attorney, client_for
):
    client = client_for(attorney)
    assert client.get(edit_url(matter)).status_code == 200
    response = client.post(edit_url(matter), posted(matter, receipt_number=f" {NEW_RECEIPT} "))
    assert response.status_code == 302
    matter.refresh_from_db()
    assert matter.receipt_number == NEW_RECEIPT
    (change,) = FieldChange.objects.of(matter)
    assert (change.field, change.old_value, change.new_value) == (
        "receipt_number",
        OLD_RECEIPT,
        NEW_RECEIPT,
    )
    assert change.actor == attorney.user and change.personal
    event = AuditEvent.objects.filter(action="cases.matter.edited").get()
    assert event.payload == {"fields": ["receipt_number"]}

    page = client.get(reverse("cases:matter_history", args=[matter.pk])).text
    assert OLD_RECEIPT in page and NEW_RECEIPT in page
    assert attorney.user.full_name in page


def test_saving_the_form_unchanged_writes_no_history_and_no_event(matter, attorney, client_for):
    client_for(attorney).post(edit_url(matter), posted(matter))
    assert not FieldChange.objects.exists()
    assert not AuditEvent.objects.filter(action="cases.matter.edited").exists()


def test_court_and_pseudonym_flag_are_corrected_and_shown_in_spanish(
    matter, harbor, attorney, client_for
):
    court = Jurisdiction.objects.create(
        organization=harbor, name="Immigration Court NY", type="court"
    )
    client = client_for(attorney)
    client.post(
        edit_url(matter),
        posted(matter, jurisdiction=str(court.pk), file_under_pseudonym="on"),
        HTTP_ACCEPT_LANGUAGE="es",
    )
    matter.refresh_from_db()
    assert matter.jurisdiction == court and matter.file_under_pseudonym
    page = client.get(
        reverse("cases:matter_history", args=[matter.pk]), HTTP_ACCEPT_LANGUAGE="es"
    ).text
    assert "Historial de" in page and "Antes" in page and "Después" in page
    assert "Immigration Court NY" in page
    assert "Sí" in page  # the flag, as a reader says it


def test_a_reader_gets_403_an_outsider_404_and_nothing_changes(
    matter, paralegal, outsider, client_for
):
    access_grant(user=paralegal.user, obj=matter, actions=("view",))
    before = database_state()
    reader = client_for(paralegal)
    assert reader.get(reverse("cases:detail", args=[matter.pk])).status_code == 200
    assert reader.get(edit_url(matter)).status_code == 403
    assert reader.post(edit_url(matter), posted(matter, receipt_number="X1")).status_code == 403
    stranger = client_for(outsider)
    assert stranger.post(edit_url(matter), posted(matter, receipt_number="X2")).status_code == 404
    assert stranger.get(reverse("cases:matter_history", args=[matter.pk])).status_code == 404
    after = database_state()
    for table in ("cases.matter", "aftercare.fieldchange"):
        assert after[table] == before[table]
    # The reader sees the history of the matter they read.
    page = reader.get(reverse("cases:matter_history", args=[matter.pk]))
    assert page.status_code == 200


def test_if_the_audit_write_fails_nothing_changes(matter, monkeypatch):
    audit_writes_fail(monkeypatch)
    with pytest.raises(AuditWriteError):
        matter_edit(actor=lead_actor(matter), matter=matter, receipt_number=NEW_RECEIPT)
    assert Matter.objects.get(pk=matter.pk).receipt_number == OLD_RECEIPT
    assert not FieldChange.objects.exists()


def test_receipt_and_case_numbers_are_never_in_plaintext_in_history_or_audit(matter):
    canary_old, canary_new = "CANARYCASE0001", "CANARYCASE0002"
    actor = lead_actor(matter)
    matter_edit(actor=actor, matter=matter, case_number=canary_old)
    matter_edit(actor=actor, matter=matter, case_number=canary_new)
    assert FieldChange.objects.filter(field="case_number").count() == 2
    for canary in (canary_old, canary_new, OLD_RECEIPT):
        assert tables_containing(canary) == []
    # Readable (decrypted) only in the matter itself and its history, never the audit trail.
    tables = {hit.table for hit in readable_hits(canary_old)}
    assert tables == {"aftercare_fieldchange"}
    assert {hit.table for hit in readable_hits(canary_new)} == {
        "aftercare_fieldchange",
        "cases_matter",
    }


def test_the_lead_attorney_is_an_attorney_of_the_organization_never_a_volunteer(
    matter, harbor, attorney, paralegal, client_for
):
    volunteer = make_volunteer(harbor)  # a volunteer attorney: an attorney, not staff
    access_grant(user=volunteer.user, obj=matter, actions=("view", "change"))  # assigned
    client = client_for(attorney)
    response = client.post(edit_url(matter), posted(matter, lead_attorney=str(paralegal.user_id)))
    assert "Choose one of the organization&#x27;s staff attorneys in the list." in response.text
    # A volunteer is not offered in the list, so not accepted from it either.
    response = client.post(edit_url(matter), posted(matter, lead_attorney=str(volunteer.user_id)))
    assert response.status_code == 200
    assert "Choose one of the organization&#x27;s staff attorneys in the list." in response.text
    assert Matter.objects.get(pk=matter.pk).lead_attorney == attorney.user


def test_an_attorney_passes_the_lead_within_the_team_a_coordinator_to_anyone(
    matter, harbor, attorney, coordinator, client_for
):
    colleague = MembershipFactory(organization=harbor, role=Role.ATTORNEY)
    response = client_for(attorney).post(
        edit_url(matter), posted(matter, lead_attorney=str(colleague.user_id))
    )
    assert "not on the matter&#x27;s team" in response.text
    assert Matter.objects.get(pk=matter.pk).lead_attorney == attorney.user

    client_for(coordinator).post(
        edit_url(matter), posted(matter, lead_attorney=str(colleague.user_id))
    )
    matter.refresh_from_db()
    assert matter.lead_attorney == colleague.user
    # The new lead joined the team; the previous one stays on it.
    assert client_for(colleague).get(reverse("cases:detail", args=[matter.pk])).status_code == 200
    assert client_for(attorney).get(reverse("cases:detail", args=[matter.pk])).status_code == 200
    change = FieldChange.objects.get(field="lead_attorney")
    assert (change.old_value, change.new_value) == (
        attorney.user.full_name,
        colleague.user.full_name,
    )
    assert not change.personal


def test_the_history_page_keeps_a_constant_number_of_queries(
    matter, attorney, client_for, django_assert_max_num_queries
):
    client = client_for(attorney)
    url = reverse("cases:matter_history", args=[matter.pk])
    actor = actor_of(attorney)

    def changes(n):
        for i in range(n):
            matter_edit(actor=actor, matter=matter, case_number=f"C-{i}-{n}")

    changes(2)
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    changes(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).text.count("C-29-30") == 1


def test_after_the_pseudonym_flag_is_set_new_documents_follow_it_earlier_ones_stay(
    harbor, attorney, client_for
):
    from cases.models import DocumentVersion
    from tests.cases.test_documents import pdf_text, start_and_generate
    from tests.factories import make_survivor

    client_record = make_survivor(harbor, legal_name="Marisol Quintanilla Reyes")
    matter = make_matter(harbor, lead=attorney.user, client=client_record)
    client = client_for(attorney)
    start_and_generate(client, matter)
    first = DocumentVersion.objects.get()
    assert "Quintanilla" in pdf_text(first)

    client.post(edit_url(matter), posted(matter, file_under_pseudonym="on"))
    assert Matter.objects.get(pk=matter.pk).file_under_pseudonym
    start_and_generate(client, Matter.objects.get(pk=matter.pk), pseudonym="M.Q.")
    later = DocumentVersion.objects.latest("id")
    assert later.pk != first.pk
    assert "Quintanilla" not in pdf_text(later) and "M.Q." in pdf_text(later)
    assert "Quintanilla" in pdf_text(DocumentVersion.objects.get(pk=first.pk)), "kept as made"
