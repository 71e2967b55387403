"""Every table of a report as CSV or XLSX: what the page publishes, nothing more.

Cells come from published tables, so a suppressed count is its words ("fewer than
11"), never its value. A text cell that a spreadsheet would read as a formula (it
starts with = + - @, a tab or a carriage return) gets a leading apostrophe. Each export
is audited (format, period and filters; no figures), and the views ask for sudo mode.
"""

from __future__ import annotations

import csv
import io
import tempfile
from decimal import Decimal

from django.db import transaction
from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _

from aftercare.actor import Actor
from aftercare.audit import audit_record_by
from aftercare.spreadsheets import spreadsheet_text
from reports.tables import Published

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell_value(table: Published, cell) -> object:
    if not cell.shown:
        return spreadsheet_text(table.text(cell))
    return (
        cell.value if isinstance(cell.value, int | Decimal) else spreadsheet_text(str(cell.value))
    )


def _rows(table: Published):
    """The table's lines: its header, then each labelled row."""
    yield [spreadsheet_text(table.row_header), *(spreadsheet_text(c) for c in table.columns)]
    for label, cells in table.rows:
        yield [spreadsheet_text(label), *(_cell_value(table, cell) for cell in cells)]


def audit_export(actor: Actor, form, fmt: str, tables: list[Published]) -> None:
    data = form.cleaned_data
    audit_record_by(
        actor,
        "reports.report.exported",
        object_type="report",
        payload={
            "format": fmt,
            "start": data["start"].isoformat(),
            "end": data["end"].isoformat(),
            "kind": data["kind"],
            "grant": data["grant"].pk if data.get("grant") else None,
            "tables": len(tables),
        },
    )


def export_filename(form, ext: str) -> str:
    data = form.cleaned_data
    return f"report-{data['start'].isoformat()}-{data['end'].isoformat()}.{ext}"


def export_csv(*, actor: Actor, form, tables: list[Published]) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    for n, table in enumerate(tables):
        if n:
            writer.writerow([])
        writer.writerow([spreadsheet_text(table.title)])
        writer.writerows(_rows(table))
    with transaction.atomic():
        audit_export(actor, form, "csv", tables)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(form, "csv")}"'
    return response


def xlsx_file(tables: list[Published]):
    """Every table as a sheet of a workbook in a temporary file on disk (deleted when
    closed), read from the start: memory stays bounded whatever the number of rows, as
    openpyxl's write-only sheets go to disk row by row and the response is sent from the
    file in blocks."""
    from openpyxl import Workbook

    out = tempfile.TemporaryFile()  # noqa: SIM115  (the response closes it)
    try:
        book = Workbook(write_only=True)
        for table in tables:
            sheet = book.create_sheet(title=_sheet_title(table))
            sheet.append([spreadsheet_text(table.title)])
            for row in _rows(table):
                sheet.append(row)
        book.save(out)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return out


def export_xlsx(*, actor: Actor, form, tables: list[Published]) -> FileResponse:
    out = xlsx_file(tables)
    try:
        with transaction.atomic():
            audit_export(actor, form, "xlsx", tables)
    except BaseException:
        out.close()
        raise
    return FileResponse(
        out,
        as_attachment=True,
        filename=export_filename(form, "xlsx"),
        content_type=XLSX_TYPE,
    )


def _sheet_title(table: Published) -> str:
    # Excel allows 31 characters and none of []:*?/\ in a sheet's name.
    title = "".join(ch for ch in table.title if ch not in "[]:*?/\\")
    return title[:31] or _("Table")
