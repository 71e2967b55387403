"""Creating and revoking API clients: each change and its audit event in one transaction."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.actor import Actor
from aftercare.audit import audit_record_by
from aftercare.models import Membership, Role
from api.keys import key_new
from api.models import ApiClient, Scope

# A client works as staff: never as an admin, who manages members and keys.
CLIENT_ROLES = (Role.COORDINATOR, Role.INTAKE, Role.ATTORNEY, Role.PARALEGAL)
# Where a client's user "lives": the reserved .invalid domain receives no mail, so no
# password reset or invitation can ever reach it.
SERVICE_EMAIL_DOMAIN = "api-clients.invalid"


def _service_user(name: str):
    """A user who cannot sign in in a browser: no usable password and no second factor."""
    User = get_user_model()  # noqa: N806
    user = User(
        email=f"api-{secrets.token_hex(8)}@{SERVICE_EMAIL_DOMAIN}",
        full_name=str(_("%(name)s (API client)") % {"name": name}),
    )
    user.set_unusable_password()
    user.save()
    return user


def api_client_create(
    *, actor: Actor, name: str, role: str, scopes: list[str], expires_at: datetime
) -> tuple[ApiClient, str]:
    """A new client of the actor's organization and its key, which is never shown again."""
    if role not in CLIENT_ROLES:
        raise ValidationError({"role": _("An API client works as staff, not as an admin.")})
    unknown = set(scopes) - set(Scope.values)
    if not scopes or unknown:
        raise ValidationError({"scopes": _("Choose at least one thing the key may do.")})
    if expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})
    key, prefix, digest = key_new()
    with transaction.atomic():
        membership = Membership.objects.create(
            user=_service_user(name), organization=actor.organization, role=role, is_service=True
        )
        client = ApiClient.objects.create(
            organization=actor.organization,
            membership=membership,
            name=name,
            prefix=prefix,
            key_digest=digest,
            scopes=sorted(scopes),
            expires_at=expires_at,
            created_by=actor.user,
        )
        audit_record_by(
            actor,
            "api.client.created",
            target=client,
            payload={"prefix": prefix, "role": role, "scopes": sorted(scopes)},
        )
    return client, key


def api_client_revoke(*, actor: Actor, client: ApiClient) -> ApiClient:
    """The key stops working at the next request; its service member is deactivated."""
    with transaction.atomic():
        client = ApiClient.objects.select_for_update().get(pk=client.pk)
        if client.revoked_at is not None:
            return client
        client.revoked_at, client.revoked_by = timezone.now(), actor.user
        client.save(update_fields=["revoked_at", "revoked_by"])
        Membership.objects.filter(pk=client.membership_id).update(is_active=False)
        audit_record_by(
            actor, "api.client.revoked", target=client, payload={"prefix": client.prefix}
        )
    return client
