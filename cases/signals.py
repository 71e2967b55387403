"""What cases tells the apps above it, and how it reacts to the core."""

from django.dispatch import Signal, receiver

from aftercare.signals import membership_ended

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
