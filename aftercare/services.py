"""Workflows of the core: second factor, sudo mode, members and the organization profile."""

from __future__ import annotations

from dataclasses import dataclass

import django_otp
from django.conf import settings
from django.contrib.auth import get_user_model, logout
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from aftercare.actor import Actor
from aftercare.audit import audit_record_by, audit_record_for_request
from aftercare.models import AuditEvent, Membership, Notification, Organization, Role
from aftercare.sessions import sudo_failure_add, sudo_grant
from aftercare.signals import membership_ended

RECOVERY_CODE_COUNT = 10
LAST_ADMIN_ERROR = _(
    "This is the organization's last active admin: make another member an admin first."
)
LAST_ADMIN_SELF_ERROR = _(
    "You are this organization's last active admin, so you cannot leave or give up the "
    "admin role: make another member an admin first."
)


PENDING_AUTHENTICATOR_KEY = "aftercare_pending_authenticator"


def authenticator_enrollment_start(*, request: HttpRequest) -> TOTPDevice:
    """The authenticator being set up, not stored: its key waits in the (server-side)
    session until a code proves the app holds it. Showing the page writes no row."""
    key = request.session.get(PENDING_AUTHENTICATOR_KEY)
    if key is None:
        key = TOTPDevice._meta.get_field("key").get_default()
        request.session[PENDING_AUTHENTICATOR_KEY] = key
    return TOTPDevice(user=request.user, name="Authenticator", key=key, confirmed=False)


def recovery_codes_issue(*, user) -> list[str]:
    """Replace every recovery code of the user with a fresh set; each works once."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def recovery_codes_renew(*, actor: Actor) -> list[str]:
    """Replace the actor's recovery codes; the new set and its event commit together."""
    with transaction.atomic():
        codes = recovery_codes_issue(user=actor.user)
        audit_record_by(actor, "aftercare.account.recovery_codes_issued", target=actor.user)
    return codes


def _code_fits(device: TOTPDevice, code: str) -> bool:
    """Check a code against a device not yet stored: a wrong code stores nothing."""
    savepoint = transaction.savepoint()
    if device.verify_token(code):  # saves the device (its last used step)
        transaction.savepoint_commit(savepoint)
        return True
    transaction.savepoint_rollback(savepoint)
    return False


def authenticator_enrollment_confirm(
    *, request: HttpRequest, device: TOTPDevice, code: str
) -> list[str] | None:
    """Confirm the pending authenticator with a code it shows; return new recovery codes.

    A session operation (it signs the second factor in and opens sudo mode), so it
    keeps the request.
    """
    with transaction.atomic():
        if not _code_fits(device, code):
            return None
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = recovery_codes_issue(user=device.user)
        django_otp.login(request, device)
        sudo_grant(request)
        audit_record_for_request(
            request, "aftercare.account.second_factor_enrolled", target=device.user
        )
    request.session.pop(PENDING_AUTHENTICATOR_KEY, None)
    return codes


def second_factor_verify(*, request: HttpRequest, code: str):
    """Complete sign-in with an authenticator or recovery code; None when it does not fit."""
    user = request.user
    # for_verify locks the devices, so a code cannot be used twice by racing requests.
    with transaction.atomic():
        for device in devices_for_user(user, for_verify=True):
            if device.verify_token(code):
                django_otp.login(request, device)
                sudo_grant(request)
                method = "recovery_code" if isinstance(device, StaticDevice) else "authenticator"
                audit_record_for_request(
                    request, "aftercare.account.signed_in", target=user, payload={"method": method}
                )
                return device
    audit_record_for_request(request, "aftercare.account.second_factor_failed", target=user)
    return None


def recovery_codes_left(*, user) -> int:
    return StaticToken.objects.filter(device__user=user).count()


@dataclass(frozen=True)
class SudoResult:
    granted: bool
    # Wrong confirmations left before the session ends; 0 once it has ended.
    tries_left: int


def sudo_recent_failures(*, user) -> int:
    """The user's failed confirmations, in every session, within the cool-off since their
    last successful one: a new session does not start the count again."""
    events = AuditEvent.objects.filter(object_type="aftercare.user", object_id=str(user.pk))
    last_granted = (
        events.filter(action="aftercare.account.sudo_granted").aggregate(last=Max("id"))["last"]
        or 0
    )
    return events.filter(
        action="aftercare.account.sudo_failed",
        id__gt=last_granted,
        created_at__gt=timezone.now() - settings.AXES_COOLOFF_TIME,
    ).count()


