"""What every invitation by email shares: a single-use, expiring link and one pending
invitation per address.

Volunteer invitations (volunteers app) and staff invitations (core) both build on this.
The link holds a random token; only its hash is stored, so a copy of the database cannot
be used to join. The invited address is encrypted; a keyed hash of it lets the database
keep one pending invitation per address and organization.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_model_fields.fields import EncryptedCharField

INVITATION_LIFETIME = timedelta(days=14)


def invitation_token_new() -> str:
    """A fresh secret for a link; store only `invitation_token_hash` of it."""
    return secrets.token_urlsafe(32)


def invitation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_email_token(email: str) -> str:
    """A keyed hash of the invited address: the email itself is encrypted, so this is
    what the database compares to keep one pending invitation per address."""
    key = settings.BLIND_INDEX_KEY.encode()
    address = f"invitation-email:{email.strip().lower()}".encode()
    return hmac.new(key, address, hashlib.sha256).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def pending(self) -> InvitationQuerySet:
        """Neither accepted nor withdrawn (expired ones included)."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)

    def usable(self) -> InvitationQuerySet:
        return self.pending().filter(expires_at__gt=timezone.now())

    def for_token(self, token: str):
        """The usable invitation a link's token opens, or None."""
        return self.usable().filter(token_hash=invitation_token_hash(token)).first()


class InvitationBase(models.Model):
    """An invitation by email to one organization; subclasses add the organization
    and the role, and a constraint keeping one pending invitation per address."""

    email = EncryptedCharField(_("email address"), max_length=254)
    token_hash = models.CharField(max_length=64, unique=True)
    # Empty only on volunteer invitations older than the field that were no longer pending.
    email_token = models.CharField(max_length=64, blank=True, default="", editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None

    @property
    def state(self) -> str:
        if self.accepted_at:
            return _("accepted")
        if self.revoked_at:
            return _("withdrawn")
        if self.expires_at <= timezone.now():
            return _("expired")
        return _("waiting")
