"""The interpreters of a matter: recorded from its page (their own details, not the
client's), corrected, removed, audited without their name; a double click makes one;
encrypted at rest; erased with the client's matter data."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from aftercare.access import access_grant
from aftercare.models import AuditEvent
from cases.models import Interpreter
from cases.services.documents import document_translation_start
from cases.services.interpreters import interpreter_add, interpreter_edit, interpreter_remove
from tests.actors import actor_of, lead_actor
from tests.cases.test_services_take_an_actor import (
    Case,
    run_from_a_task,
    run_rolled_back_when_audit_fails,
)
from tests.cases.test_services_take_an_actor import world as world
from tests.factories import make_matter

pytestmark = pytest.mark.django_db

TYPED = {
    "name": "Almaz  Tesfaye",
    "language": "ti",
    "qualification": "agency_certified",
    "organization": "Horn of Africa Language Services",
    "phone": "+1 212 555 0142",
    "email": "almaz@example.org",
}


@pytest.fixture
def matter(harbor, attorney):
    return make_matter(harbor, lead=attorney.user, sub_kind="t_visa")


def words(response) -> str:
    """The page as a person reads it: no tags, one space between words."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def add(client, matter, **data):
    return client.post(reverse("cases:interpreter_add", args=[matter.pk]), data)


def test_the_attorney_records_an_interpreter_from_the_matter_page(matter, attorney, client_for):
    from tests.canary import tables_containing

    client = client_for(attorney)
    page = client.get(reverse("cases:detail", args=[matter.pk])).text
    assert "Record an interpreter" in page and "No interpreter recorded." in page
    response = add(client, matter, **TYPED, submission_token="I" * 24)
    assert response.status_code == 302 and response.url.endswith("#interpreters")
    page = words(client.get(response.url))
    assert "Almaz Tesfaye · Tigrinya · ትግርኛ · Certified by an agency or association" in page
    assert "almaz@example.org" in page
    event = AuditEvent.objects.get(action="cases.interpreter.added")
    assert event.payload == {"interpreter": Interpreter.objects.get().pk, "language": "ti"}
    assert tables_containing("Almaz Tesfaye") == [], "encrypted at rest"
    assert tables_containing("almaz@example.org") == []


def test_in_spanish_the_section_and_the_languages_read_in_spanish(matter, attorney, client_for):
    client = client_for(attorney)
    client.cookies["django_language"] = "es"
    add(client, matter, **{**TYPED, "language": "es"})
    page = words(client.get(reverse("cases:detail", args=[matter.pk])))
    assert "Intérpretes" in page and "Español · Español" in page
    assert "Certificado/a por una agencia o asociación" in page


def test_a_double_click_records_one_interpreter(matter, attorney, client_for):
    client = client_for(attorney)
    data = {**TYPED, "submission_token": "T" * 24}
    first, second = add(client, matter, **data), add(client, matter, **data)
    assert Interpreter.objects.count() == 1
    assert second.status_code == 302 and second.url == first.url
    # Without a token (a retried request by a script), the same details are one row too.
    interpreter_add(actor=lead_actor(matter), matter=matter, **{**TYPED, "name": "Almaz Tesfaye"})
    assert Interpreter.objects.count() == 1


def test_bad_input_is_a_message_and_what_was_typed_stays(matter, attorney, client_for):
    response = add(client_for(attorney), matter, **{**TYPED, "email": "almaz at example"})
    assert response.status_code == 200
    page = html.unescape(response.text)
    assert "Enter a valid email address." in page and 'value="Almaz  Tesfaye"' in page
    assert not Interpreter.objects.exists()


def test_a_name_no_font_can_print_is_refused_where_it_is_typed(matter, attorney, client_for):
    response = add(client_for(attorney), matter, **{**TYPED, "name": "Ana \U00018b00"})
    assert response.status_code == 200 and not Interpreter.objects.exists()
    assert "Character 5 (U+18B00 KHITAN SMALL SCRIPT CHARACTER-18B00) cannot be printed" in (
        words(response)
    )


