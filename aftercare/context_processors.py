from django.conf import settings

from aftercare.models import Notification


def acting_organization(request) -> dict:
    membership = getattr(request, "membership", None)
    return {
        "acting_membership": membership,
        "acting_role": membership.role_enum if membership else None,
        "can_switch_organization": len(getattr(request, "memberships", [])) > 1,
        "quick_exit_url": settings.AFTERCARE_QUICK_EXIT_URL,
        # The bell counts the acting organization's only, like the list it opens.
        "unread_notifications": (
            Notification.objects.visible_to(membership).unread().count()
            if membership is not None
            else 0
        ),
    }
