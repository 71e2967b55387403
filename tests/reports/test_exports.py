"""Every table as CSV and XLSX, read back as a funder's spreadsheet would: in sudo mode,
audited, suppressed cells as words, and nothing a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from aftercare.models import AuditEvent
from aftercare.spreadsheets import spreadsheet_text
from tests.reports.conftest import QUARTER

pytestmark = pytest.mark.django_db
EVIL = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture
def exporter(quarter, coordinator, client_for):
    quarter.attorney.user.full_name = EVIL
    quarter.attorney.user.save(update_fields=["full_name"])
    return client_for(coordinator, sudo=True)


def csv_sections(body: str) -> dict[str, list[list[str]]]:
    """{table title: its rows, header first}."""
    sections, current = {}, None
    for row in csv.reader(io.StringIO(body)):
        if not row:
            current = None
        elif current is None:
            current = sections.setdefault(row[0], [])
        else:
            current.append(row)
    return sections


def test_the_export_asks_for_the_password_again(quarter, coordinator, client_for):
    for name in ("reports:export_csv", "reports:export_xlsx"):
        response = client_for(coordinator).get(reverse(name), QUARTER)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account:sudo"))
    assert not AuditEvent.objects.filter(action="reports.report.exported").exists()


def test_the_csv_holds_every_table_as_published(exporter):
    response = exporter.get(reverse("reports:export_csv"), QUARTER)
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('report-2027-01-01-2027-03-31.csv"')
    sections = csv_sections(response.content.decode())
    assert sections["People served per month"] == [
        ["Month", "People served"],
        ["January 2027", "12"],
        ["February 2027", "15"],
        ["March 2027", "15"],
        ["Whole period (each person once)", "15"],
    ]
    assert sections["Deadlines met and missed"][1:] == [
        ["Met", "not shown"],
        ["Missed", "fewer than 11"],
        ["Past due, still open", "0"],
        ["Total", "12"],
    ]
    assert "People left out of this report" in sections
    assert len(sections) == 17  # sixteen tables and who was left out
    event = AuditEvent.objects.get(action="reports.report.exported")
    assert event.payload == {
        "format": "csv",
        "start": "2027-01-01",
        "end": "2027-03-31",
        "kind": "",
        "grant": None,
        "tables": 17,
    }


def test_the_xlsx_holds_every_table_with_numbers_as_numbers(exporter):
    response = exporter.get(reverse("reports:export_xlsx"), QUARTER)
    assert response.status_code == 200
    assert response.streaming  # sent from a file on disk in blocks, never whole in memory
    assert response["Content-Disposition"] == (
        'attachment; filename="report-2027-01-01-2027-03-31.xlsx"'
    )
    book = load_workbook(io.BytesIO(response.getvalue()))
    assert "People served per month" in book.sheetnames
    assert len(book.sheetnames) == 17
    people = [list(row) for row in book["People served per month"].iter_rows(values_only=True)]
    assert people[0] == ["People served per month", None]
    assert people[2] == ["January 2027", 12]
    deadlines = list(book["Deadlines met and missed"].iter_rows(values_only=True))
    assert ("Missed", "fewer than 11") in deadlines
    assert AuditEvent.objects.get(action="reports.report.exported").payload["format"] == "xlsx"


def test_a_name_that_looks_like_a_formula_stays_text(exporter):
    body = exporter.get(reverse("reports:export_csv"), QUARTER).content.decode()
    caseload = csv_sections(body)["Caseload per attorney"]
    assert ["'" + EVIL, "15"] in caseload
    book = load_workbook(
        io.BytesIO(exporter.get(reverse("reports:export_xlsx"), QUARTER).getvalue())
    )
    sheet = book["Caseload per attorney"]
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value]
    evil = next(cell for cell in cells if EVIL in str(cell.value))
    assert evil.value == "'" + EVIL and evil.data_type == "s"
    assert not any(cell.data_type == "f" for cell in cells)


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_neutralized(start):
    assert spreadsheet_text(f"{start}1+1") == f"'{start}1+1"
    assert spreadsheet_text("Harbor 1+1") == "Harbor 1+1"


def test_a_bad_period_exports_nothing(coordinator, client_for):
    response = client_for(coordinator, sudo=True).get(
        reverse("reports:export_csv"), {"start": "2027-03-01", "end": "2027-01-01"}
    )
    assert response.status_code == 200
    assert "The end comes after the start." in response.text
    assert not AuditEvent.objects.filter(action="reports.report.exported").exists()


def test_a_table_of_many_rows_is_written_row_by_row_and_reads_back_whole():
    """The workbook is built in a temporary file (the benchmark measures the memory of
    100,000 rows); here: every row arrives, numbers as numbers, text neutralized."""
    from reports.exports import xlsx_file
    from reports.tables import Table, publish

    rows = 20_000
    table = Table(
        key="many",
        title="Many rows",
        row_header="Row",
        rows=[f"=row {n}" for n in range(rows)],
        columns=["Count"],
        values=[[n] for n in range(rows)],
        suppress=False,
    )
    with xlsx_file([publish(table, threshold=11)]) as out:
        book = load_workbook(out, read_only=True)
        lines = list(book["Many rows"].iter_rows(values_only=True))
    assert len(lines) == 2 + rows + 1  # title, header, the rows, the total
    assert lines[2] == ("'=row 0", 0)
    assert lines[-2] == (f"'=row {rows - 1}", rows - 1)
    assert lines[-1] == ("Total", sum(range(rows)))
