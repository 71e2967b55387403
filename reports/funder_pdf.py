"""The quarterly funder report as a PDF: a cover, then every table with its chart.

Rendered by the documents' locked-down renderer (`cases.documents.renderer`: a forked
child with CPU and memory limits, our own fonts and stylesheets only), from the same
published tables as the page, so a suppressed count is its words here too. The cover
names the organization, period and filters, says how small counts are shown and who is
counted; no person is named (the PDF's metadata carries only its title). Audited like
the other exports; the view asks for sudo mode.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.actor import Actor
from cases.documents.renderer import render_pdf_limited
from reports.exports import audit_export, export_filename
from reports.tables import Published


def funder_report_html(*, organization, form, sections: list[dict], left_out: Published) -> str:
    data = form.cleaned_data
    return render_to_string(
        "reports/funder_report.html",
        {
            "organization": organization,
            "start": data["start"],
            "end": data["end"],
            "kind": dict(form.fields["kind"].choices).get(data["kind"]) if data["kind"] else "",
            "grant": data.get("grant"),
            "hour_value": data["hour_value"],
            "sections": sections,
            "left_out": left_out,
            "threshold": settings.REPORT_SMALL_CELL_THRESHOLD,
            "made_on": timezone.localdate(),
        },
    )


def export_pdf(
    *, actor: Actor, organization, form, sections: list[dict], left_out: Published
) -> HttpResponse:
    """Raises `RenderError` when the PDF cannot be made; nothing is audited then."""
    html = funder_report_html(
        organization=organization, form=form, sections=sections, left_out=left_out
    )
    rendered = render_pdf_limited(html, title=_("Funder report"))
    tables = [section["table"] for section in sections]
    with transaction.atomic():
        audit_export(actor, form, "pdf", [*tables, left_out])
    response = HttpResponse(rendered.pdf, content_type="application/pdf")
    name = export_filename(form, "pdf").replace("report-", "funder-report-", 1)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
