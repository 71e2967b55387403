"""A survivor's identifying fields are ciphertext at rest and searchable only by token."""

import logging
from datetime import date, timedelta

import pytest
from django.urls import reverse

from aftercare.blind_index import name_tokens
from survivors.models import Survivor, SurvivorAlias, majority_date
from tests.canary import tables_containing
from tests.factories import make_survivor

pytestmark = pytest.mark.django_db

CANARY = "Qzcanary"


def test_no_encrypted_field_is_ever_plaintext_in_any_table(harbor, coordinator, client_for, caplog):
    caplog.set_level(logging.DEBUG)
    values = {
        field: f"{CANARY}-{field}"
        for field in Survivor.PII_FIELDS
        if field not in ("date_of_birth", "initials")
    }
    survivor = make_survivor(
        harbor,
        by=coordinator.user,
        date_of_birth=date(2011, 4, 5),
        aliases=[f"{CANARY} Alias"],
        **values,
    )
    client = client_for(coordinator)
    client.get(reverse("survivors:detail", args=[survivor.pk]))
    found = client.post(reverse("survivors:list"), {"name": f"{CANARY}-legal_name"}, follow=True)
    assert survivor.code in found.text
    assert CANARY not in found.redirect_chain[-1][0], "search terms never reach a URL"

    assert tables_containing(CANARY) == []
    assert tables_containing("2011-04-05") == []
    assert CANARY not in caplog.text
    assert Survivor.objects.get(pk=survivor.pk).legal_name == f"{CANARY}-legal_name"


def test_every_pii_field_is_encrypted_and_nothing_else_is():
    from encrypted_model_fields.fields import EncryptedMixin

    for model in (Survivor, SurvivorAlias):
        encrypted = {f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedMixin)}
        assert encrypted == set(model.PII_FIELDS), model.__name__


def test_names_match_across_case_accents_order_script_and_spelling(settings):
    reference = name_tokens("María José García")
    assert name_tokens("MARIA  JOSE GARCIA")["exact"] == reference["exact"]
    assert name_tokens("García, María José")["reordered"] == reference["reordered"]
    assert name_tokens("Marya Jose Garsia")["phonetic"] == reference["phonetic"]
    assert name_tokens("Мария Петрова")["exact"] == name_tokens("Mariya Petrova")["exact"]
    assert name_tokens("Maria Lopez")["phonetic"] != reference["phonetic"]


def test_tokens_change_with_the_key(settings):
    before = name_tokens("Maria Garcia")["exact"]
    settings.BLIND_INDEX_KEY = "another key that is long enough to be accepted here"
    assert name_tokens("Maria Garcia")["exact"] != before


@pytest.mark.parametrize(
    ("birth", "majority"),
    [
        (date(2010, 6, 15), date(2028, 6, 15)),
        (date(2008, 2, 29), date(2026, 3, 1)),
    ],
)
def test_majority_is_derived_from_the_birth_date(birth, majority):
    assert majority_date(birth) == majority
    survivor = Survivor(date_of_birth=birth)
    assert survivor.is_minor_on(majority - timedelta(days=1))
    assert not survivor.is_minor_on(majority)


def test_codes_are_pseudonymous_and_distinct(harbor):
    codes = {make_survivor(harbor, legal_name=f"Person Number {n}").code for n in range(20)}
    assert len(codes) == 20
    assert all(code.startswith("AC-") and "Person" not in code for code in codes)


def test_initials_are_latin_letters_whatever_the_script(harbor):
    assert make_survivor(harbor, legal_name="Сергей Иванов").initials == "S.I."
    assert make_survivor(harbor, legal_name="Ana María de la Cruz").initials == "A.C."


def test_no_task_is_ever_sent_personal_data(
    harbor, coordinator, attorney, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    """What the flows enqueue (a document to render, reminders to deliver, report
    aggregates to refresh) carries ids only (canary scan)."""
    from celery.app.task import Task
    from django.utils import timezone

    from cases.models import DocumentDraft
    from cases.services.reminders import reminders_dispatch
    from tests.factories import make_matter

    sent = []
    monkeypatch.setattr(
        Task,
        "apply_async",
        lambda self, args=None, kwargs=None, **options: sent.append((self.name, args, kwargs)),
    )
    client = client_for(coordinator)
    client.post(reverse("survivors:intake"), {"legal_name": f"{CANARY} Person"})
    survivor = Survivor.objects.get()
    client.post(
        reverse("survivors:intake_step", args=[survivor.pk, 3]),
        {"safety_situation": f"{CANARY} narrative"},
    )
    client.post(reverse("survivors:intake_finish", args=[survivor.pk]))
    matter = make_matter(harbor, client=survivor, lead=attorney.user)
    lawyer = client_for(attorney)
    with django_capture_on_commit_callbacks(execute=True):
        lawyer.post(
            reverse("cases:documents", args=[matter.pk]), {"template": "survivor_declaration"}
        )
        draft = DocumentDraft.objects.get()
        lawyer.post(
            reverse("cases:document_draft", args=[draft.pk]),
            {
                "court": "Family Court",
                "paragraphs": f"{CANARY} was promised work.",
                "generate": "1",
            },
        )
        due = timezone.localdate() + timedelta(days=1)
        lawyer.post(
            reverse("cases:deadline_new", args=[matter.pk]),
            {"kind": "filing", "title": "Filing", "due_date": due.isoformat(), "time_zone": "UTC"},
        )
        reminders_dispatch(now=timezone.now() + timedelta(days=2))
    assert {name for name, _, _ in sent} == {
        "cases.tasks.document_render",
        "cases.tasks.delivery_send",
        "reports.tasks.aggregates_refresh_task",  # survivor and organization ids
    }
    assert CANARY not in repr(sent)
