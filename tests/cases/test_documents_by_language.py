"""A declaration in the declarant's language and in English, with a certificate of
translation filled from the interpreter recorded on the matter: started together, shown
together, each PDF read back (text, fonts, direction), in English and Spanish screens,
with what a browser sends."""

from __future__ import annotations

import html
import re
import subprocess

import pytest
from django.urls import reverse

from aftercare.models import AuditEvent
from cases.models import DocumentDraft, DocumentVersion, Jurisdiction
from cases.services import documents as document_services
from cases.services.interpreters import interpreter_add
from tests.actors import lead_actor
from tests.cases.test_documents import FIELDS, fit
from tests.cases.test_documents import matter as matter

pytestmark = pytest.mark.django_db

ENGLISH = "I was promised work in a restaurant.\r\n\r\nMy passport was taken.\r\n"
SPANISH = "Me prometieron trabajo en un restaurante.\r\n\r\nMe quitaron el pasaporte.\r\n"
STATEMENTS = {  # what a paralegal pastes, and the font that must draw it
    "ti": ("ፓስፖርተይ ወሲዶምኒ።", "Noto-Serif-Ethiopic"),
    "am": ("ፓስፖርቴን ወሰዱብኝ።", "Noto-Serif-Ethiopic"),
    "zh": ("他们拿走了我的护照。", "Noto-Serif-CJK-SC"),
    "ar": ("أخذوا جواز سفري.", "Noto-Naskh-Arabic"),
}


