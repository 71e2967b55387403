"""Labels of the webhooks app's audit codes (gathered by aftercare.audit_labels)."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "webhooks.endpoint.created": _("Webhook endpoint added"),
    "webhooks.endpoint.deleted": _("Webhook endpoint deleted"),
    "webhooks.endpoint.disabled": _("Webhook endpoint turned off"),
    "webhooks.endpoint.enabled": _("Webhook endpoint turned on"),
    "webhooks.endpoint.secret_rotated": _("Webhook signing secret replaced"),
}
