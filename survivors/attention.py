"""Referrals nobody has answered: those sent to the organization (it owes an answer)
and those it sent (a partner to chase). Named by organization and date, never by the
person referred."""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.attention import SHOWN, Group, Item, days_before, group_of, register_attention
from aftercare.models import Membership
from survivors.models import Referral

UNANSWERED_AFTER_DAYS = 7


@register_attention
def unanswered_referrals(membership: Membership, today: date) -> Group | None:
    before = days_before(today, UNANSWERED_AFTER_DAYS)
    own = membership.organization_id
    referrals = (
        Referral.objects.visible_to(membership)
        .filter(status=Referral.Status.SENT, sent_at__lt=before)
        .select_related("from_organization", "to_organization")
        .only(
            "id",
            "sent_at",
            "to_organization_id",
            "from_organization__name",
            "to_organization__name",
        )
        .order_by("sent_at", "id")[: SHOWN + 1]
    )
    items = [
        Item(
            what=(
                _("Referral %(id)s from %(organization)s: yours to answer")
                % {"id": referral.pk, "organization": referral.from_organization.name}
                if referral.to_organization_id == own
                else _("Referral %(id)s to %(organization)s: no answer yet")
                % {"id": referral.pk, "organization": referral.to_organization.name}
            ),
            link=reverse("survivors:referral", args=[referral.pk]),
            when=timezone.localdate(referral.sent_at),
            when_label=_("sent"),
        )
        for referral in referrals
    ]
    return group_of(
        _("Referrals waiting for an answer"),
        _("Sent %(days)d days ago or more, and neither accepted nor declined.")
        % {"days": UNANSWERED_AFTER_DAYS},
        items,
    )
