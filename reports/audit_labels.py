"""Labels of the reports app's audit codes (gathered by aftercare.audit_labels)."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "reports.report.exported": _("Report exported"),
}