def sudo_confirm(*, request: HttpRequest, secret: str) -> SudoResult:
    """Grant sudo mode for a fresh password or authenticator code.

    Throttled like sign-in (the same limit and cool-off): at `AXES_FAILURE_LIMIT` failures
    in this session, or by this user across sessions within `AXES_COOLOFF_TIME` since
    their last success, the session ends. The audit trail is the per-user count.
    """
    user = request.user
    ok = user.check_password(secret) or any(
        d.verify_token(secret) for d in TOTPDevice.objects.filter(user=user, confirmed=True)
    )
    limit = settings.AXES_FAILURE_LIMIT
    with transaction.atomic():
        if ok:
            sudo_grant(request)
            audit_record_for_request(request, "aftercare.account.sudo_granted", target=user)
            return SudoResult(granted=True, tries_left=limit)
        in_session = sudo_failure_add(request)
        audit_record_for_request(request, "aftercare.account.sudo_failed", target=user)
        failures = max(in_session, sudo_recent_failures(user=user))
        if failures < limit:
            return SudoResult(granted=False, tries_left=limit - failures)
        audit_record_for_request(
            request,
            "aftercare.account.sudo_locked_out",
            target=user,
            payload={"failures": failures},
        )
    logout(request)  # flushes the session: sudo, acting organization, everything
    return SudoResult(granted=False, tries_left=0)


def membership_update(
    *,
    actor: Actor,
    membership: Membership,
    role: str,
    is_active: bool,
    bar_number: str | None = None,
    phone: str | None = None,
) -> Membership:
    """Change a member's role or deactivate them; an organization never loses its last admin.

    `bar_number` and `phone` (None: unchanged) are what documents print for an attorney;
    the audit names them when they change, without their values.
    """
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        losing_admin = locked.role == Role.ORG_ADMIN and (role != Role.ORG_ADMIN or not is_active)
        if losing_admin:
            other_admins = (
                Membership.objects.active()
                .filter(
                    organization_id=locked.organization_id,
                    role=Role.ORG_ADMIN,
                    user__is_active=True,
                )
                .exclude(pk=locked.pk)
            )
            if not other_admins.exists():
                raise ValidationError(
                    LAST_ADMIN_SELF_ERROR if locked.user_id == actor.user_id else LAST_ADMIN_ERROR
                )
        changes = {"role": [locked.role, role], "is_active": [locked.is_active, is_active]}
        ending = locked.is_active and not is_active
        details = {"bar_number": bar_number, "phone": phone}
        changed_details = sorted(
            name
            for name, value in details.items()
            if value is not None and getattr(locked, name) != value
        )
        for name in changed_details:
            setattr(locked, name, details[name])
        locked.role, locked.is_active = role, is_active
        locked.save(update_fields=["role", "is_active", *changed_details])
        if ending:
            membership_ended.send(sender=Membership, membership=locked, actor=actor)
        audit_record_by(
            actor,
            "aftercare.membership.changed",
            target=locked,
            payload={
                **{k: v for k, v in changes.items() if v[0] != v[1]},
                **({"details": changed_details} if changed_details else {}),
            },
        )
    return locked


ORGANIZATION_PROFILE_FIELDS = (
    "name",
    "country",
    "jurisdiction",
    "contact_email",
    "contact_phone",
    "mailing_address",
    "services",
)


def account_exists(email: str) -> bool:
    return get_user_model().objects.filter(email__iexact=email).exists()


def organization_update(*, actor: Actor, organization: Organization, data: dict) -> list[str]:
    """Change the acting organization's profile; return the names of the fields changed.

    `data` holds the new values (a form's cleaned data); they are compared with the stored
    row, locked, never with the instance given, which a bound model form may already have
    changed. Only profile fields may change. An unchanged save writes nothing, not even an
    audit event; a change audits the names of the fields, never their values.
    """
    if organization.pk != actor.organization_id:
        raise PermissionDenied
    unknown = set(data) - set(ORGANIZATION_PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Not profile fields: {sorted(unknown)}")
    with transaction.atomic():
        stored = Organization.objects.select_for_update().get(pk=organization.pk)
        changed = sorted(name for name, value in data.items() if getattr(stored, name) != value)
        if not changed:
            return []
        for name in changed:
            setattr(stored, name, data[name])
        stored.full_clean()
        stored.save(update_fields=changed)
        audit_record_by(
            actor, "aftercare.organization.changed", target=stored, payload={"fields": changed}
        )
    return changed


def notification_acknowledge(*, actor: Actor, notification: Notification) -> bool:
    """Mark one of the actor's notifications (in the acting organization) read, once."""
    with transaction.atomic():
        marked = (
            Notification.objects.visible_to(actor.membership)
            .unread()
            .filter(pk=notification.pk)
            .update(read_at=timezone.now())
        )
        if marked:
            audit_record_by(actor, "aftercare.notification.read", target=notification)
    return bool(marked)


def notifications_acknowledge_all(*, actor: Actor) -> int:
    """Mark every unread notification of the acting organization read; others stay unread."""
    with transaction.atomic():
        count = (
            Notification.objects.visible_to(actor.membership)
            .unread()
            .update(read_at=timezone.now())
        )
        audit_record_by(actor, "aftercare.notification.read_all", payload={"count": count})
    return count
