"""What cases tells the apps above it, and how it reacts to the core."""

from django.dispatch import Signal, receiver

from aftercare.signals import membership_ended
from survivors.signals import referral_follow_ups

# Sent inside the transaction when someone leaves a matter's team, with `matter`, `user`
# and `actor` (who removed them). The volunteers app ends the assignment that gave them the matter.
team_member_removed = Signal()

# Sent before someone is added to a team by hand (`team_member_join`), with `matter`, `user`
# and `actor` (who adds them). A receiver refuses by raising ValidationError with the reason.
team_member_joining = Signal()

# Sent to list who may be chosen to lead or join a matter by hand, with `organization` (an
# Organization or its id). A receiver returns the ids of users to leave out of such lists
# (an iterable or a values queryset): a list must not offer a choice that joining refuses.
team_candidates_excluded = Signal()


@receiver(membership_ended)
def _on_membership_ended(sender, membership, actor, **kwargs) -> None:
    from cases.services.matters import team_member_leave_organization

    team_member_leave_organization(actor=actor, membership=membership)


@receiver(referral_follow_ups)
def _conflict_check_of_referral(sender, referral, membership, **kwargs) -> list[tuple[str, str]]:
    """A legal organization's coordinator reaches the conflict check a referral for
    representation needs: the one already run for this client, or a new one."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from cases.models import ConflictCheck
    from survivors.models import Purpose, Referral

    org = membership.organization
    if not (
        referral.to_organization_id == org.pk
        and referral.purpose == Purpose.LEGAL_REPRESENTATION
        and org.kind == org.Kind.LEGAL_AID
        and membership.role_enum.sees_whole_organization
    ):
        return []
    checks = ConflictCheck.objects.filter(organization=org, client_id=referral.survivor_id)
    check = checks.filter(referral=referral).first() or checks.filter(referral__isnull=True).first()
    if check is not None:
        label = _("Conflict check: %(decision)s") % {"decision": check.get_decision_display()}
        return [(label, reverse("cases:conflict", args=[check.pk]))]
    if referral.status not in Referral.OPEN:
        return []
    url = reverse("cases:conflict_new", args=[referral.survivor_id])
    return [(_("Run the conflict check"), f"{url}?referral={referral.pk}")]
