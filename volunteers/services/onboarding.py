"""Joining: invitations by email, the volunteer's profile, bar admissions and credentials."""

from __future__ import annotations

import base64
import hashlib
import logging
import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
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
from aftercare.models import Membership, Role
from volunteers.certificates import certificate_clean
from volunteers.models import BarAdmission, Credential, Invitation, Training, VolunteerProfile

logger = logging.getLogger(__name__)


def invitation_send(*, actor: Actor, email: str, role: str) -> Invitation:
    """Invite someone by email to volunteer for the acting organization.

    The link holds a random token; only its hash is stored. Earlier unused invitations
    to the same address are withdrawn, so one link works at a time. If the email cannot
    be sent, nothing is saved.
    """
    organization = actor.organization
    if organization is None:
        raise PermissionDenied
    email = email.strip().lower()
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError(
            {"email": _("This person has a membership here already; an admin manages it.")}
        )
    token = invitation_token_new()
    email_token = invitation_email_token(email)
    now = timezone.now()
    try:
        with transaction.atomic():
            pending = Invitation.objects.filter(
                organization=organization, accepted_at__isnull=True, revoked_at__isnull=True
            )
            pending.filter(email_token=email_token).update(revoked_at=now)
            for earlier in pending.filter(email_token=""):
                if earlier.email == email:  # older rows, without the keyed hash
                    earlier.revoked_at = now
                    earlier.save(update_fields=["revoked_at"])
            try:
                with transaction.atomic():
                    invitation = Invitation.objects.create(
                        organization=organization,
                        email=email,
                        email_token=email_token,
                        role=role,
                        token_hash=invitation_token_hash(token),
                        invited_by=actor.user,
                        expires_at=now + INVITATION_LIFETIME,
                    )
            except IntegrityError:
                # Another request invited this address at this very moment (this insert
                # waited for it to commit): its link stands, and no second email goes out.
                return pending.get(email_token=email_token)
            audit_record_by(
                actor, "volunteers.invitation.sent", target=invitation, payload={"role": role}
            )
            link = settings.AFTERCARE_BASE_URL + reverse("volunteers:join", args=[token])
            context = {"organization": organization, "link": link, "invitation": invitation}
            send_mail(
                _("You are invited to volunteer with %(organization)s")
                % {"organization": organization},
                render_to_string("volunteers/invitation_email.txt", context),
                None,
                [email],
            )
    except (smtplib.SMTPException, OSError) as error:
        logger.warning("invitation email could not be sent: %s", type(error).__name__)
        raise ValidationError(
            _("The invitation email could not be sent, so nothing was saved. Try again later.")
        ) from error
    return invitation


def invitation_withdraw(*, actor: Actor, invitation: Invitation) -> None:
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at or locked.revoked_at:
            return
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record_by(actor, "volunteers.invitation.withdrawn", target=invitation)


def invitation_for_token(token: str) -> Invitation | None:
    return Invitation.objects.select_related("organization").for_token(token)


def account_exists(email: str) -> bool:
    return get_user_model().objects.filter(email__iexact=email).exists()


def invitation_accept(
    *, actor: Actor, invitation: Invitation, full_name: str = "", password: str = ""
):
    """Join the organization: a new account, or, for someone who already has one, a new
    membership on the account they are signed in with (`actor.user`). Either way the
    volunteer profile exists afterwards. Signing a new account in is the caller's: the
    web view does it, and nothing here needs a request."""
    user_model = get_user_model()
    existing = user_model.objects.filter(email__iexact=invitation.email).first()
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at or locked.revoked_at or locked.expires_at <= timezone.now():
            raise ValidationError(_("This invitation can no longer be used."))
        if existing is None:
            user = user_model(email=invitation.email, full_name=full_name.strip())
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
        # An invitation never changes a membership: not an admin's role, and not one an
        # admin ended (only admins manage members).
        if Membership.objects.filter(user=user, organization=invitation.organization).exists():
            raise ValidationError(
                _("You already have a membership here; an organization admin can change it.")
            )
        membership = Membership.objects.create(
            user=user, organization=invitation.organization, role=invitation.role
        )
        kind = (
            VolunteerProfile.Kind.ATTORNEY
            if invitation.role == Role.ATTORNEY
            else VolunteerProfile.Kind.PARALEGAL
        )
        VolunteerProfile.objects.get_or_create(user=user, defaults={"kind": kind})
        locked.accepted_at, locked.accepted_by = timezone.now(), user
        locked.save(update_fields=["accepted_at", "accepted_by"])
        # Recorded as the new member's own act in the organization they joined (before,
        # they were nobody there, or someone signed in elsewhere).
        joined = Actor(
            user=user, membership=membership, ip_address=actor.ip_address, channel=actor.channel
        )
        audit_record_by(joined, "volunteers.invitation.accepted", target=locked)
    return user


