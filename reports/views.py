"""The reports page and its exports, for the acting organization's coordinators and admins."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from aftercare.access import require_sudo_mode, role_required
from aftercare.replica import replica_reads
from cases.documents.renderer import MissingGlyphError, RenderError
from reports.aggregate_report import report_for
from reports.charts import chart_of
from reports.exports import export_csv, export_xlsx
from reports.forms import ReportForm
from reports.funder_pdf import export_pdf
from reports.tables import publish

# The tables drawn as a chart, and the chart's title.
CHARTS = {
    "people": _("People served per month"),
    "trafficking": _("People served by kind of trafficking"),
    "age": _("People served by age group"),
    "matters": _("Matters by kind"),
    "outcomes": _("Outcomes by kind"),
    "deadlines": _("Deadlines met and missed"),
    "turnaround_sent": _("Referrals sent, by days until accepted"),
    "turnaround_received": _("Referrals received, by days until accepted"),
    "hours": _("Volunteer hours per month"),
    "caseload": _("Caseload per attorney"),
}


# Attorneys named in the caseload table of the page and the funder PDF; the CSV and
# XLSX exports name every one.
CASELOAD_SHOWN = 25


def _coordinates(membership) -> bool:
    return membership.role_enum.sees_whole_organization


def _published(request: HttpRequest, *, every_attorney: bool = False):
    """The form, and the published tables when it is valid (else None)."""
    # What is not given keeps its default.
    form = ReportForm(request.GET, organization_id=request.membership.organization_id)
    if not form.is_valid():
        return form, None, None
    threshold = settings.REPORT_SMALL_CELL_THRESHOLD
    grant = form.cleaned_data["grant"]
    with replica_reads():  # a replica's lag of a second is nothing to a quarter's counts
        report = report_for(
            organization_id=request.membership.organization_id,
            period=form.period(),
            kind=form.cleaned_data["kind"],
            grant_id=grant.pk if grant else None,
            hour_value=form.cleaned_data["hour_value"],
            threshold=threshold,
            caseload_limit=None if every_attorney else CASELOAD_SHOWN,
        )
    tables = [publish(table, threshold=threshold) for table in report.tables]
    left_out = publish(report.left_out, threshold=threshold)
    return form, tables, left_out


def sections_of(tables) -> list[dict]:
    """Each published table with its chart, when it has one."""
    sections = []
    for table in tables or []:
        title = CHARTS.get(table.key)
        sections.append({"table": table, "chart": chart_of(table, str(title)) if title else None})
    return sections


def _render(request: HttpRequest, form, tables, left_out) -> HttpResponse:
    return render(
        request,
        "reports/report.html",
        {
            "form": form,
            "sections": sections_of(tables),
            "left_out": left_out,
            "threshold": settings.REPORT_SMALL_CELL_THRESHOLD,
            "query": request.GET.urlencode(),
        },
    )


@role_required(_coordinates)
def report_page(request: HttpRequest) -> HttpResponse:
    return _render(request, *_published(request))


@role_required(_coordinates)
@require_sudo_mode
def report_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Every table as published; a period that does not validate is the page again."""
    form, tables, left_out = _published(request, every_attorney=fmt != "pdf")
    if tables is None:
        return _render(request, form, tables, left_out)
    if fmt == "pdf":
        return _funder_pdf(request, form, tables, left_out)
    writer = export_xlsx if fmt == "xlsx" else export_csv
    return writer(actor=request.actor, form=form, tables=[*tables, left_out])


def _funder_pdf(request: HttpRequest, form, tables, left_out) -> HttpResponse:
    """The PDF, or the page again saying why it could not be made (nothing audited)."""
    try:
        return export_pdf(
            actor=request.actor,
            organization=request.membership.organization,
            form=form,
            sections=sections_of(tables),
            left_out=left_out,
        )
    except MissingGlyphError as missing:
        characters = ", ".join(f"U+{point:04X}" for point in missing.codepoints)
        messages.error(
            request,
            _("The PDF cannot print these characters with its fonts: %(characters)s.")
            % {"characters": characters},
        )
    except RenderError:
        messages.error(request, _("The PDF could not be made. Try again in a minute."))
    return _render(request, form, tables, left_out)
