"""API clients: an organization's partner systems, each a named service member with a key.

A client is a `User` who cannot sign in (no usable password, no second factor, an
address that receives no mail) with a `Membership` and a role in one organization, so
the doors of the web views (`visible_to`, guardian grants, the identity door, the
audit trail) apply to the API unchanged. Its key is shown once; only a SHA-256 digest
of it is kept (the key is 256 random bits: a slow hash would add nothing but latency).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.models import Membership, Organization


class Scope(models.TextChoices):
    """What a key may do. A request outside its scopes is a 403 that names the scope."""

    REFERRALS_READ = "referrals:read", _("Read referrals and their status")
    REFERRALS_WRITE = "referrals:write", _("Send and withdraw referrals")
    SURVIVORS_READ = "survivors:read", _("Read survivors, as far as consent allows")
    MATTERS_READ = "matters:read", _("Read matters and deadlines")
    DOCUMENTS_READ = "documents:read", _("Download generated documents")


class ApiClientQuerySet(models.QuerySet["ApiClient"]):
    def visible_to(self, membership: Membership | None) -> ApiClientQuerySet:
        """An organization's admins see (and manage) its clients; nobody else does."""
        if membership is None or not membership.role_enum.manages_members:
            return self.none()
        return self.filter(organization_id=membership.organization_id)


class ApiClient(models.Model):
    """One partner system of one organization, acting as its service member."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    membership = models.OneToOneField(
        Membership, on_delete=models.PROTECT, related_name="api_client"
    )
    name = models.CharField(_("name"), max_length=100)
    # The key's first characters, in clear: looked up by them, shown to tell keys apart.
    prefix = models.CharField(max_length=16, unique=True)
    key_digest = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    expires_at = models.DateTimeField(_("expires"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ApiClientQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"API client {self.prefix}"

    def is_usable(self, now=None) -> bool:
        return self.revoked_at is None and (now or timezone.now()) < self.expires_at

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return str(_("revoked"))
        if not self.is_usable():
            return str(_("expired"))
        return str(_("active"))

    def scope_labels(self) -> list[str]:
        labels = dict(Scope.choices)
        return [str(labels.get(scope, scope)) for scope in self.scopes]


class IdempotencyKey(models.Model):
    """A POST's `Idempotency-Key`, claimed once per client in the create's transaction.

    A retry with the same key and body gets the first answer again (status and body);
    the same key with another body is refused. Only answers that made something are
    kept: a refused request leaves no claim, so it may be sent again once fixed. The
    body kept is the API's own answer (ids, codes, statuses), never what was posted.
    """

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_digest = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="one_idempotency_key_per_client")
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_key_created")]

    def __str__(self) -> str:
        return f"idempotency key {self.pk}"
