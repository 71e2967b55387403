"""After "Generate" the page says where the PDF stands: queued, rendering, ready, or
failed with the reason; a worker that is down or died is noticed within a bounded time
and the paralegal can ask again. Templates are listed by their names, not their codes."""

import html as html_text
import json
import re
from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from aftercare.models import AuditEvent
from cases.models import DocumentDraft, DocumentVersion
from cases.services import documents as document_services
from tests.cases.test_documents import FIELDS, matter  # noqa: F401  (fixture)
from tests.cases.test_pdf_scripts import UNPRINTABLE
from tests.clockwork import NEW_YORK

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 12, 3, 12, 0, tzinfo=NEW_YORK)


def status_of(client, draft) -> tuple[str, str]:
    """The progress the page is told, and the words of its live region."""
    html = client.get(reverse("cases:document_status", args=[draft.pk])).text
    progress = re.search(r'data-progress="(\w+)"', html).group(1)
    region = re.search(r'<div id="document-status"[^>]*>(.*?)</div>', html, re.S).group(1)
    return progress, html_text.unescape(" ".join(re.sub(r"<[^>]+>", " ", region).split()))


def start(client, matter, **fields):  # noqa: F811
    client.post(reverse("cases:documents", args=[matter.pk]), {"template": "survivor_declaration"})
    draft = DocumentDraft.objects.latest("id")
    client.post(
        reverse("cases:document_draft", args=[draft.pk]), {**FIELDS, **fields, "generate": "1"}
    )
    return draft


def work(draft):
    """What the worker does with the task it was given (a real worker in CI)."""
    return document_services.document_render_run(draft_id=draft.pk, user_id=draft.created_by_id)


@pytest.mark.time_machine(NOON, tick=False)
def test_after_generate_the_previous_version_is_not_shown_as_ready(
    matter,  # noqa: F811
    attorney,
    client_for,
):
    client = client_for(attorney)
    draft = start(client, matter)
    work(draft)
    client.post(reverse("cases:document_draft", args=[draft.pk]), {**FIELDS, "generate": "1"})
    progress, words = status_of(client, draft)
    assert progress == "queued" and "Queued" in words and "ready" not in words
    page = client.get(reverse("cases:document_draft", args=[draft.pk])).text
    assert "version 1 stays available" in page

    # The worker takes it: its claim is what the page reports next.
    DocumentDraft.objects.filter(pk=draft.pk).update(status="rendering")
    assert status_of(client, draft)[0] == "rendering"
    DocumentDraft.objects.filter(pk=draft.pk).update(status="generating")

    work(draft)
    progress, words = status_of(client, draft)
    assert progress == "idle" and "Version 2 is ready" in words


def test_a_worker_that_does_not_answer_is_noticed_and_the_paralegal_can_ask_again(
    matter,  # noqa: F811
    attorney,
    client_for,
    time_machine,
):
    time_machine.move_to(NOON, tick=False)
    client = client_for(attorney)
    draft = start(client, matter)  # the worker is down: nobody takes the task
    assert status_of(client, draft)[0] == "queued"
    time_machine.move_to(NOON + DocumentDraft.QUEUE_PATIENCE + timedelta(seconds=1), tick=False)
    progress, words = status_of(client, draft)
    assert progress == "stalled" and "did not answer" in words
    page = client.get(reverse("cases:document_draft", args=[draft.pk])).text
    retry = reverse("cases:document_retry", args=[draft.pk])
    assert f'action="{retry}"' in page and "Try again" in page

    requested = AuditEvent.objects.filter(action="cases.document.generation_requested").count()
    assert client.post(retry).status_code == 302
    assert status_of(client, draft)[0] == "queued"
    assert (
        AuditEvent.objects.filter(action="cases.document.generation_requested").count()
        == requested + 1
    )
    # The worker is back: the first task renders, the second finds nothing to do.
    assert work(draft) is not None and work(draft) is None
    assert status_of(client, draft)[0] == "idle"
    assert DocumentVersion.objects.count() == 1
    assert DocumentDraft.objects.get(pk=draft.pk).fields["bar_number"] == "NY-5551234"


