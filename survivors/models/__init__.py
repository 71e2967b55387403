"""Survivors' models: the record (record.py), what others may see of it (sharing.py), and
a legal organization's own client file (engagement.py)."""

from survivors.models.communications import Communication
from survivors.models.engagement import ClientFileToken, Engagement
from survivors.models.record import (
    AGE_OF_MAJORITY,
    DataCategory,
    Indicator,
    Need,
    SafeContact,
    Survivor,
    SurvivorAlias,
    SurvivorToken,
    SurvivorUserGrant,
    TraffickingKind,
    majority_date,
)
from survivors.models.sharing import (
    Consent,
    Purpose,
    Referral,
    RetentionPolicy,
    ServiceGoal,
    SurvivorAccess,
    SurvivorShare,
)

__all__ = [
    "AGE_OF_MAJORITY",
    "ClientFileToken",
    "Communication",
    "Consent",
    "DataCategory",
    "Engagement",
    "Indicator",
    "Need",
    "Purpose",
    "Referral",
    "RetentionPolicy",
    "SafeContact",
    "ServiceGoal",
    "Survivor",
    "SurvivorAccess",
    "SurvivorAlias",
    "SurvivorShare",
    "SurvivorToken",
    "SurvivorUserGrant",
    "TraffickingKind",
    "majority_date",
]
