"""Documents from a matter: fields fill from the record, the pseudonym promise holds, a failed
render keeps the draft, and every version is kept with who made it and from what."""

import io
import json

import pytest
from django.urls import reverse
from pypdf import PdfReader

from aftercare.models import AuditEvent
from cases.documents.registry import TEMPLATES
from cases.documents.renderer import RenderError
from cases.models import DocumentDraft, DocumentVersion
from cases.services import documents as document_services
from survivors.models import SafeContact
from tests.factories import make_matter, make_survivor

pytestmark = pytest.mark.django_db

FIELDS = {
    "court": "Family Court of the State of New York",
    "executed_on": "November 20, 2026",
    "executed_at": "New York, New York",
    "bar_number": "NY-5551234",
    "paragraphs": "I was promised work in a restaurant.\n\nMy passport was taken.",
}


@pytest.fixture
def matter(harbor, attorney):
    client = make_survivor(
        harbor, legal_name="Marisol Quintanilla Reyes", aliases=["Mari Q", "La Flaca"]
    )
    return make_matter(harbor, lead=attorney.user, client=client, case_number="F-01234-26")


def fit(matter, template: str) -> None:
    """Give the matter a type the template is meant for."""
    from cases.kinds import kind_of

    sub_kinds = TEMPLATES[template].sub_kinds
    if sub_kinds and matter.sub_kind not in sub_kinds:
        matter.sub_kind, matter.kind = sub_kinds[0], kind_of(sub_kinds[0])
        matter.save()


def start_and_generate(client, matter, template="survivor_declaration", **fields):
    fit(matter, template)
    if TEMPLATES[template].to_client:  # a letter goes by post only where post is safe
        SafeContact.objects.get_or_create(
            survivor=matter.client, channel="post", defaults={"is_safe": True}
        )
    client.post(reverse("cases:documents", args=[matter.pk]), {"template": template})
    draft = DocumentDraft.objects.latest("id")
    client.post(
        reverse("cases:document_draft", args=[draft.pk]), {**FIELDS, **fields, "generate": "1"}
    )
    # What the worker does with the task it was given (tested with a real worker in CI):
    document_services.document_render_run(draft_id=draft.pk, user_id=draft.created_by_id)
    return draft


def pdf_text(version) -> str:
    reader = PdfReader(io.BytesIO(version.pdf))
    return "\n".join(p.extract_text() for p in reader.pages) + str(reader.metadata)


def test_a_declaration_fills_from_the_matter_and_the_draft(matter, attorney, client_for):
    draft = start_and_generate(client_for(attorney), matter)
    version = DocumentVersion.objects.get()
    text = pdf_text(version)
    assert "Marisol Quintanilla Reyes" in text
    assert "F-01234-26" in text and "Bar No. NY-5551234" in text
    assert "My passport was taken." in text
    assert version.created_by == attorney.user and version.sha256
    assert json.loads(version.snapshot_json)["bar_number"] == "NY-5551234"
    assert DocumentDraft.objects.get(pk=draft.pk).status == "editing"


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_under_a_pseudonym_no_document_carries_the_name_or_an_alias(
    matter, attorney, client_for, template
):
    matter.file_under_pseudonym = True
    matter.save()
    start_and_generate(client_for(attorney), matter, template=template, pseudonym="M.Q.")
    version = DocumentVersion.objects.get()
    text = pdf_text(version)
    for secret in ("Marisol", "Quintanilla", "Reyes", "Mari Q", "Flaca"):
        assert secret not in text
        assert secret not in version.file_name()
    assert "M.Q." in text


def test_a_failed_render_keeps_the_draft_and_says_so(matter, attorney, client_for, monkeypatch):
    def broken(*args, **kwargs):
        raise RenderError("The document could not be rendered")

    monkeypatch.setattr(document_services, "render_pdf_limited", broken)
    client = client_for(attorney)
    draft = start_and_generate(client, matter)
    draft.refresh_from_db()
    assert draft.status == "failed" and draft.fields["bar_number"] == "NY-5551234"
    assert not DocumentVersion.objects.exists()
    page = client.get(reverse("cases:document_draft", args=[draft.pk]))
    assert "could not be generated" in page.text and "NY-5551234" in page.text


