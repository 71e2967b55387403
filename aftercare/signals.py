"""Sign-in events reach the audit trail; the session clock starts at sign-in."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import Signal, receiver

from aftercare.audit import audit_record, audit_record_for_request
from aftercare.sessions import session_start

# Sent (inside the transaction) when a membership is deactivated, with `membership` and
# `actor` (who ended it). Feature apps take away what the member held in that organization.
membership_ended = Signal()


@receiver(user_logged_in)
def _on_login(sender, request, user, **kwargs) -> None:
    session_start(request)
    audit_record_for_request(request, "aftercare.account.password_accepted", target=user)


@receiver(user_logged_out)
def _on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_record_for_request(request, "aftercare.account.signed_out", target=user)


@receiver(user_login_failed)
def _on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # The typed address is not stored; the account is named only if it exists.
    email = (credentials or {}).get("username", "")
    user = get_user_model().objects.filter(email__iexact=email).first() if email else None
    audit_record(
        action="aftercare.account.sign_in_failed",
        actor=None,
        object_type="aftercare.user" if user else "",
        object_id=user.pk if user else "",
        payload={},
    )