def test_a_render_whose_worker_died_is_noticed_and_its_redelivery_takes_it(
    matter,  # noqa: F811
    attorney,
    client_for,
    time_machine,
):
    time_machine.move_to(NOON, tick=False)
    client = client_for(attorney)
    draft = start(client, matter)
    # A worker claimed it and was killed mid-render.
    DocumentDraft.objects.filter(pk=draft.pk).update(status="rendering", status_changed_at=NOON)
    assert work(draft) is None, "a render under way is not taken twice"
    time_machine.move_to(NOON + DocumentDraft.RENDER_PATIENCE + timedelta(seconds=1), tick=False)
    assert status_of(client, draft)[0] == "stalled"
    assert work(draft) is not None, "the redelivered task takes over"
    assert status_of(client, draft)[0] == "idle"


def test_a_statement_no_font_can_print_is_refused_at_generate_naming_field_and_place(
    matter,  # noqa: F811
    attorney,
    client_for,
    django_capture_on_commit_callbacks,
):
    client = client_for(attorney)
    client.post(reverse("cases:documents", args=[matter.pk]), {"template": "survivor_declaration"})
    draft = DocumentDraft.objects.get()
    typed = f"I came in 2019.\r\n\r\nMy name in my script: {UNPRINTABLE}."
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(
            reverse("cases:document_draft", args=[draft.pk]),
            {**FIELDS, "paragraphs": typed, "generate": "1"},
        )
    assert response.status_code == 200 and queued == [], "nothing queued"
    page = html_text.unescape(response.text)
    assert "“Statement”, line 3, character 23: U+18B00 KHITAN SMALL SCRIPT CHARACTER-18B00" in page
    assert "(3 characters in this field cannot be printed.)" in page
    assert f"My name in my script: {UNPRINTABLE}." in page, "the form keeps what was typed"
    draft.refresh_from_db()
    assert draft.status == "editing" and UNPRINTABLE in draft.fields["paragraphs"]
    assert not AuditEvent.objects.filter(action="cases.document.generation_requested").exists()


def test_the_worker_still_refuses_a_statement_no_font_can_print(
    matter,  # noqa: F811
    attorney,
    client_for,
):
    client = client_for(attorney)
    draft = start(client, matter)
    # Typed by another route than the form (an older draft, a retry after fonts changed).
    fields = {**draft.fields, "paragraphs": f"My name in my script: {UNPRINTABLE}."}
    DocumentDraft.objects.filter(pk=draft.pk).update(fields_json=json.dumps(fields))
    assert work(draft) is None
    draft.refresh_from_db()
    assert draft.status == "failed" and not DocumentVersion.objects.exists()
    progress, words = status_of(client, draft)
    assert progress == "failed" and "ready" not in words
    assert "“Statement”" in words and "U+18B00 KHITAN SMALL SCRIPT CHARACTER-18B00" in words
    failed = AuditEvent.objects.get(action="cases.document.generation_failed")
    assert failed.payload["reason"] == "unprintable_characters"
    assert UNPRINTABLE[0] not in str(failed.payload)


def test_a_client_name_no_font_can_print_fails_naming_the_name(
    harbor,
    attorney,
    client_for,
):
    from tests.factories import make_matter, make_survivor

    client_record = make_survivor(harbor, legal_name=f"Ana {UNPRINTABLE}")
    matter = make_matter(harbor, lead=attorney.user, client=client_record)  # noqa: F811
    client = client_for(attorney)
    draft = start(client, matter)
    assert work(draft) is None
    progress, words = status_of(client, draft)
    assert progress == "failed" and "the client's name" in words


