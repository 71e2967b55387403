"""Consent and referrals: nothing leaves the recording organization without a current consent."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.access import fetch_for_user
from aftercare.actor import Actor
from aftercare.audit import audit_record_by, audit_record_for_request
from aftercare.models import Organization
from survivors.models import (
    Consent,
    Engagement,
    Referral,
    ServiceGoal,
    Survivor,
    SurvivorAccess,
    SurvivorShare,
)
from survivors.signals import consent_changed, referral_changed


def survivor_access_refresh(*, survivor: Survivor, organization_id: int) -> None:
    """Bring one organization's access row for a survivor in step with ownership and the
    current shares: the owner always has one without end, and so has a legal organization
    the survivor engaged; another organization has one while a current consent shares
    the survivor with it, until the latest expiry."""
    access = SurvivorAccess.objects.filter(survivor=survivor, organization_id=organization_id)
    engaged = Engagement.objects.filter(
        survivor=survivor, organization_id=organization_id, erased_at__isnull=True
    ).exists()
    if survivor.organization_id == organization_id or engaged:
        # The owner's record, or a legal organization's own client file: no consent ends it.
        expires, keep = None, True
    else:
        shares = SurvivorShare.objects.current().filter(
            survivor=survivor, organization_id=organization_id
        )
        ends = list(shares.values_list("consent__expires_on", flat=True))
        keep = bool(ends)
        expires = None if None in ends else max(ends, default=None)
    if not keep:
        access.delete()
        return
    SurvivorAccess.objects.update_or_create(
        survivor=survivor,
        organization_id=organization_id,
        defaults={"survivor_created_at": survivor.created_at, "expires_on": expires},
    )


ALREADY_OPEN = _(
    "This survivor already has an open referral to %(organization)s for this purpose "
    "(%(status)s). Follow that one up, or withdraw it before sending another."
)
NO_CONSENT = _(
    "There is no current consent to share with this organization for this purpose. "
    "Record the survivor's consent first."
)


def consent_validate(*, survivor: Survivor, data: dict, by_membership) -> None:
    """The rules of a valid consent, in one place."""
    errors = {}
    method = data["method"]
    if not data.get("categories"):
        errors["categories"] = _("Choose at least one kind of information to share.")
    if method == Consent.Method.VERBAL_WITNESSED and not data.get("witness"):
        errors["witness"] = _("Verbal consent needs the name of a witness.")
    if method == Consent.Method.OVERRIDE:
        if not by_membership.role_enum.overrides_consent:
            errors["method"] = _("Only a coordinator can share without consent.")
        if not data.get("override_reason", "").strip():
            errors["override_reason"] = _("Say why sharing without consent is necessary.")
    elif survivor.is_minor:
        if not data.get("minor_assent"):
            errors["minor_assent"] = _("A minor must agree too (assent).")
        if not data.get("guardian_consent_by", "").strip():
            errors["guardian_consent_by"] = _(
                "A minor's consent also needs a guardian or the responsible agency."
            )
    expires = data.get("expires_on")
    if expires and expires < data["given_on"]:
        errors["expires_on"] = _("The expiry date is before the date consent was given.")
    if data["recipient"].pk == survivor.organization_id:
        errors["recipient"] = _("Your own organization needs no consent.")
    if errors:
        raise ValidationError(errors)


def consent_record(*, actor: Actor, survivor: Survivor, data: dict) -> Consent:
    consent_validate(survivor=survivor, data=data, by_membership=actor.membership)
    with transaction.atomic():
        consent = Consent.objects.create(survivor=survivor, recorded_by=actor.user, **data)
        action = (
            "survivors.consent.overridden"
            if consent.method == Consent.Method.OVERRIDE
            else "survivors.consent.recorded"
        )
        audit_record_by(
            actor,
            action,
            target=survivor,
            payload={
                "consent": consent.pk,
                "recipient": consent.recipient_id,
                "purpose": consent.purpose,
                "categories": sorted(consent.categories),
            },
        )
        consent_changed.send(Consent, consent=consent, change="recorded", actor=actor)
    return consent


def consent_revoke(*, actor: Actor, consent: Consent, reason: str) -> Consent:
    """Revoke at once: shares under the consent stop at the next request, open referrals end."""
    with transaction.atomic():
        consent.revoked_at = timezone.now()
        consent.revoked_by = actor.user
        consent.revoked_reason = reason
        consent.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
        ended = list(
            consent.shares.filter(ended_at__isnull=True).values_list("organization_id", flat=True)
        )
        consent.shares.filter(ended_at__isnull=True).update(ended_at=consent.revoked_at)
        for organization_id in set(ended):
            survivor_access_refresh(survivor=consent.survivor, organization_id=organization_id)
        open_referrals = list(
            consent.referrals.filter(status__in=Referral.OPEN).select_for_update()
        )
        withdrawn = Referral.objects.filter(pk__in=[r.pk for r in open_referrals]).update(
            status=Referral.Status.WITHDRAWN, updated_at=consent.revoked_at
        )
        audit_record_by(
            actor,
            "survivors.consent.revoked",
            target=consent.survivor,
            payload={"consent": consent.pk, "referrals_withdrawn": withdrawn},
        )
        consent_changed.send(Consent, consent=consent, change="revoked", actor=actor)
        for referral in open_referrals:
            previous, referral.status = referral.status, Referral.Status.WITHDRAWN
            # Each referral's own trail says how it ended (the API's status history and
            # events feed read it), as a withdrawal by hand would.
            audit_record_by(
                actor,
                "survivors.referral.moved",
                target=referral,
                payload={"from": previous, "to": referral.status, "because": "consent_revoked"},
            )
            referral_changed.send(
                Referral,
                referral=referral,
                status=Referral.Status.WITHDRAWN,
                previous=previous,
                actor=actor,
            )
    return consent


def consent_covering(
    *, survivor: Survivor, organization: Organization, purpose: str
) -> Consent | None:
    """The newest current consent to share with `organization` for `purpose`, if any."""
    return (
        Consent.objects.current()
        .filter(survivor=survivor)
        .covering(organization_id=organization.pk, purpose=purpose)
        .first()
    )


def referral_send(
    *,
    actor: Actor,
    survivor: Survivor,
    to_organization: Organization,
    purpose: str,
    need: str = "",
    note: str = "",
) -> Referral:
    """Refer the survivor; the receiving organization sees what the consent covers."""
    consent = consent_covering(survivor=survivor, organization=to_organization, purpose=purpose)
    if consent is None:
        audit_record_by(
            actor,
            "survivors.referral.refused_without_consent",
            target=survivor,
            payload={"recipient": to_organization.pk},
        )
        raise ValidationError(NO_CONSENT)
    with transaction.atomic():
        # One referral of a survivor at a time, so two people (or a retried partner
        # system with a new Idempotency-Key) cannot both open the same referral.
        Survivor.objects.select_for_update().filter(pk=survivor.pk).exists()
        already = (
            Referral.objects.filter(
                survivor=survivor,
                to_organization=to_organization,
                purpose=purpose,
                status__in=Referral.OPEN,
            )
            .order_by("sent_at")
            .first()
        )
        if already is not None:
            raise ValidationError(
                ALREADY_OPEN
                % {
                    "organization": to_organization.name,
                    "status": already.get_status_display(),
                }
            )
        referral = Referral.objects.create(
            survivor=survivor,
            from_organization=actor.organization,
            to_organization=to_organization,
            purpose=purpose,
            need=need,
            note=note,
            consent=consent,
            sent_by=actor.user,
        )
        SurvivorShare.objects.get_or_create(
            survivor=survivor, organization=to_organization, consent=consent, ended_at=None
        )
        survivor_access_refresh(survivor=survivor, organization_id=to_organization.pk)
        audit_record_by(
            actor,
            "survivors.referral.sent",
            target=referral,
            payload={
                "survivor": survivor.pk,
                "recipient": to_organization.pk,
                "purpose": purpose,
            },
        )
        referral_changed.send(
            Referral, referral=referral, status=referral.status, previous="", actor=actor
        )
    return referral


def referral_open(*, request: HttpRequest, pk: int) -> Referral:
    """A referral either end may open; the receiver only while the consent is current."""
    referral = fetch_for_user(
        request,
        Referral.objects.select_related(
            "survivor", "from_organization", "to_organization", "consent"
        ),
        pk=pk,
    )
    if referral.side_of(request.membership.organization_id) == "receiver" and not (
        referral.consent.is_current()
    ):
        audit_record_for_request(
            request,
            "aftercare.access.denied",
            target=referral,
            payload={"reason": "consent_not_current"},
        )
        raise Http404
    audit_record_for_request(request, "survivors.referral.viewed", target=referral)
    return referral


def referral_move(*, actor: Actor, referral: Referral, status: str, reason: str = "") -> Referral:
    """Move a referral along its lifecycle; only the moves in Referral.TRANSITIONS exist."""
    if status not in referral.next_statuses(actor.organization_id):
        raise PermissionDenied
    if status == Referral.Status.DECLINED and not reason.strip():
        raise ValidationError({"reason": _("Say why the referral is declined.")})
    with transaction.atomic():
        # Both sides may act at once: decide on the row as it is now, under a lock.
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        if status not in referral.next_statuses(actor.organization_id):
            raise PermissionDenied
        old = referral.status
        referral.status = status
        if status == Referral.Status.DECLINED:
            referral.decline_reason = reason
        referral.save(update_fields=["status", "decline_reason", "updated_at"])
        if status in (Referral.Status.DECLINED, Referral.Status.WITHDRAWN):
            _end_share_unless_still_referred(referral)
        audit_record_by(
            actor,
            "survivors.referral.moved",
            target=referral,
            payload={"from": old, "to": status},
        )
        referral_changed.send(Referral, referral=referral, status=status, previous=old, actor=actor)
    return referral


def _end_share_unless_still_referred(referral: Referral) -> None:
    still_open = Referral.objects.filter(
        survivor=referral.survivor,
        to_organization=referral.to_organization,
        consent=referral.consent,
        status__in=Referral.OPEN,
    ).exists()
    if not still_open:
        SurvivorShare.objects.filter(
            survivor=referral.survivor,
            organization=referral.to_organization,
            consent=referral.consent,
            ended_at__isnull=True,
        ).update(ended_at=timezone.now())
        survivor_access_refresh(
            survivor=referral.survivor, organization_id=referral.to_organization_id
        )


def goal_add(
    *, actor: Actor, survivor: Survivor, need: str, description: str, target_date=None
) -> ServiceGoal:
    with transaction.atomic():
        goal = ServiceGoal.objects.create(
            survivor=survivor,
            need=need,
            description=description,
            target_date=target_date,
            created_by=actor.user,
        )
        audit_record_by(
            actor,
            "survivors.goal.added",
            target=survivor,
            payload={"goal": goal.pk, "need": need},
        )
    return goal


def goal_set_status(*, actor: Actor, goal: ServiceGoal, status: str) -> ServiceGoal:
    with transaction.atomic():
        goal.status = status
        goal.save(update_fields=["status"])
        audit_record_by(
            actor,
            "survivors.goal.changed",
            target=goal.survivor,
            payload={"goal": goal.pk, "status": status},
        )
    return goal
