"""The audit trail says what happened in words, in both languages, for every code."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import translation

from aftercare.audit import audit_record
from aftercare.audit_labels import audit_codes_labelled, audit_label

ROOT = Path(settings.BASE_DIR)
# An audit call and the literal code it records, across line breaks:
# audit_record_by(actor, "cases.matter.opened", ...) or audit_record(action="...").
CALL = re.compile(
    r"audit_record(?:_by|_for_request)?\(\s*(?:[\w.]+(?:\([^()]*\))?\s*,\s*)?"
    r"(?:action\s*=\s*)?\"([a-z_]+\.[a-z_]+\.[a-z_]+)\"",
    re.S,
)


def codes_in_source() -> set[str]:
    found = set()
    for path in ROOT.glob("*/**/*.py"):
        if ".venv" in path.parts or path.parts[len(ROOT.parts)] in ("tests", "benchmarks"):
            continue
        found |= set(CALL.findall(path.read_text()))
    return found


def test_the_scan_finds_the_codes_it_is_meant_to_find():
    codes = codes_in_source()
    assert {"cases.matter.opened", "survivors.survivor.viewed", "aftercare.access.denied"} <= codes
    assert len(codes) > 90


def test_every_audit_code_in_the_source_has_a_label():
    assert sorted(codes_in_source() - audit_codes_labelled()) == []


def test_every_label_is_translated_to_spanish():
    untranslated = []
    for code in sorted(audit_codes_labelled()):
        with translation.override("en"):
            english = audit_label(code)
        with translation.override("es"):
            spanish = audit_label(code)
        if spanish in (english, code):
            untranslated.append(code)
    assert untranslated == []


@pytest.mark.django_db
def test_recording_a_code_without_a_label_fails_in_tests():
    with pytest.raises(ImproperlyConfigured, match="has no label"):
        audit_record(action="cases.matter.teleported")


@pytest.mark.django_db
def test_the_audit_trail_reads_in_words(org_admin, client_for, harbor):
    audit_record(action="cases.matter.stage_changed", actor=org_admin.user, organization=harbor)
    url = reverse("audit_trail")
    english = client_for(org_admin).get(url).text
    assert "Matter stage changed" in english
    spanish = client_for(org_admin).get(url, HTTP_ACCEPT_LANGUAGE="es").text
    assert "Etapa del asunto cambiada" in spanish
