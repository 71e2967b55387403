"""Volunteers' credentials that run out soon, or ran out and were not renewed: an
expired training takes a volunteer off matters that require it."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _

from aftercare.attention import SHOWN, Group, Item, group_of, register_attention
from aftercare.models import Membership
from volunteers.models import Credential

EXPIRING_WITHIN_DAYS = 30
# Expired longer ago than this, it is old news: the volunteer has moved on or been told.
EXPIRED_WITHIN_DAYS = 90


@register_attention
def expiring_credentials(membership: Membership, today: date) -> Group | None:
    if membership.organization.kind != "legal_aid":
        return None
    # The same credential given again later (no training compares as training 0: in SQL
    # NULL equals nothing).
    renewed = (
        Credential.objects.annotate(training_key=Coalesce("training_id", 0))
        .filter(
            profile=OuterRef("profile"),
            organization=OuterRef("organization"),
            kind=OuterRef("kind"),
            training_key=Coalesce(OuterRef("training_id"), 0),
        )
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gt=OuterRef("expires_on")))
    )
    credentials = (
        Credential.objects.visible_to(membership)
        .filter(
            verified_at__isnull=False,
            expires_on__gte=today - timedelta(days=EXPIRED_WITHIN_DAYS),
            expires_on__lte=today + timedelta(days=EXPIRING_WITHIN_DAYS),
        )
        .exclude(Exists(renewed))
        .select_related("profile__user", "training")
        .order_by("expires_on", "id")[: SHOWN + 1]
    )
    items = [
        Item(
            what=_("%(person)s: %(credential)s")
            % {
                "person": c.profile.user.full_name or c.profile.user.email,
                "credential": c.label,
            },
            link=reverse("volunteers:detail", args=[c.profile_id]),
            when=c.expires_on,
            when_label=_("expired") if c.expires_on < today else _("expires"),
        )
        for c in credentials
    ]
    return group_of(
        _("Volunteer credentials running out"),
        _("Expiring within %(soon)d days, or expired in the last %(past)d and not renewed.")
        % {"soon": EXPIRING_WITHIN_DAYS, "past": EXPIRED_WITHIN_DAYS},
        items,
    )
