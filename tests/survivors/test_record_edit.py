"""Correcting a finished survivor record: who may, what the history and the audit trail
keep, what a search finds afterwards, and what a partner sees of the history."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from aftercare.access import access_grant
from aftercare.history import FieldChange
from aftercare.models import AuditEvent
from survivors.models import Consent, Purpose, Survivor, SurvivorShare
from survivors.services.record import survivor_record_correct
from survivors.services.sharing import survivor_access_refresh
from tests.actors import actor_of
from tests.canary import readable_hits, tables_containing
from tests.database_state import AuditWriteError, audit_writes_fail, database_state
from tests.factories import MembershipFactory, make_survivor

pytestmark = pytest.mark.django_db

OLD_NAME = "Nadia Petrenko"
NEW_NAME = "Oksana Kovalenko"


@pytest.fixture
def record(safehaven, intake_worker):
    """A finished Safe Haven record, as intake left it."""
    return make_survivor(
        safehaven,
        by=intake_worker.user,
        legal_name=OLD_NAME,
        date_of_birth=date(1994, 5, 17),
        languages="Ukrainian",
        nationality="Ukrainian",
        safety_situation="Former employer searches for her",
        safe_location="Room 4, 12 Hidden Lane",
        needs=["shelter", "legal"],
        trafficking_kinds=["labor"],
        aliases=["Sana"],
    )


def edit_url(survivor):
    return reverse("survivors:record_edit", args=[survivor.pk])


def history_url(survivor):
    return reverse("survivors:history", args=[survivor.pk])


def posted(survivor, **changes):
    """What the browser sends for the form: every field as shown, with the changes."""
    data = {
        "legal_name": survivor.legal_name,
        "preferred_name": survivor.preferred_name,
        "aliases": "\r\n".join(a.name for a in survivor.aliases.order_by("pk")),
        "date_of_birth": survivor.date_of_birth.isoformat() if survivor.date_of_birth else "",
        "gender": survivor.gender,
        "country_of_origin": survivor.country_of_origin,
        "nationality": survivor.nationality,
        "languages": survivor.languages,
        "safety_situation": survivor.safety_situation.replace("\n", "\r\n"),
        "trafficking_kinds": survivor.trafficking_kinds,
        "indicators": survivor.indicators,
        "needs": survivor.needs,
    }
    if survivor.interpreter_needed:
        data["interpreter_needed"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _search(name):
    return set(Survivor.objects.matching(name=name).values_list("pk", flat=True))


def test_the_intake_worker_corrects_the_name_and_the_history_says_from_what(
    record, intake_worker, client_for
):
    client = client_for(intake_worker)
    assert client.get(edit_url(record)).status_code == 200
    response = client.post(
        edit_url(record),
        posted(record, legal_name=NEW_NAME, languages="Ukrainian, Russian", needs=["legal"]),
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.legal_name, record.languages, record.needs) == (
        NEW_NAME,
        "Ukrainian, Russian",
        ["legal"],
    )
    changes = {c.field: (c.old_value, c.new_value) for c in FieldChange.objects.of(record)}
    assert changes == {
        "legal_name": (OLD_NAME, NEW_NAME),
        "languages": ("Ukrainian", "Ukrainian, Russian"),
        "needs": ("legal, shelter", "legal"),
    }
    assert all(c.personal and c.actor == intake_worker.user for c in FieldChange.objects.all())
    event = AuditEvent.objects.get(action="survivors.survivor.corrected")
    assert event.payload["fields"] == ["languages", "legal_name", "needs"]
    assert OLD_NAME not in str(event.payload) and NEW_NAME not in str(event.payload)

    page = client.get(history_url(record)).text
    assert OLD_NAME in page and NEW_NAME in page and "Ukrainian, Russian" in page
    assert "Shelter, Legal help" in page or "Legal help, Shelter" in page, "needs by name"
    assert intake_worker.user.full_name in page


def test_a_new_name_is_found_the_old_one_is_not_unless_kept_as_an_alias(
    record, intake_worker, client_for
):
    client = client_for(intake_worker)
    client.post(edit_url(record), posted(record, legal_name=NEW_NAME))
    assert _search(NEW_NAME) == {record.pk}
    assert _search(OLD_NAME) == set(), "the corrected name was a mistake: it finds nothing"
    assert _search("Sana") == {record.pk}, "the aliases stay"
    record.refresh_from_db()
    assert record.initials == "O.K."

    # Known by the old name too: kept among the other names used, it finds the record.
    client.post(edit_url(record), posted(record, aliases=f"Sana\r\n{OLD_NAME}"))
    assert _search(OLD_NAME) == {record.pk}
    change = FieldChange.objects.get(field="aliases")
    assert (change.old_value, change.new_value) == ("Sana", f"{OLD_NAME}, Sana")


def test_saving_the_form_unchanged_writes_no_history_and_no_event(
    record, intake_worker, client_for
):
    response = client_for(intake_worker).post(edit_url(record), posted(record))
    assert response.status_code == 302
    assert not FieldChange.objects.exists(), "\\r\\n from the browser is not a change"
    assert not AuditEvent.objects.filter(action="survivors.survivor.corrected").exists()


def test_a_wrong_date_keeps_everything_typed_also_in_spanish(record, intake_worker, client_for):
    client = client_for(intake_worker)
    typed = posted(
        record,
        legal_name=NEW_NAME,
        date_of_birth="1994-13-45",
        safety_situation="Line one\r\nLine two",
    )
    response = client.post(edit_url(record), typed, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert "Introduzca una fecha válida" in response.text
    assert "Corregir el registro" in response.text
    assert 'value="1994-13-45"' in response.text and NEW_NAME in response.text
    assert "Line one\r\nLine two" in response.text or "Line one\nLine two" in response.text
    assert Survivor.objects.get(pk=record.pk).legal_name == OLD_NAME

    # The date as a Spanish browser sends it from the date picker: ISO, as everywhere.
    response = client.post(
        edit_url(record), {**typed, "date_of_birth": "1995-05-17"}, HTTP_ACCEPT_LANGUAGE="es"
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.date_of_birth == date(1995, 5, 17)
    assert record.safety_situation == "Line one\nLine two"
    page = client.get(history_url(record), HTTP_ACCEPT_LANGUAGE="es").text
    assert "Historial de" in page and "Antes" in page
    assert "17 de mayo de 1995" in page and "17 de mayo de 1994" in page


def test_a_future_birth_date_is_refused_beside_the_field(record, intake_worker, client_for):
    response = client_for(intake_worker).post(
        edit_url(record), posted(record, date_of_birth=f"{timezone.localdate().year + 1}-01-01")
    )
    assert response.status_code == 200
    assert not FieldChange.objects.exists()


def test_a_reader_gets_403_an_outsider_404_and_nothing_changes(
    record, safehaven, outsider, partner_coordinator, client_for
):
    reader = MembershipFactory(organization=safehaven, role="paralegal")
    access_grant(user=reader.user, obj=record, actions=("view",))
    before = database_state()
    client = client_for(reader)
    assert client.get(reverse("survivors:detail", args=[record.pk])).status_code == 200
    assert client.get(edit_url(record)).status_code == 403
    assert client.post(edit_url(record), posted(record, legal_name="X")).status_code == 403
    stranger = client_for(outsider)
    assert stranger.post(edit_url(record), posted(record, legal_name="Y")).status_code == 404
    assert stranger.get(history_url(record)).status_code == 404
    after = database_state()
    for table in ("survivors.survivor", "aftercare.fieldchange", "survivors.survivortoken"):
        assert after[table] == before[table]
    assert client.get(history_url(record)).status_code == 200, "a reader reads the history"


def test_if_the_audit_write_fails_nothing_changes(record, intake_worker, monkeypatch):
    tokens = set(record.tokens.values_list("token", flat=True))
    audit_writes_fail(monkeypatch)
    with pytest.raises(AuditWriteError):
        survivor_record_correct(
            actor=actor_of(intake_worker), survivor=record, data={"legal_name": NEW_NAME}
        )
    stored = Survivor.objects.get(pk=record.pk)
    assert stored.legal_name == OLD_NAME
    assert not FieldChange.objects.exists()
    assert set(stored.tokens.values_list("token", flat=True)) == tokens
    assert _search(OLD_NAME) == {record.pk}


def test_old_and_new_values_are_never_in_plaintext_in_history_or_audit(record, intake_worker):
    old, new = "Qxoldcanaryz", "Qxnewcanaryz"
    actor = actor_of(intake_worker)
    survivor_record_correct(actor=actor, survivor=record, data={"nationality": old})
    survivor_record_correct(
        actor=actor, survivor=record, data={"nationality": new}, aliases=[f"{old} Alias"]
    )
    assert FieldChange.objects.filter(field="nationality").count() == 2
    for canary in (old, new):
        assert tables_containing(canary) == []
    assert {hit.table for hit in readable_hits(old)} == {
        "aftercare_fieldchange",
        "survivors_survivoralias",
    }
    assert {hit.table for hit in readable_hits(new)} == {
        "aftercare_fieldchange",
        "survivors_survivor",
    }


@pytest.fixture
def shared_with_harbor(record, harbor, intake_worker):
    """Harbor sees the record under a consent for identity only."""
    consent = Consent.objects.create(
        survivor=record,
        recipient=harbor,
        purpose=Purpose.LEGAL_REPRESENTATION,
        categories=["identity"],
        method=Consent.Method.WRITTEN,
        given_on=timezone.localdate(),
        recorded_by=intake_worker.user,
    )
    SurvivorShare.objects.create(survivor=record, organization=harbor, consent=consent)
    survivor_access_refresh(survivor=record, organization_id=harbor.pk)
    return record


def test_a_partner_sees_only_the_values_of_the_categories_consented(
    shared_with_harbor, intake_worker, coordinator, client_for
):
    record = shared_with_harbor
    survivor_record_correct(
        actor=actor_of(intake_worker),
        survivor=record,
        data={
            "languages": "Ukrainian, English",
            "safety_situation": "Moved; the employer lost track",
            "needs": ["legal"],
        },
    )
    client = client_for(coordinator)
    assert client.get(edit_url(record)).status_code == 403, "never changed by a partner"
    page = client.get(history_url(record)).text
    assert "Ukrainian, English" in page, "identity is consented"
    assert "employer" not in page, "safety is not: neither the old nor the new value"
    assert "Shelter" not in page, "nor are needs"
    assert page.count("Changed (you may not see this field)") == 2

    # The recording organization sees every value.
    own = client_for(intake_worker).get(history_url(record)).text
    assert "Moved; the employer lost track" in own and "Changed (you may not" not in own


def test_erasure_wipes_the_values_and_keeps_who_changed_what_when(record, intake_worker):
    from survivors.services.retention import survivor_erase

    survivor_record_correct(
        actor=actor_of(intake_worker), survivor=record, data={"legal_name": NEW_NAME}
    )
    coordinator = MembershipFactory(organization=record.organization, role="coordinator")
    report = survivor_erase(actor=actor_of(coordinator), survivor=record)
    (change,) = FieldChange.objects.of(record)
    assert (change.field, change.old_value, change.new_value) == ("legal_name", "", "")
    assert change.actor == intake_worker.user
    assert readable_hits(NEW_NAME) == set() and readable_hits(OLD_NAME) == set()
    codes = {w.code for r in report.reports for w in r.wiped}
    assert "survivors.history_values" in codes


def test_the_history_page_keeps_a_constant_number_of_queries(
    record, intake_worker, client_for, django_assert_max_num_queries
):
    client = client_for(intake_worker)
    url = history_url(record)
    actor = actor_of(intake_worker)

    def changes(n):
        for i in range(n):
            survivor_record_correct(
                actor=actor, survivor=record, data={"languages": f"Lang-{i}-{n}"}
            )

    changes(2)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    changes(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).text.count("Lang-29-30") == 1


def test_a_draft_is_continued_in_intake_not_corrected_here(safehaven, intake_worker, client_for):
    draft = make_survivor(safehaven, by=intake_worker.user, status=Survivor.Status.DRAFT)
    response = client_for(intake_worker).get(edit_url(draft))
    assert response.status_code == 302
    assert response.url == reverse("survivors:intake_review", args=[draft.pk])


def test_correcting_through_the_intake_steps_keeps_the_history_too_but_not_the_safe_house(
    record, intake_worker, client_for
):
    client = client_for(intake_worker)
    client.post(
        reverse("survivors:intake_step", args=[record.pk, 3]),
        {"safety_situation": "Safe now", "safe_location": "Room 7, 3 Other Lane"},
    )
    record.refresh_from_db()
    assert record.safe_location == "Room 7, 3 Other Lane"
    fields = set(FieldChange.objects.of(record).values_list("field", flat=True))
    assert fields == {"safety_situation"}
    assert readable_hits("Other Lane") == {
        h for h in readable_hits("Other Lane") if h.table == "survivors_survivor"
    }


def test_the_demo_has_a_corrected_survivor_whom_harbor_sees_the_history_of(client_for):
    from aftercare.models import Membership

    call_command("seed_demo", stdout=io.StringIO())
    (change,) = FieldChange.objects.filter(object_type="survivors.survivor")
    assert change.field == "languages" and change.new_value.endswith("English (basic)")
    survivor = Survivor.objects.get(pk=change.object_id)
    harbor = Membership.objects.get(user__email="coordinator@harbor.example")
    page = client_for(harbor).get(history_url(survivor)).text
    assert "English (basic)" in page, "a partner whose consent covers identity sees it"
    call_command("seed_demo", stdout=io.StringIO())
    assert FieldChange.objects.filter(object_type="survivors.survivor").count() == 1
