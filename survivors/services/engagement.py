"""Recording that a survivor engaged a legal organization: its client file begins."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.actor import Actor
from aftercare.audit import audit_record_by
from aftercare.blind_index import birth_date_token, name_tokens
from aftercare.models import Organization, Role
from survivors.identity import (
    Basis,
    IdentityUse,
    knowledge_basis,
    survivor_identity_for,
)
from survivors.models import ClientFileToken, Engagement, Survivor
from survivors.services.sharing import survivor_access_refresh

ALREADY_ENGAGED = _("Your organization already has a client file for this person.")
NOT_LEGAL = _("Only a legal aid organization is engaged as a client's lawyer.")
NOT_KNOWN = _(
    "Your organization has no current consent for this person: the client must be "
    "referred (or come to you) before the engagement can be recorded."
)
# Opening a client file is the organization's decision, and it outlives the partner's
# consent: its coordinators and admins make it, not every attorney (volunteers included).
ENGAGES = (Role.COORDINATOR, Role.ORG_ADMIN)


def engagement_may_record(actor: Actor) -> bool:
    return (
        actor.membership is not None
        and actor.organization.kind == Organization.Kind.LEGAL_AID
        and actor.role in ENGAGES
    )


def engagement_initial(*, actor: Actor, survivor: Survivor) -> dict:
    """What the client file starts from: what the organization may already know.

    Identity a consent did not cover is left empty, for the attorney to take from the
    client at their own intake; it is never copied from the partner's record.
    """
    identity = survivor_identity_for(actor=actor, survivor=survivor, use=IdentityUse.ENGAGEMENT)
    return {name: value for name, value in identity.values.items() if value not in (None, "")}


def engagement_record(*, actor: Actor, survivor: Survivor, data: dict) -> Engagement:
    """Open the organization's client file for a survivor who engaged it as her lawyer.

    From now on the organization knows the client through this file: a later revocation
    of the partner's consent, or the partner's erasure of its record, does not end it.
    """
    if not engagement_may_record(actor):
        raise PermissionDenied(NOT_LEGAL)
    basis, _categories = knowledge_basis(organization_id=actor.organization_id, survivor=survivor)
    if basis == Basis.ENGAGEMENT:
        raise ValidationError(ALREADY_ENGAGED)
    if not basis:
        raise ValidationError(NOT_KNOWN)
    fields = {
        name: value
        for name, value in data.items()
        if name in (*Engagement.PII_FIELDS, "interpreter_needed", "engaged_on")
        or name in ("letter_signed", "letter_signed_on")
    }
    if basis == Basis.OWN_RECORD:
        # The organization's own record is already its client file's identity.
        fields = {k: v for k, v in fields.items() if k not in Engagement.IDENTITY_FIELDS}
    try:
        with transaction.atomic():
            engagement = Engagement.objects.create(
                survivor=survivor,
                organization=actor.organization,
                recorded_by=actor.user,
                **fields,
            )
            survivor_access_refresh(survivor=survivor, organization_id=actor.organization_id)
            client_file_tokens_write(engagement)
            audit_record_by(
                actor,
                "survivors.engagement.recorded",
                target=survivor,
                payload={
                    "engagement": engagement.pk,
                    "letter_signed": engagement.letter_signed,
                    "identity_fields": sorted(
                        n for n in Engagement.IDENTITY_FIELDS if getattr(engagement, n)
                    ),
                },
            )
    except IntegrityError as race:  # a double click: the first one made the file
        raise ValidationError(ALREADY_ENGAGED) from race
    return engagement


def client_file_tokens_write(engagement: Engagement) -> int:
    """Index the client file's names and birth date for its organization's conflict checks."""
    names = [engagement.legal_name, engagement.preferred_name]
    found = {token: kind for name in names if name for kind, token in name_tokens(name).items()}
    if engagement.date_of_birth:
        found[birth_date_token(engagement.date_of_birth)] = "birth_date"
    ClientFileToken.objects.bulk_create(
        ClientFileToken(
            engagement=engagement, organization_id=engagement.organization_id, kind=k, token=t
        )
        for t, k in found.items()
    )
    return len(found)


def engagement_end(*, actor: Actor, engagement: Engagement) -> Engagement:
    """The representation ended: the client file stays, and the organization's retention
    period for client files starts counting from today."""
    if not engagement_may_record(actor) or actor.organization_id != engagement.organization_id:
        raise PermissionDenied
    with transaction.atomic():
        ended = Engagement.objects.filter(pk=engagement.pk, ended_at__isnull=True).update(
            ended_at=timezone.now()
        )
        if ended:
            audit_record_by(
                actor,
                "survivors.engagement.ended",
                target=engagement.survivor,
                payload={"engagement": engagement.pk},
            )
    engagement.refresh_from_db(fields=["ended_at"])
    return engagement


def engagement_legal_hold_set(*, actor: Actor, engagement: Engagement, on: bool) -> None:
    """A legal hold keeps the client file from erasure, on request or by retention."""
    if actor.organization_id != engagement.organization_id or not (
        actor.role.sees_whole_organization
    ):
        raise PermissionDenied
    with transaction.atomic():
        Engagement.objects.filter(pk=engagement.pk).update(legal_hold=on)
        audit_record_by(
            actor,
            "survivors.engagement.legal_hold_changed",
            target=engagement.survivor,
            payload={"engagement": engagement.pk, "on": on},
        )
