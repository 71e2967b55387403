"""Volunteers react to cases: a team change made elsewhere ends the assignment too."""

from django.dispatch import receiver

from cases.signals import team_candidates_excluded, team_member_joining, team_member_removed


@receiver(team_member_removed)
def _on_team_member_removed(sender, matter, user, actor, **kwargs) -> None:
    from volunteers.services.staffing import assignments_end_on_team_removal

    assignments_end_on_team_removal(matter=matter, user=user, actor=actor)


@receiver(team_member_joining)
def _on_team_member_joining(sender, matter, user, actor, **kwargs) -> None:
    from volunteers.services.staffing import team_join_refuse_volunteers

    team_join_refuse_volunteers(matter=matter, user=user)


@receiver(team_candidates_excluded)
def _on_team_candidates_excluded(sender, organization, **kwargs):
    """Volunteers join by assignment only (see team_join_refuse_volunteers)."""
    from volunteers.models import VolunteerProfile

    return VolunteerProfile.objects.values("user_id")
