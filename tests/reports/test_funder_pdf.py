"""The quarterly funder report as a PDF, read back with pdftotext: its cover, its figures
equal to the page's tables, suppressed counts as words, no person's name; in sudo mode
and audited."""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess

import pytest
from django.urls import reverse

from aftercare.models import AuditEvent
from cases.models import Grant, Matter
from tests.reports.conftest import QUARTER
from tests.reports.test_report_page import table_of

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils)"),
]
NAMES = ("Shared Person", "Own Client", "Unconsented", "Riverside Client")


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
    )
    return done.stdout


def assert_row_printed(text: str, label: str, cells: list[str]) -> None:
    """The row's label, then its cells in order, on one line of the PDF."""
    pattern = r"\s+".join(re.escape(part) for part in [label, *cells])
    assert re.search(pattern, text), (label, cells)


@pytest.fixture
def grant(quarter):
    grant = Grant.objects.create(
        organization=quarter.harbor,
        funder="Office for Victims of Crime",
        code="OVC-HT-27",
        name="Legal services",
        starts_on=datetime.date(2026, 10, 1),
        ends_on=datetime.date(2027, 9, 30),
    )
    tvpra = [m.pk for m in quarter.matters["own"]]
    Matter.objects.filter(pk__in=tvpra).update(grant=grant)
    return grant


def test_the_pdf_asks_for_the_password_again(quarter, coordinator, client_for):
    response = client_for(coordinator).get(reverse("reports:export_pdf"), QUARTER)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account:sudo"))


def test_the_funder_pdf_repeats_the_page_and_names_no_one(
    quarter, coordinator, client_for, tmp_path
):
    client = client_for(coordinator, sudo=True)
    page = client.get(reverse("reports:page"), QUARTER).text
    response = client.get(reverse("reports:export_pdf"), QUARTER)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith('funder-report-2027-01-01-2027-03-31.pdf"')
    text = pdf_text(response.content, tmp_path)
    assert "Funder report" in text
    assert quarter.harbor.name in text
    assert "Jan. 1, 2027 \N{EN DASH} March 31, 2027" in text
    assert "Every grant" in text
    assert "fewer than 11" in text and "Who is counted" in text
    keys = re.findall(r'data-table="(\w+)"', page)
    assert len(keys) == 17
    for key in keys:  # every table, row by row
        for label, cells in table_of(page, key).items():
            assert_row_printed(text, label, cells)
    for name in NAMES:
        assert name not in text
    event = AuditEvent.objects.get(action="reports.report.exported")
    assert event.payload["format"] == "pdf" and event.payload["grant"] is None


def test_a_grant_narrows_the_report_and_is_on_the_cover(grant, coordinator, client_for, tmp_path):
    client = client_for(coordinator, sudo=True)
    params = {**QUARTER, "grant": grant.pk}
    page = client.get(reverse("reports:page"), params).text
    assert table_of(page, "people")["Whole period (each person once)"] == ["fewer than 11"]
    text = pdf_text(client.get(reverse("reports:export_pdf"), params).content, tmp_path)
    assert "OVC-HT-27 · Legal services (Office for Victims of Crime)" in text
    assert_row_printed(text, "Whole period (each person once)", ["fewer than 11"])
    assert AuditEvent.objects.get(action="reports.report.exported").payload["grant"] == grant.pk


def test_another_organizations_grant_is_refused(quarter, riverside, coordinator, client_for):
    theirs = Grant.objects.create(
        organization=riverside,
        funder="F",
        code="RIV-1",
        name="Theirs",
        starts_on=datetime.date(2027, 1, 1),
        ends_on=datetime.date(2027, 12, 31),
    )
    page = client_for(coordinator).get(reverse("reports:page"), {**QUARTER, "grant": theirs.pk})
    assert page.status_code == 200
    assert "usa-error-message" in page.text and "data-table=" not in page.text


def test_the_funder_pdf_reads_in_spanish(quarter, coordinator, client_for, tmp_path):
    response = client_for(coordinator, sudo=True).get(
        reverse("reports:export_pdf"), QUARTER, HTTP_ACCEPT_LANGUAGE="es"
    )
    text = pdf_text(response.content, tmp_path)
    assert "Informe para financiadores" in text
    assert "menos de 11" in text and "Personas atendidas por mes" in text


def test_a_name_no_font_can_print_is_a_message_and_nothing_is_exported(
    quarter, coordinator, client_for
):
    unprintable = "\U00018b00"  # Khitan small script: no installed font has it
    quarter.harbor.name = f"Harbor {unprintable}"
    quarter.harbor.save(update_fields=["name"])
    response = client_for(coordinator, sudo=True).get(reverse("reports:export_pdf"), QUARTER)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "The PDF cannot print these characters with its fonts: U+18B00." in response.text
    assert 'data-table="people"' in response.text  # the report is still there
    assert not AuditEvent.objects.filter(action="reports.report.exported").exists()
