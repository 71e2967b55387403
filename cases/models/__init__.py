"""Cases' models: matters and parties, conflict checks, deadlines, notes and hours."""

from cases.models.conflicts import ConflictCheck, ConflictHit, ProspectiveParty
from cases.models.deadlines import Deadline, DeadlineRule
from cases.models.documents import DocumentDraft, DocumentVersion
from cases.models.grants import Grant
from cases.models.interpreters import Interpreter
from cases.models.matter import (
    Jurisdiction,
    Matter,
    MatterUserGrant,
    Party,
    PartyAlias,
    PartyToken,
)
from cases.models.notices import AgencyNotice
from cases.models.outcomes import MatterOutcome
from cases.models.packets import Packet, PacketPart, PacketVersion
from cases.models.reminders import CalendarFeed, Delivery, Reminder, ReminderPolicy
from cases.models.tasks import Task
from cases.models.work import MatterNote, TimeEntry

__all__ = [
    "AgencyNotice",
    "CalendarFeed",
    "ConflictCheck",
    "ConflictHit",
    "Deadline",
    "DeadlineRule",
    "Delivery",
    "DocumentDraft",
    "DocumentVersion",
    "Grant",
    "Interpreter",
    "Jurisdiction",
    "Matter",
    "MatterNote",
    "MatterOutcome",
    "MatterUserGrant",
    "Packet",
    "PacketPart",
    "PacketVersion",
    "Party",
    "PartyAlias",
    "PartyToken",
    "ProspectiveParty",
    "Reminder",
    "ReminderPolicy",
    "Task",
    "TimeEntry",
]
