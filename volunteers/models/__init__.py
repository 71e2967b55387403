"""Volunteers: who they are and what they may do (profile.py); how they are staffed
on matters, and how they are doing (staffing.py)."""

from volunteers.models.profile import (
    BarAdmission,
    Credential,
    Invitation,
    Proficiency,
    Training,
    VolunteerProfile,
)
from volunteers.models.staffing import Assignment, CheckIn, Interest, Opportunity

__all__ = [
    "Assignment",
    "BarAdmission",
    "CheckIn",
    "Credential",
    "Interest",
    "Invitation",
    "Opportunity",
    "Proficiency",
    "Training",
    "VolunteerProfile",
]