def test_the_draft_page_polls_by_a_script_file_and_keeps_one_live_region(
    matter,  # noqa: F811
    attorney,
    client_for,
):
    client = client_for(attorney)
    draft = start(client, matter)
    response = client.get(reverse("cases:document_draft", args=[draft.pk]))
    page = response.text
    assert 'src="/static/js/document_status.js"' in page
    assert "<script>" not in page and " on" + "click=" not in page  # nothing inline
    assert page.count('aria-live="polite"') == 1
    assert "script-src 'self'" in response["Content-Security-Policy"]
    status = client.get(reverse("cases:document_status", args=[draft.pk]))
    assert "no-store" in status["Cache-Control"]


def test_the_documents_list_shows_names_in_the_readers_language(
    matter,  # noqa: F811
    attorney,
    client_for,
):
    client = client_for(attorney)
    draft = start(client, matter)
    work(draft)
    page = client.get(reverse("cases:documents", args=[matter.pk])).text
    drafts = page[page.index('id="drafts-heading"') :]
    assert "Survivor declaration under penalty of perjury" in drafts
    assert "survivor_declaration" not in drafts.replace('value="survivor_declaration"', "")
    client.cookies["django_language"] = "es"
    page = client.get(reverse("cases:documents", args=[matter.pk]), HTTP_ACCEPT_LANGUAGE="es").text
    assert "Declaración" in page and "survivor_declaration ·" not in page


def test_the_preview_cannot_show_a_statement_reversed(
    matter,  # noqa: F811
    attorney,
    client_for,
):
    client = client_for(attorney)
    client.post(reverse("cases:documents", args=[matter.pk]), {"template": "survivor_declaration"})
    draft = DocumentDraft.objects.get()
    client.post(
        reverse("cases:document_draft", args=[draft.pk]),
        {**FIELDS, "paragraphs": "I never said: \u202eemit lla krow lliw I\u202c."},
    )
    page = client.get(reverse("cases:document_preview", args=[draft.pk])).text
    assert "\u202e" not in page and "emit lla krow lliw I" in page


def test_a_failure_is_reported_in_the_language_the_paralegal_asked_in(
    matter,  # noqa: F811
    attorney,
    client_for,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    from celery.app.task import Task

    from cases.tasks import document_render

    sent = []
    monkeypatch.setattr(
        Task, "apply_async", lambda self, args=None, kwargs=None, **options: sent.append(args)
    )
    client = client_for(attorney)
    client.cookies["django_language"] = "es"
    with django_capture_on_commit_callbacks(execute=True):
        draft = start(client, matter)
    [args] = sent
    assert args == (draft.pk, attorney.user_id, "es")  # ids and a language code only
    fields = {**draft.fields, "paragraphs": f"Mi nombre: {UNPRINTABLE}."}
    DocumentDraft.objects.filter(pk=draft.pk).update(fields_json=json.dumps(fields))
    document_render(*args)  # what the worker runs
    progress, words = status_of(client, draft)
    assert progress == "failed"
    assert "No se generó nada" in words and "“Exposición de los hechos”" in words


def test_the_refusal_at_generate_is_in_spanish_for_a_spanish_reader(
    matter,  # noqa: F811
    attorney,
    client_for,
):
    client = client_for(attorney)
    client.cookies["django_language"] = "es"
    client.post(reverse("cases:documents", args=[matter.pk]), {"template": "survivor_declaration"})
    draft = DocumentDraft.objects.get()
    response = client.post(
        reverse("cases:document_draft", args=[draft.pk]),
        {**FIELDS, "paragraphs": f"Mi nombre: {UNPRINTABLE}.", "generate": "1"},
    )
    page = html_text.unescape(response.text)
    assert "“Exposición de los hechos”, línea 1, carácter 12: ninguna fuente" in page
    assert "imprimir U+18B00 KHITAN SMALL SCRIPT" in page
    assert f"Mi nombre: {UNPRINTABLE}." in page
