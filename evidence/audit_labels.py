"""Labels of the evidence app's audit codes (gathered by aftercare.audit_labels)."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "evidence.file.downloaded": _("Evidence file downloaded"),
    "evidence.file.removed": _("Evidence file removed"),
    "evidence.file.uploaded": _("Evidence file uploaded"),
}
