"""Staff invitations: an organization admin (or, for an organization's first admin, a
platform administrator) invites someone by email with a role; they accept with a
single-use, expiring link, set a password and a second factor, and land as a member.

The link machinery is shared with volunteer invitations (aftercare.invitations).
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.actor import Actor
from aftercare.audit import audit_record_by
from aftercare.invitations import (
    INVITATION_LIFETIME,
    invitation_email_token,
    invitation_token_hash,
    invitation_token_new,
)
from aftercare.models import Membership, Organization, Role, StaffInvitation

logger = logging.getLogger(__name__)


def may_invite(actor: Actor, organization: Organization, role: str) -> bool:
    """The organization's own admins invite anyone; a platform administrator invites
    admins only (an organization's first), and nobody else."""
    if actor.user is None:
        return False
    if actor.organization_id == organization.pk and actor.role.manages_members:
        return True
    return bool(getattr(actor.user, "is_platform_admin", False)) and role == Role.ORG_ADMIN


def _email(invitation: StaffInvitation, token: str) -> None:
    link = settings.AFTERCARE_BASE_URL + reverse("account:join", args=[token])
    context = {
        "organization": invitation.organization,
        "role": invitation.get_role_display(),
        "link": link,
    }
    send_mail(
        _("You are invited to join %(organization)s on Aftercare")
        % {"organization": invitation.organization},
        render_to_string("account/staff_invitation_email.txt", context),
        None,
        [invitation.email],
    )


def _email_failed(error: Exception) -> ValidationError:
    logger.warning("staff invitation email could not be sent: %s", type(error).__name__)
    return ValidationError(
        _("The invitation email could not be sent, so nothing was saved. Try again later.")
    )


def staff_invitation_send(
    *, actor: Actor, organization: Organization, email: str, role: str
) -> StaffInvitation:
    """Invite someone by email to the organization's staff with a role.

    Idempotent: while a usable invitation to this address with this role waits, sending
    again returns it and emails nothing (a double click, a retry; "Resend" is the way to
    email it again). A pending one with another role, or expired, is withdrawn and
    replaced. If the email cannot be sent, nothing is saved.
    """
    if not may_invite(actor, organization, role):
        raise PermissionDenied
    if not organization.is_active:
        raise ValidationError(_("This organization is deactivated: nobody can be invited to it."))
    email = email.strip().lower()
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError(
            {
                "email": _(
                    "This person is a member here already: change their role or reactivate "
                    "them on their member page."
                )
            }
        )
    email_token, now = invitation_email_token(email), timezone.now()
    pending = StaffInvitation.objects.pending().filter(
        organization=organization, email_token=email_token
    )
    try:
        with transaction.atomic():
            earlier = pending.select_for_update().first()
            if earlier is not None and earlier.role == role and earlier.expires_at > now:
                return earlier
            if earlier is not None:
                earlier.revoked_at = now
                earlier.save(update_fields=["revoked_at"])
                audit_record_by(
                    actor,
                    "aftercare.staff_invitation.withdrawn",
                    target=earlier,
                    organization=organization,
                    payload={"replaced": True},
                )
            token = invitation_token_new()
            try:
                with transaction.atomic():
                    invitation = StaffInvitation.objects.create(
                        organization=organization,
                        email=email,
                        email_token=email_token,
                        role=role,
                        token_hash=invitation_token_hash(token),
                        invited_by=actor.user,
                        expires_at=now + INVITATION_LIFETIME,
                        sent_at=now,
                    )
            except IntegrityError:
                # Another request invited this address at this very moment (this insert
                # waited for it to commit): its link stands, and no second email goes out.
                return pending.get()
            audit_record_by(
                actor,
                "aftercare.staff_invitation.sent",
                target=invitation,
                organization=organization,
                payload={"role": role},
            )
            _email(invitation, token)
    except (smtplib.SMTPException, OSError) as error:
        raise _email_failed(error) from error
    return invitation


def staff_invitation_resend(*, actor: Actor, invitation: StaffInvitation) -> StaffInvitation:
    """Email a pending invitation again with a new link, good for another 14 days; the
    link sent before stops working."""
    if not may_invite(actor, invitation.organization, invitation.role):
        raise PermissionDenied
    now = timezone.now()
    try:
        with transaction.atomic():
            locked = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
            if not locked.is_pending:
                raise ValidationError(
                    _("This invitation was accepted or withdrawn; send a new one instead.")
                )
            if not locked.organization.is_active:
                raise ValidationError(
                    _("This organization is deactivated: nobody can be invited to it.")
                )
            token = invitation_token_new()
            locked.token_hash = invitation_token_hash(token)
            locked.expires_at, locked.sent_at = now + INVITATION_LIFETIME, now
            locked.save(update_fields=["token_hash", "expires_at", "sent_at"])
            audit_record_by(
                actor,
                "aftercare.staff_invitation.resent",
                target=locked,
                organization=locked.organization,
            )
            _email(locked, token)
    except (smtplib.SMTPException, OSError) as error:
        raise _email_failed(error) from error
    return locked


def staff_invitation_revoke(*, actor: Actor, invitation: StaffInvitation) -> bool:
    """Withdraw a pending invitation: its link stops working. Once only."""
    if not may_invite(actor, invitation.organization, invitation.role):
        raise PermissionDenied
    with transaction.atomic():
        locked = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
        if not locked.is_pending:
            return False
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit_record_by(
            actor,
            "aftercare.staff_invitation.withdrawn",
            target=locked,
            organization=locked.organization,
        )
    return True


def staff_invitation_for_token(token: str) -> StaffInvitation | None:
    """The usable invitation a link opens, to an organization that is still active."""
    return (
        StaffInvitation.objects.filter(organization__is_active=True)
        .select_related("organization")
        .for_token(token)
    )


def staff_invitation_accept(
    *, actor: Actor, invitation: StaffInvitation, full_name: str = "", password: str = ""
) -> Membership:
    """Join the organization with the invitation's role: a new account, or, for someone
    who already has one, a new membership on the account they are signed in with
    (`actor.user`). Signing a new account in is the caller's (the web view does it)."""
    user_model = get_user_model()
    existing = user_model.objects.filter(email__iexact=invitation.email).first()
    with transaction.atomic():
        locked = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
        organization = Organization.objects.get(pk=locked.organization_id)
        if not locked.is_pending or locked.expires_at <= timezone.now():
            raise ValidationError(_("This invitation can no longer be used."))
        if not organization.is_active:
            raise ValidationError(_("This invitation can no longer be used."))
        if existing is None:
            user = user_model(email=locked.email, full_name=full_name.strip())
            validate_password(password, user)
            user.set_password(password)
            try:
                with transaction.atomic():
                    user.save()
            except IntegrityError as error:  # the same address joined a moment ago
                raise ValidationError(_("This invitation can no longer be used.")) from error
        elif actor.user is not None and actor.user.pk == existing.pk:
            user = existing
        else:
            raise PermissionDenied
        # An invitation never changes a membership: not one an admin ended, nor a role.
        if Membership.objects.filter(user=user, organization=organization).exists():
            raise ValidationError(
                _("You already have a membership here; an organization admin can change it.")
            )
        membership = Membership.objects.create(
            user=user, organization=organization, role=locked.role
        )
        locked.accepted_at, locked.accepted_by = timezone.now(), user
        locked.save(update_fields=["accepted_at", "accepted_by"])
        # The new member's own act in the organization they joined.
        joined = Actor(
            user=user, membership=membership, ip_address=actor.ip_address, channel=actor.channel
        )
        audit_record_by(
            joined,
            "aftercare.staff_invitation.accepted",
            target=locked,
            payload={"role": locked.role},
        )
    return membership