def test_corrected_and_removed_with_events_that_name_no_one(matter, attorney, client_for):
    interpreter = interpreter_add(actor=lead_actor(matter), matter=matter, **TYPED)
    client = client_for(attorney)
    edit = reverse("cases:interpreter_edit", args=[interpreter.pk])
    assert 'value="Horn of Africa Language Services"' in client.get(edit).text
    client.post(edit, {**TYPED, "qualification": "court_certified", "phone": ""})
    interpreter.refresh_from_db()
    assert (interpreter.qualification, interpreter.phone) == ("court_certified", "")
    edited = AuditEvent.objects.get(action="cases.interpreter.edited")
    assert edited.payload["fields"] == ["phone", "qualification"]
    client.post(reverse("cases:interpreter_remove", args=[interpreter.pk]))
    assert not Interpreter.objects.exists()
    for event in AuditEvent.objects.filter(action__startswith="cases.interpreter"):
        assert "Almaz" not in str(event.payload) and "555" not in str(event.payload)


def test_a_reader_sees_the_list_but_no_form_and_cannot_change(
    matter, attorney, paralegal, outsider, client_for
):
    interpreter = interpreter_add(actor=lead_actor(matter), matter=matter, **TYPED)
    access_grant(user=paralegal.user, obj=matter, actions=("view",))
    reader, stranger = client_for(paralegal), client_for(outsider)
    page = reader.get(reverse("cases:detail", args=[matter.pk])).text
    assert "Almaz Tesfaye" in page and "Record an interpreter" not in page
    assert add(reader, matter, **TYPED).status_code == 403
    remove = reverse("cases:interpreter_remove", args=[interpreter.pk])
    assert reader.post(remove).status_code == 403
    assert stranger.post(remove).status_code == 404
    assert Interpreter.objects.count() == 1


def test_the_matter_page_reads_as_many_queries_with_more_interpreters(matter, attorney, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(attorney)
    url = reverse("cases:detail", args=[matter.pk])
    interpreter_add(actor=lead_actor(matter), matter=matter, **TYPED)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(5):
        interpreter_add(actor=lead_actor(matter), matter=matter, **{**TYPED, "name": f"I {n}"})
    with CaptureQueriesContext(connection) as six:
        client.get(url)
    assert len(six.captured_queries) == len(one.captured_queries)


def test_erasure_removes_the_interpreters_and_says_so(matter, coordinator):
    from survivors.services.retention import survivor_erase

    interpreter_add(actor=lead_actor(matter), matter=matter, **TYPED)
    report = survivor_erase(actor=actor_of(coordinator), survivor=matter.client)
    assert report.audit_payload()["wiped"]["cases.interpreters"] == 1
    assert not Interpreter.objects.exists()


def test_another_organizations_matter_is_not_found(harbor, outsider, client_for):
    other = make_matter(outsider.organization, lead=outsider.user)
    assert add(client_for(outsider), other, **TYPED).status_code == 302  # their own: fine


def _recorded(w) -> None:
    w.interpreter = interpreter_add(actor=lead_actor(w.matter), matter=w.matter, **TYPED)


def _declaration(w) -> None:
    from cases.services.documents import document_draft_start

    w.draft = document_draft_start(
        actor=lead_actor(w.matter), matter=w.matter, template_code="survivor_declaration"
    )


INTERPRETER_CASES = {
    "interpreter_add": Case(
        "attorney",
        "cases.interpreter.added",
        lambda w, a: interpreter_add(actor=a, matter=w.matter, **TYPED),
    ),
    "interpreter_edit": Case(
        "attorney",
        "cases.interpreter.edited",
        lambda w, a: interpreter_edit(actor=a, interpreter=w.interpreter, phone=""),
        prepare=_recorded,
    ),
    "interpreter_remove": Case(
        "attorney",
        "cases.interpreter.removed",
        lambda w, a: interpreter_remove(actor=a, interpreter=w.interpreter),
        prepare=_recorded,
    ),
    "document_translation_start": Case(
        "attorney",
        "cases.document.translation_started",
        lambda w, a: document_translation_start(actor=a, draft=w.draft, language="es"),
        prepare=_declaration,
    ),
}


@pytest.mark.parametrize("name", INTERPRETER_CASES)
def test_a_failed_audit_write_leaves_the_interpreters_as_they_were(world, name, monkeypatch):
    run_rolled_back_when_audit_fails(world, INTERPRETER_CASES[name], monkeypatch)


@pytest.mark.parametrize("name", INTERPRETER_CASES)
def test_an_interpreter_change_from_a_task_says_worker(world, name):
    run_from_a_task(world, INTERPRETER_CASES[name])
