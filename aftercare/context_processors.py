from django.conf import settings


def acting_organization(request) -> dict:
    membership = getattr(request, "membership", None)
    return {
        "acting_membership": membership,
        "acting_role": membership.role_enum if membership else None,
        "can_switch_organization": len(getattr(request, "memberships", [])) > 1,
        "quick_exit_url": settings.AFTERCARE_QUICK_EXIT_URL,
        "unread_notifications": (
            request.user.notifications.unread().count() if membership is not None else 0
        ),
    }
