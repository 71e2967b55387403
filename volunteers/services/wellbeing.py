"""How volunteers are doing: private check-ins and the debrief reminder on heavy matters."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.actor import Actor
from aftercare.audit import audit_record_by
from aftercare.models import Notification
from volunteers.models import Assignment, CheckIn, VolunteerProfile
from volunteers.services.staffing import coordinators_notify


def checkin_record(*, actor: Actor, feeling: int, note: str, wants_conversation: bool) -> CheckIn:
    """Keep a private check-in. Nothing of it is audited or shown to anyone else; a request
    for a conversation tells coordinators only that the volunteer asked."""
    with transaction.atomic():
        checkin = CheckIn.objects.create(
            user=actor.user,
            organization=actor.organization,
            feeling=feeling,
            note=note.strip(),
            wants_conversation=wants_conversation,
        )
        if wants_conversation:
            profile = VolunteerProfile.objects.filter(user=actor.user).first()
            coordinators_notify(
                organization_id=actor.organization_id,
                message=_("%(name)s would like a check-in conversation.")
                % {"name": actor.user.full_name or actor.user.email},
                link=reverse("volunteers:detail", args=[profile.pk]) if profile else "",
            )
            audit_record_by(actor, "volunteers.checkin.conversation_requested")
    return checkin


def debriefs_remind(*, now=None, batch: int = 200) -> int:
    """Remind volunteers (and their coordinators) to debrief once a trauma-heavy assignment
    has run its set time. Each assignment is claimed by a conditional update inside the
    transaction that writes its notifications, so a reminder is never sent twice."""
    now = now or timezone.now()
    due = list(
        Assignment.objects.filter(
            debrief_due_at__lte=now, debrief_reminded_at__isnull=True, ended_at__isnull=True
        )
        .select_related("matter", "organization")
        .order_by("debrief_due_at")[:batch]
    )
    sent = 0
    for assignment in due:
        with transaction.atomic():
            claimed = Assignment.objects.filter(
                pk=assignment.pk, debrief_reminded_at__isnull=True, ended_at__isnull=True
            ).update(debrief_reminded_at=now)
            if not claimed:
                continue
            number = assignment.matter.number
            Notification.objects.create(
                recipient_id=assignment.user_id,
                organization_id=assignment.organization_id,
                message=_(
                    "You have been on %(number)s for a while. Time for a debrief: talk it "
                    "through with your coordinator or a peer."
                )
                % {"number": number},
                link=reverse("volunteers:wellbeing"),
            )
            coordinators_notify(
                organization_id=assignment.organization_id,
                message=_("A volunteer on %(number)s is due for a debrief.") % {"number": number},
                link=reverse("volunteers:staff", args=[assignment.matter_id]),
            )
            # The organization's trail shows the reminder went out, as it shows a click.
            audit_record_by(
                Actor.system(),
                "volunteers.assignment.debrief_reminded",
                target=assignment.matter,
                payload={"user": assignment.user_id},
                organization=assignment.organization,
            )
            sent += 1
    return sent
