"""Labels of the volunteers app's audit codes (gathered by aftercare.audit_labels)."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "volunteers.admission.added": _("Bar admission added"),
    "volunteers.admission.removed": _("Bar admission removed"),
    "volunteers.assignment.created": _("Volunteer assigned to a matter"),
    "volunteers.assignment.debrief_reminded": _("Debrief reminder sent"),
    "volunteers.assignment.ended": _("Volunteer's assignment ended"),
    "volunteers.certificate.downloaded": _("Certificate downloaded"),
    "volunteers.checkin.conversation_requested": _("Volunteer asked for a conversation"),
    "volunteers.credential.added": _("Credential added"),
    "volunteers.credential.removed": _("Credential removed"),
    "volunteers.credential.verified": _("Credential verified"),
    "volunteers.hours.exported": _("Volunteer hours exported"),
    "volunteers.interest.expressed": _("Volunteer expressed interest"),
    "volunteers.interest.no_conflict_confirmed": _("Volunteer confirmed no conflict"),
    "volunteers.interest.withdrawn": _("Volunteer withdrew interest"),
    "volunteers.invitation.accepted": _("Volunteer invitation accepted"),
    "volunteers.invitation.sent": _("Volunteer invitation sent"),
    "volunteers.invitation.withdrawn": _("Volunteer invitation withdrawn"),
    "volunteers.opportunity.closed": _("Opportunity closed"),
    "volunteers.opportunity.details_viewed": _("Opportunity details viewed"),
    "volunteers.opportunity.posted": _("Opportunity posted"),
    "volunteers.profile.changed": _("Volunteer profile changed"),
    "volunteers.profile.paused": _("Volunteer paused"),
    "volunteers.profile.resumed": _("Volunteer resumed"),
    "volunteers.training.added": _("Training recorded"),
}
