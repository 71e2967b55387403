"""Labels of the api app's audit codes (gathered by aftercare.audit_labels)."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "api.client.created": _("API client created"),
    "api.client.revoked": _("API client revoked"),
}