def test_each_generation_is_a_new_version_and_downloads_are_audited(matter, attorney, client_for):
    client = client_for(attorney)
    draft = start_and_generate(client, matter)
    client.post(reverse("cases:document_draft", args=[draft.pk]), {**FIELDS, "generate": "1"})
    document_services.document_render_run(draft_id=draft.pk, user_id=attorney.user_id)
    assert list(DocumentVersion.objects.order_by("number").values_list("number", flat=True)) == [
        1,
        2,
    ]
    version = DocumentVersion.objects.get(number=2)
    response = client.get(reverse("cases:document_download", args=[version.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{matter.number}-declaration-v2.pdf"'
    )
    assert response.content == version.pdf
    assert AuditEvent.objects.filter(action="cases.document.downloaded").count() == 1


def test_a_redelivered_render_task_makes_no_second_version(matter, attorney, client_for):
    draft = start_and_generate(client_for(attorney), matter)
    assert (
        document_services.document_render_run(draft_id=draft.pk, user_id=attorney.user_id) is None
    )
    assert DocumentVersion.objects.count() == 1


def test_the_status_fragment_says_queued_then_ready(matter, attorney, client_for):
    client = client_for(attorney)
    client.post(reverse("cases:documents", args=[matter.pk]), {"template": "survivor_declaration"})
    draft = DocumentDraft.objects.get()
    client.post(reverse("cases:document_draft", args=[draft.pk]), {**FIELDS, "generate": "1"})
    fragment = client.get(reverse("cases:document_status", args=[draft.pk])).text
    assert 'data-progress="queued"' in fragment and "Queued" in fragment
    document_services.document_render_run(draft_id=draft.pk, user_id=attorney.user_id)
    fragment = client.get(reverse("cases:document_status", args=[draft.pk])).text
    assert 'data-progress="idle"' in fragment and "Download the PDF" in fragment


def test_encrypted_at_rest(matter, attorney, client_for):
    from tests.canary import tables_containing

    draft = start_and_generate(client_for(attorney), matter)
    assert DocumentDraft.objects.get(pk=draft.pk).fields["bar_number"] == "NY-5551234"
    assert DocumentVersion.objects.get().pdf.startswith(b"%PDF-")
    assert tables_containing("NY-5551234") == []
    assert tables_containing("JVBERi0") == [], "no plaintext PDF (base64 '%PDF-') in any table"


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_template_makes_a_court_ready_pdf(matter, attorney, client_for, template):
    start_and_generate(
        client_for(attorney),
        matter,
        template=template,
        paragraphs="\n\n".join(f"Fact number {n}." for n in range(60)),
    )
    version = DocumentVersion.objects.get()
    reader = PdfReader(io.BytesIO(version.pdf))
    pages = [p.extract_text() for p in reader.pages]
    text = "\n".join(pages)
    assert "FAMILY COURT OF THE STATE OF NEW YORK" in text.upper()  # the caption
    assert "F-01234-26" in text  # the case number
    assert attorney.user.full_name in text  # the signature block
    assert len(pages) == version.pages
    for n, page in enumerate(pages, start=1):
        assert f"Page {n} of {len(pages)}" in page


def test_the_preview_shows_the_document_with_hostile_text_escaped(matter, attorney, client_for):
    client = client_for(attorney)
    client.post(reverse("cases:documents", args=[matter.pk]), {"template": "survivor_declaration"})
    draft = DocumentDraft.objects.get()
    client.post(
        reverse("cases:document_draft", args=[draft.pk]),
        {**FIELDS, "paragraphs": "<img src=//other.example/x.png> and <script>x</script>"},
    )
    page = client.get(reverse("cases:document_preview", args=[draft.pk])).text
    assert "DECLARATION OF" in page.upper() and "F-01234-26" in page
    assert "&lt;img src=//other.example/x.png&gt;" in page
    assert "<script>x</script>" not in page


def test_known_facts_are_filled_in_and_options_reach_the_pdf(harbor, attorney, client_for):
    from cases.models import Jurisdiction
    from cases.services.matters import party_add
    from tests.actors import lead_actor

    court = Jurisdiction.objects.create(
        organization=harbor, name="Kings County Family Court", type="court"
    )
    matter = make_matter(
        harbor,
        lead=attorney.user,
        sub_kind="protective_order",
        jurisdiction=court,
        case_number="O-9-26",
    )
    party_add(actor=lead_actor(matter), matter=matter, role="trafficker", name="Dorian Vantablack")
    client = client_for(attorney)
    client.post(
        reverse("cases:documents", args=[matter.pk]), {"template": "protective_order_petition"}
    )
    draft = DocumentDraft.objects.get()
    page = client.get(reverse("cases:document_draft", args=[draft.pk])).text
    assert 'value="Kings County Family Court"' in page and 'value="Dorian Vantablack"' in page
    client.post(
        reverse("cases:document_draft", args=[draft.pk]),
        {**draft.fields, "paragraphs": "Facts.", "pleading": "on", "pdf_a": "on", "generate": "1"},
    )
    document_services.document_render_run(draft_id=draft.pk, user_id=attorney.user_id)
    version = DocumentVersion.objects.get()
    reader = PdfReader(io.BytesIO(version.pdf))
    text = reader.pages[0].extract_text()
    assert "The respondent is Dorian Vantablack." in " ".join(text.split())
    assert all(str(n) in text.split() for n in (1, 14, 28)), "pleading line numbers"
    assert "/OutputIntents" in reader.trailer["/Root"], "PDF/A-2b"


def test_two_clicks_make_one_pdf(matter, attorney, client_for):
    client = client_for(attorney)
    client.post(reverse("cases:documents", args=[matter.pk]), {"template": "survivor_declaration"})
    draft = DocumentDraft.objects.get()
    for _ in range(2):
        client.post(reverse("cases:document_draft", args=[draft.pk]), {**FIELDS, "generate": "1"})
    for _ in range(2):  # both tasks, had the second been queued
        document_services.document_render_run(draft_id=draft.pk, user_id=attorney.user_id)
    assert DocumentVersion.objects.count() == 1


def test_only_templates_for_the_matters_type_can_be_started(matter, attorney, client_for):
    response = client_for(attorney).post(
        reverse("cases:documents", args=[matter.pk]), {"template": "vacatur_motion"}
    )
    assert response.status_code == 404
