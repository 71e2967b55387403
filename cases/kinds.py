"""Matter kinds, their sub-kinds and stages, and every allowed stage move: in one place."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    IMMIGRATION = "immigration", _("Immigration")
    PROTECTIVE_ORDER = "protective_order", _("Protective order")
    CIVIL = "civil", _("Civil claim")
    FOSTER = "foster", _("Foster care and adoption")
    CRIMINAL_RELIEF = "criminal_relief", _("Criminal-record relief")
    VICTIM_RIGHTS = "victim_rights", _("Victim rights in a prosecution")


class SubKind(models.TextChoices):
    T_VISA = "t_visa", _("T visa (I-914)")
    # A family member's derivative T visa is its own application (one I-914 Supplement A
    # per person, with its own receipt number, notices and RFEs), so its own matter.
    # Supplement B (a law enforcement declaration) is evidence inside the principal's
    # I-914, optional and with no period of its own: no matter type, no rule.
    T_VISA_FAMILY = "t_visa_family", _("T visa for a family member (I-914 Supplement A)")
    U_VISA = "u_visa", _("U visa (I-918)")
    ASYLUM = "asylum", _("Asylum (I-589)")
    SIJS = "sijs", _("Special Immigrant Juvenile Status (I-360)")
    TPS = "tps", _("Temporary Protected Status (I-821)")
    WORK_PERMIT = "work_permit", _("Work permit (I-765)")
    CONTINUED_PRESENCE = "continued_presence", _("Continued Presence")
    ADJUSTMENT = "adjustment", _("Adjustment of status (I-485)")
    CONSULAR_PROCESSING = "consular_processing", _("Consular processing (immigrant visa abroad)")
    PROTECTIVE_ORDER = "protective_order", _("Protective order")
    TVPRA_DAMAGES = "tvpra_damages", _("TVPRA damages (18 U.S.C. 1595)")
    WAGE_CLAIM = "wage_claim", _("Wage claim")
    RESTITUTION = "restitution", _("Restitution")
    DEPENDENCY = "dependency", _("Dependency and placement")
    GUARDIANSHIP = "guardianship", _("Guardianship")
    ADOPTION = "adoption", _("Adoption")
    VACATUR = "vacatur", _("Vacatur")
    EXPUNGEMENT = "expungement", _("Expungement")
    VICTIM_RIGHTS = "victim_rights", _("Victim rights")


SUB_KINDS: dict[str, tuple[str, ...]] = {
    Kind.IMMIGRATION: (
        SubKind.T_VISA,
        SubKind.U_VISA,
        SubKind.ASYLUM,
        SubKind.SIJS,
        SubKind.TPS,
        SubKind.WORK_PERMIT,
        SubKind.CONTINUED_PRESENCE,
        SubKind.ADJUSTMENT,
        SubKind.T_VISA_FAMILY,
        SubKind.CONSULAR_PROCESSING,
    ),
    Kind.PROTECTIVE_ORDER: (SubKind.PROTECTIVE_ORDER,),
    Kind.CIVIL: (SubKind.TVPRA_DAMAGES, SubKind.WAGE_CLAIM, SubKind.RESTITUTION),
    Kind.FOSTER: (SubKind.DEPENDENCY, SubKind.GUARDIANSHIP, SubKind.ADOPTION),
    Kind.CRIMINAL_RELIEF: (SubKind.VACATUR, SubKind.EXPUNGEMENT),
    Kind.VICTIM_RIGHTS: (SubKind.VICTIM_RIGHTS,),
}


def kind_of(sub_kind: str) -> str:
    return next(kind for kind, subs in SUB_KINDS.items() if sub_kind in subs)


class Stage(models.TextChoices):
    INTAKE = "intake", _("Intake and facts")
    PREPARING = "preparing", _("Preparing the filing")
    FILED = "filed", _("Filed")
    # Entered by an RFE or a NOID notice (cases.services.notices): the team is answering it.
    RFE = "rfe", _("Responding to an RFE or NOID")
    INTERVIEW = "interview", _("Interview or hearing scheduled")
    TEMPORARY_ORDER = "temporary_order", _("Temporary order in place")
    SERVED = "served", _("Respondent served")
    DISCOVERY = "discovery", _("Discovery")
    SETTLEMENT = "settlement", _("Settlement talks")
    TRIAL = "trial", _("Trial")
    MONITORING = "monitoring", _("Monitoring the case")
    DECIDED = "decided", _("Decided")
    APPEAL = "appeal", _("Appeal")


# The path of each kind; moving forward one step, back one step (to correct a
# mistake), or to DECIDED from any stage after filing is allowed; a stage in
# SKIPPABLE may also be stepped over going forward. Nothing else.
STAGE_PATHS: dict[str, tuple[str, ...]] = {
    Kind.IMMIGRATION: (
        Stage.INTAKE,
        Stage.PREPARING,
        Stage.FILED,
        Stage.RFE,
        Stage.INTERVIEW,
        Stage.DECIDED,
        Stage.APPEAL,
    ),
    Kind.PROTECTIVE_ORDER: (
        Stage.INTAKE,
        Stage.PREPARING,
        Stage.FILED,
        Stage.TEMPORARY_ORDER,
        Stage.SERVED,
        Stage.INTERVIEW,
        Stage.DECIDED,
    ),
    Kind.CIVIL: (
        Stage.INTAKE,
        Stage.PREPARING,
        Stage.FILED,
        Stage.SERVED,
        Stage.DISCOVERY,
        Stage.SETTLEMENT,
        Stage.TRIAL,
        Stage.DECIDED,
        Stage.APPEAL,
    ),
    Kind.FOSTER: (Stage.INTAKE, Stage.PREPARING, Stage.FILED, Stage.INTERVIEW, Stage.DECIDED),
    Kind.CRIMINAL_RELIEF: (
        Stage.INTAKE,
        Stage.PREPARING,
        Stage.FILED,
        Stage.INTERVIEW,
        Stage.DECIDED,
        Stage.APPEAL,
    ),
    Kind.VICTIM_RIGHTS: (Stage.INTAKE, Stage.MONITORING, Stage.INTERVIEW, Stage.DECIDED),
}


# Not every application gets a request for evidence: a filed matter may go straight to
# its interview.
SKIPPABLE = frozenset({Stage.RFE})


def allowed_stages(kind: str, current: str) -> list[str]:
    """The stages a matter of `kind` may move to from `current`. A matter in a stage not
    on its kind's path (old or imported data) may move to any stage on the path: that is
    how it gets back onto it."""
    path = STAGE_PATHS[kind]
    if current not in path:
        return list(path)
    i = path.index(current)
    moves = []
    if i + 1 < len(path):
        moves.append(path[i + 1])
        if path[i + 1] in SKIPPABLE and i + 2 < len(path):
            moves.append(path[i + 2])
    if i > 0:
        moves.append(path[i - 1])
    filed = Stage.FILED in path and i >= path.index(Stage.FILED)
    if (
        (filed or kind == Kind.VICTIM_RIGHTS)
        and Stage.DECIDED not in moves
        and (current != Stage.DECIDED)
    ):
        moves.append(Stage.DECIDED)
    return moves
