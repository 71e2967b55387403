"""Running the service: platform administrators create, change and deactivate
organizations. They see no organization's records (survivors, matters, documents,
notes) unless they are also a member there; nothing here reads them.
"""

from __future__ import annotations

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from aftercare.actor import Actor
from aftercare.audit import audit_record_by
from aftercare.models import Organization, User


def is_platform_admin(user) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and getattr(user, "is_platform_admin", False)
    )


def _require_platform_admin(actor: Actor) -> None:
    if not is_platform_admin(actor.user):
        raise PermissionDenied


def _name_taken() -> ValidationError:
    return ValidationError({"name": _("An organization with this name exists already.")})


def organization_create(*, actor: Actor, name: str, kind: str, country: str) -> Organization:
    """A new, active organization with no members yet: invite its first admin next."""
    _require_platform_admin(actor)
    name = " ".join(name.split())
    if Organization.objects.filter(name__iexact=name).exists():
        raise _name_taken()
    try:
        with transaction.atomic():
            organization = Organization(name=name, kind=kind, country=country.upper())
            organization.full_clean()
            organization.save()
            audit_record_by(
                actor,
                "aftercare.organization.created",
                target=organization,
                organization=organization,
                payload={"kind": kind, "country": organization.country},
            )
    except IntegrityError as error:  # the same name, created a moment ago
        raise _name_taken() from error
    return organization


def organization_settings_change(
    *, actor: Actor, organization: Organization, kind: str, country: str
) -> list[str]:
    """Set an organization's kind and country; return the names of the fields changed."""
    _require_platform_admin(actor)
    with transaction.atomic():
        stored = Organization.objects.select_for_update().get(pk=organization.pk)
        wanted = {"kind": kind, "country": country.upper()}
        changed = sorted(name for name, value in wanted.items() if getattr(stored, name) != value)
        if not changed:
            return []
        payload = {name: [getattr(stored, name), wanted[name]] for name in changed}
        for name in changed:
            setattr(stored, name, wanted[name])
        stored.full_clean()
        stored.save(update_fields=changed)
        audit_record_by(
            actor,
            "aftercare.organization.settings_changed",
            target=stored,
            organization=stored,
            payload=payload,
        )
    return changed


def organization_active_set(*, actor: Actor, organization: Organization, active: bool) -> bool:
    """Deactivate (or reactivate) an organization; return whether anything changed.

    A deactivated organization's members can no longer act for it: sessions acting for
    it end at their next click, and its invitation links stop working. Nothing is erased.
    """
    _require_platform_admin(actor)
    with transaction.atomic():
        stored = Organization.objects.select_for_update().get(pk=organization.pk)
        if stored.is_active == active:
            return False
        stored.is_active = active
        stored.save(update_fields=["is_active"])
        action = "reactivated" if active else "deactivated"
        audit_record_by(
            actor, f"aftercare.organization.{action}", target=stored, organization=stored
        )
    return True


def platform_admin_grant(*, actor: Actor, email: str, full_name: str = "") -> str | None:
    """Make a person a platform administrator, creating their account if needed.

    Returns the one-time password of a new account (they connect an authenticator at
    their first sign-in, like everyone), or None for an existing account.
    """
    email = email.strip().lower()
    password = None
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            user = User.objects.create_user(email, password, full_name=full_name.strip())
        if user.is_platform_admin:
            return None
        user.is_platform_admin = True
        user.save(update_fields=["is_platform_admin"])
        audit_record_by(actor, "aftercare.platform.admin_granted", target=user)
    return password


def platform_admin_revoke(*, actor: Actor, email: str) -> bool:
    """Take the platform role away from a person (their memberships stay); return whether
    they had it."""
    with transaction.atomic():
        user = User.objects.select_for_update().filter(email__iexact=email.strip()).first()
        if user is None or not user.is_platform_admin:
            return False
        user.is_platform_admin = False
        user.save(update_fields=["is_platform_admin"])
        audit_record_by(actor, "aftercare.platform.admin_revoked", target=user)
    return True