def words(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def poppler(tool: str, pdf: bytes, tmp_path) -> str:
    path = tmp_path / f"{tool}.pdf"
    path.write_bytes(pdf)
    args = [tool, str(path), "-"] if tool == "pdftotext" else [tool, str(path)]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def text_of(draft, tmp_path) -> str:
    """The latest version's text as pdftotext reads it, one space between words."""
    version = DocumentVersion.objects.filter(draft=draft).latest("number")
    return " ".join(poppler("pdftotext", version.pdf, tmp_path).split())


def generate(client, draft, **fields):
    response = client.post(
        reverse("cases:document_draft", args=[draft.pk]), {**fields, "generate": "1"}
    )
    assert response.status_code == 302, words(response)
    version = document_services.document_render_run(draft_id=draft.pk, user_id=draft.created_by_id)
    assert version is not None, DocumentDraft.objects.get(pk=draft.pk).error
    return version


def start_set(client, matter, language="es", token="S" * 24):
    fit(matter, "t_visa_declaration")
    client.post(reverse("cases:documents", args=[matter.pk]), {"template": "t_visa_declaration"})
    english = DocumentDraft.objects.filter(pair_of=None).latest("id")
    generate(client, english, **{**FIELDS, "paragraphs": ENGLISH})
    for _ in range(2):  # a double click
        response = client.post(
            reverse("cases:document_translation", args=[english.pk]),
            {"language": language, "submission_token": token},
        )
    translated = DocumentDraft.objects.get(pair_of=english, template_code=english.template_code)
    assert response.status_code == 302 and response.url == reverse(
        "cases:document_draft", args=[translated.pk]
    )
    certificate = DocumentDraft.objects.get(
        pair_of=english, template_code="translation_certificate"
    )
    return english, translated, certificate


@pytest.fixture
def interpreter(matter):
    return interpreter_add(
        actor=lead_actor(matter),
        matter=matter,
        name="Lucía Fernández",
        language="es",
        qualification="court_certified",
        organization="Lenguas Legal Interpreting",
        phone="+1 718 555 0199",
        email="lucia@example.org",
    )


def test_a_spanish_declaration_its_english_version_and_the_certificate(
    matter,
    interpreter,
    attorney,
    client_for,
    tmp_path,
):
    client = client_for(attorney)
    english, translated, certificate = start_set(client, matter)
    assert DocumentDraft.objects.count() == 3, "a double click starts one set"
    assert (translated.language, translated.fields.get("paragraphs")) == ("es", None)
    assert translated.fields["court"] == FIELDS["court"], "what the record knows, carried over"
    assert certificate.fields["interpreter"] == str(interpreter.pk)
    event = AuditEvent.objects.get(action="cases.document.translation_started")
    assert event.payload["language"] == "es" and "Lucía" not in str(event.payload)

    page = words(client.get(reverse("cases:document_draft", args=[translated.pk])))
    assert (
        "Statement: how you came" in page and "(in Spanish, as the declarant will read it)" in page
    )
    assert "print in Spanish" in page and "nothing is translated for you" in page
    assert "Interpreter who read it to the declarant" not in page, "the English one's"
    preview = words(client.get(reverse("cases:document_preview", args=[translated.pk])))
    assert "Fixed wording in this language: Translation of 28 U.S.C. 1746" in preview
    generate(
        client,
        translated,
        **{**FIELDS, "paragraphs": SPANISH, "executed_on": "November 20, 2026"},
    )
    spanish = text_of(translated, tmp_path)
    assert "DECLARACIÓN DE MARISOL QUINTANILLA REYES" in spanish
    assert "Yo, Marisol Quintanilla Reyes, declaro lo siguiente:" in spanish
    assert "1. Me prometieron trabajo en un restaurante. 2. Me quitaron el pasaporte." in spanish
    assert (
        "Declaro bajo pena de perjurio conforme a las leyes de los Estados Unidos de América "
        "que lo anterior es verdadero y correcto. Firmado el 20 de noviembre de 2026 en New "
        "York, New York."
    ) in spanish
    assert "Declarante" in spanish and "Caso n.º F-01234-26" in spanish
    assert "En el asunto de Marisol Quintanilla Reyes" in spanish
    assert "Presentado por:" in spanish and "Abogado/a de la persona declarante" in spanish
    assert "N.º de colegiatura NY-5551234" in spanish
    assert "Página 1 de 1" in spanish and "Page 1" not in spanish

    files = {v.draft_id: v.file_name() for v in DocumentVersion.objects.all()}
    assert files[translated.pk].endswith("-declaration-es-v1.pdf")
    assert files[english.pk].endswith("-declaration-v1.pdf"), "two files, two names"
    listing = words(client.get(reverse("cases:documents", args=[matter.pk])))
    assert "Declaration in support of a T-visa application · Spanish · version 1" in listing
    english_text = text_of(english, tmp_path)
    assert "DECLARATION OF MARISOL QUINTANILLA REYES" in english_text
    assert "1. I was promised work in a restaurant. 2. My passport was taken." in english_text

    generate(client, certificate, **{**certificate.fields, "generate": "1"})
    certified = text_of(certificate, tmp_path)
    assert "CERTIFICATE OF TRANSLATION" in certified
    assert (
        "I, Lucía Fernández, certify that I am competent to translate from Spanish into "
        "English, and that the attached English translation of the declaration of Marisol "
        "Quintanilla Reyes is complete and accurate."
    ) in certified
    assert "Executed on November 20, 2026 at New York, New York." in certified
    assert "Lenguas Legal Interpreting +1 718 555 0199 lucia@example.org" in certified


def test_the_set_is_shown_together_on_the_draft_and_the_documents_page(
    matter,
    interpreter,
    attorney,
    client_for,
):
    client = client_for(attorney)
    english, translated, certificate = start_set(client, matter)
    page = words(client.get(reverse("cases:document_draft", args=[english.pk])))
    assert "Translation set" in page
    assert "Declaration in support of a T-visa application · English (this draft)" in page
    assert "Declaration in support of a T-visa application · Spanish · not generated yet" in page
    assert "Certificate of translation · English · not generated yet" in page
    assert "In the declarant's language too" not in page, "one set per declaration"
    listing = client.get(reverse("cases:documents", args=[matter.pk])).text
    nested = listing[listing.index('class="translation-set"') :]
    for member in (translated, certificate):
        assert reverse("cases:document_draft", args=[member.pk]) in nested.split("</ul>")[0]


def test_in_a_spanish_screen_the_pages_are_spanish_and_the_english_pdf_stays_english(
    matter,
    interpreter,
    attorney,
    client_for,
    tmp_path,
):
    client = client_for(attorney)
    client.cookies["django_language"] = "es"
    english, translated, _certificate = start_set(client, matter)
    page = words(client.get(reverse("cases:document_draft", args=[english.pk])))
    assert "Conjunto de traducción" in page and "Español" in page
    page = words(client.get(reverse("cases:document_draft", args=[translated.pk])))
    assert "(en Español, como lo leerá la persona declarante)" in page
    text = text_of(english, tmp_path)
    assert "DECLARATION OF" in text and "I declare under penalty of perjury" in text


def test_a_language_we_have_no_wording_for_says_so_and_prints_english_around_it(
    matter,
    attorney,
    client_for,
    tmp_path,
):
    client = client_for(attorney)
    _english, translated, certificate = start_set(client, matter, language="ti")
    assert "interpreter" not in certificate.fields, "no Tigrinya interpreter recorded"
    assert certificate.fields["source_language"] == "Tigrinya"
    page = words(client.get(reverse("cases:document_draft", args=[certificate.pk])))
    assert "No interpreter is recorded on this matter" in page
    page = words(client.get(reverse("cases:document_draft", args=[translated.pk])))
    assert (
        "Aftercare has no fixed wording in Tigrinya: the headings, the perjury clause and the "
        "signature labels print in English."
    ) in page
    statement, _font = STATEMENTS["ti"]
    generate(client, translated, **{**FIELDS, "paragraphs": statement})
    text = text_of(translated, tmp_path)
    assert "DECLARATION OF MARISOL" in text and "I declare under penalty of perjury" in text
    assert statement in text


@pytest.mark.parametrize("language", sorted(STATEMENTS))
def test_a_statement_in_each_script_prints_in_an_embedded_noto_font(
    language,
    matter,
    attorney,
    client_for,
    tmp_path,
):
    client = client_for(attorney)
    _english, translated, _certificate = start_set(client, matter, language=language)
    statement, family = STATEMENTS[language]
    # A render with a .notdef glyph fails (MissingGlyphError): a version means none.
    version = generate(client, translated, **{**FIELDS, "paragraphs": f"{statement}\r\n"})
    fonts = poppler("pdffonts", version.pdf, tmp_path).splitlines()[2:]
    assert fonts and all(" yes " in line for line in fonts), fonts  # every font embedded
    assert any(f"+{family} " in f"{line} " for line in fonts), fonts
    text = " ".join(poppler("pdftotext", version.pdf, tmp_path).split())
    # Arabic reads back in typed order; its full stop and number sit on its left (RTL).
    assert statement.rstrip(".。።") in text, text
    html_sent = document_services.document_html(translated, identity=None)
    list_tag = re.search(r'<ol class="numbered"[^>]*>', html_sent).group(0)
    assert f'lang="{language}"' in list_tag
    assert ('dir="rtl"' in list_tag) == (language == "ar")


def test_new_york_takes_a_translators_affidavit_and_its_own_affirmation(
    harbor,
    attorney,
    client_for,
    tmp_path,
):
    from tests.factories import make_matter, make_survivor

    court = Jurisdiction.objects.create(
        organization=harbor,
        name="Family Court, Kings County",
        type="court",
        holiday_subdivision="NY",
    )
    client_record = make_survivor(harbor, legal_name="Marisol Quintanilla Reyes")
    matter = make_matter(
        harbor, lead=attorney.user, client=client_record, jurisdiction=court, case_number="F-1"
    )
    interpreter_add(
        actor=lead_actor(matter),
        matter=matter,
        name="Lucía Fernández",
        language="es",
        qualification="competent",
    )
    client = client_for(attorney)
    _english, translated, certificate = start_set(client, matter)
    generate(client, translated, **{**FIELDS, "paragraphs": SPANISH})
    spanish = text_of(translated, tmp_path)
    assert "AFIRMACIÓN DE MARISOL" in spanish and "Yo, Marisol Quintanilla Reyes, afirmo" in spanish
    assert "Afirmo este día 20 de noviembre de 2026, bajo pena de perjurio" in spanish
    generate(client, certificate, **certificate.fields)
    certified = text_of(certificate, tmp_path)
    assert "TRANSLATOR'S AFFIDAVIT" in certified
    assert (
        "Lucía Fernández, being duly sworn, deposes and says: I am an interpreter competent in "
        "both languages (not certified), competent to translate from Spanish into English."
    ) in certified
    assert "Sworn to (or affirmed) before me this ___ day of" in certified
    assert "Notary Public" in certified


def test_an_english_declaration_read_to_the_declarant_carries_the_interpreters_statement(
    matter,
    interpreter,
    attorney,
    client_for,
    tmp_path,
):
    client = client_for(attorney)
    client.post(reverse("cases:documents", args=[matter.pk]), {"template": "survivor_declaration"})
    draft = DocumentDraft.objects.get()
    page = client.get(reverse("cases:document_draft", args=[draft.pk])).text
    assert "Interpreter who read it to the declarant" in page
    generate(client, draft, **{**FIELDS, "paragraphs": ENGLISH, "interpreter": interpreter.pk})
    text = text_of(draft, tmp_path)
    assert "INTERPRETER'S STATEMENT" in text
    assert (
        "I, Lucía Fernández, am a court-certified interpreter, competent to interpret between "
        "Spanish and English. I read the foregoing declaration to Marisol Quintanilla Reyes in "
        "Spanish, in full. Marisol Quintanilla Reyes told me that they understood it, and "
        "signed it in my presence."
    ) in text
    assert text.index("Declarant") < text.index("INTERPRETER'S STATEMENT")


def test_another_matters_interpreter_cannot_be_chosen(
    matter,
    harbor,
    attorney,
    client_for,
):
    from tests.factories import make_matter

    other = make_matter(harbor, lead=attorney.user)
    stranger = interpreter_add(
        actor=lead_actor(other),
        matter=other,
        name="Other Person",
        language="es",
        qualification="competent",
    )
    client = client_for(attorney)
    client.post(reverse("cases:documents", args=[matter.pk]), {"template": "survivor_declaration"})
    draft = DocumentDraft.objects.get()
    response = client.post(
        reverse("cases:document_draft", args=[draft.pk]),
        {**FIELDS, "interpreter": stranger.pk, "generate": "1"},
    )
    assert response.status_code == 200 and "Select a valid choice" in response.text
    assert "Other Person" not in response.text