def profile_for_member(membership: Membership) -> VolunteerProfile | None:
    """The acting member's own profile. Only volunteers have one: it comes with an
    invitation, so staff never land in the matching pool or the pro bono report."""
    if membership.role not in (Role.ATTORNEY, Role.PARALEGAL):
        return None
    return VolunteerProfile.objects.filter(user_id=membership.user_id).first()


def profile_update(*, actor: Actor, profile: VolunteerProfile, data: dict) -> None:
    with transaction.atomic():
        changed = [name for name, value in data.items() if getattr(profile, name) != value]
        for name, value in data.items():
            setattr(profile, name, value)
        profile.save()
        audit_record_by(
            actor, "volunteers.profile.changed", target=profile, payload={"fields": changed}
        )


def admission_add(
    *, actor: Actor, profile: VolunteerProfile, jurisdiction: str, number: str, status: str
) -> BarAdmission:
    jurisdiction = jurisdiction.strip().upper()
    with transaction.atomic():
        admission, created = BarAdmission.objects.get_or_create(
            profile=profile,
            jurisdiction=jurisdiction,
            defaults={"number": number.strip(), "status": status},
        )
        if not created:
            raise ValidationError(
                {
                    "jurisdiction": _("An admission in %(state)s is already listed.")
                    % {"state": jurisdiction}
                }
            )
        audit_record_by(actor, "volunteers.admission.added", target=profile)
    return admission


def admission_remove(*, actor: Actor, admission: BarAdmission) -> None:
    profile = admission.profile
    with transaction.atomic():
        admission.delete()
        audit_record_by(actor, "volunteers.admission.removed", target=profile)


def _verifies(actor: Actor, profile: VolunteerProfile, organization_id: int) -> bool:
    """A coordinator of the credential's organization who enters or checks it has seen the
    proof: it counts at once. Never one's own."""
    membership = actor.membership
    return (
        membership is not None
        and membership.role_enum.sees_whole_organization
        and membership.organization_id == organization_id
        and membership.user_id != profile.user_id
    )


def credential_add(
    *,
    actor: Actor,
    profile: VolunteerProfile,
    data: dict,
    certificate: UploadedFile | None = None,
) -> Credential:
    """Record a training or check; its certificate is cleaned first, so a bad file saves
    nothing."""
    clean = certificate_clean(certificate) if certificate else None
    credential = Credential(profile=profile, organization_id=actor.organization_id, **data)
    if clean is not None:
        credential.certificate_base64 = base64.b64encode(clean.content).decode()
        credential.certificate_type = clean.content_type
        credential.certificate_size = len(clean.content)
        credential.certificate_sha256 = hashlib.sha256(clean.content).hexdigest()
    if _verifies(actor, profile, credential.organization_id):
        credential.verified_by, credential.verified_at = actor.user, timezone.now()
    credential.full_clean(exclude=["certificate_base64"])
    with transaction.atomic():
        credential.save()
        audit_record_by(
            actor,
            "volunteers.credential.added",
            target=credential,
            payload={"kind": credential.kind, "verified": credential.is_verified},
        )
    return credential


def credential_verify(*, actor: Actor, credential: Credential) -> None:
    if not _verifies(actor, credential.profile, credential.organization_id):
        raise PermissionDenied
    with transaction.atomic():
        credential.verified_by, credential.verified_at = actor.user, timezone.now()
        credential.save(update_fields=["verified_by", "verified_at"])
        audit_record_by(actor, "volunteers.credential.verified", target=credential)


def credential_remove(*, actor: Actor, credential: Credential) -> None:
    """A volunteer may take back their own unverified entry; coordinators any."""
    own = credential.profile.user_id == actor.user_id
    # A verified record stays unless a coordinator removes it.
    if (own and credential.is_verified) or (
        not own and not _verifies(actor, credential.profile, credential.organization_id)
    ):
        audit_record_by(
            actor,
            "aftercare.access.denied",
            target=credential,
            payload={"method": "POST", "action": "credential_remove"},
        )
        raise PermissionDenied
    with transaction.atomic():
        audit_record_by(
            actor,
            "volunteers.credential.removed",
            target=credential,
            payload={"kind": credential.kind},
        )
        credential.delete()


def certificate_read(*, actor: Actor, credential: Credential) -> bytes:
    audit_record_by(actor, "volunteers.certificate.downloaded", target=credential)
    return base64.b64decode(credential.certificate_base64)


def training_add(*, actor: Actor, data: dict) -> Training:
    """List a training the organization asks of its volunteers; a name is listed once."""
    organization = actor.organization
    if actor.role is None or not actor.role.sees_whole_organization:
        raise PermissionDenied
    listed = ValidationError({"name": _("This training is already listed.")})
    if Training.objects.filter(organization=organization, name__iexact=data["name"]).exists():
        raise listed
    with transaction.atomic():
        try:
            with transaction.atomic():
                training = Training.objects.create(organization=organization, **data)
        except IntegrityError as error:  # added by someone else a moment ago
            raise listed from error
        audit_record_by(
            actor,
            "volunteers.training.added",
            target=training,
            payload={"required": training.required_for_every_matter},
        )
    return training
