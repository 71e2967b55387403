"""Demo matters for Harbor Legal Aid: every kind, with deadlines, hearings, notes, hours."""

from __future__ import annotations

import contextlib
import random
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from aftercare.demo import acting_as, demo_seeder
from cases.kinds import STAGE_PATHS, SUB_KINDS, Stage, SubKind
from cases.models import DeadlineRule, Jurisdiction, Matter
from cases.services.conflicts import conflict_check_decide, conflict_check_run
from cases.services.deadlines import deadline_add, deadline_add_computed
from cases.services.matters import matter_open, matter_stage_move, team_member_add
from cases.services.notices import notice_record
from cases.services.work import note_add, time_log
from survivors.models import Purpose, Referral, Survivor

COURTS = [
    ("USCIS Vermont Service Center", "agency", ""),
    ("New York Immigration Court (EOIR)", "court", "NY"),
    ("New York County Family Court", "court", "NY"),
    ("New York State Supreme Court, New York County", "court", "NY"),
    ("New York City Criminal Court", "court", "NY"),
]
RULE_FOR = {
    "t_visa": "rfe-response",
    "u_visa": "u-visa-certification",
    "asylum": "asylum-one-year",
    "sijs": "sijs-age-out",
    "work_permit": "ead-renewal-window",
    "protective_order": "protective-order-expiry",
    "tvpra_damages": "tvpra-limitation",
}


def _clients(harbor) -> list[Survivor]:
    referred = Survivor.objects.filter(
        referrals__to_organization=harbor,
        referrals__purpose=Purpose.LEGAL_REPRESENTATION,
        referrals__status__in=[Referral.Status.ACCEPTED, Referral.Status.IN_PROGRESS],
    )
    own = Survivor.objects.filter(organization=harbor)
    return list(referred.order_by("id")) + list(own.order_by("id"))


@demo_seeder(floor=2, reports="Opened {} demo matters at Harbor Legal Aid.")
def demo_seed_matters() -> int:
    """Idempotent: nothing is added once Harbor has matters."""
    coordinator = acting_as("coordinator@harbor.example", "Harbor Legal Aid")
    attorney = acting_as("attorney@harbor.example", "Harbor Legal Aid")
    harbor = coordinator.membership.organization
    if Matter.objects.filter(organization=harbor).exists():
        _outcomes(attorney, harbor, timezone.localdate())
        demo_grants(harbor, timezone.localdate())
        return 0
    rng = random.Random(2026)  # noqa: S311  (synthetic data)
    today = timezone.localdate()
    with transaction.atomic():
        demo_grants(harbor, today)  # before the matters, so the rules give them theirs
        courts = [
            Jurisdiction.objects.get_or_create(
                organization=harbor,
                name=name,
                defaults={"type": kind, "holiday_subdivision": state},
            )[0]
            for name, kind, state in COURTS
        ]
        # Types added later go last, so every kind still gets a matter from the clients
        # there are, and the earlier demo matters keep their types.
        later = [SubKind.T_VISA_FAMILY, SubKind.CONSULAR_PROCESSING]
        sub_kinds = [sub for subs in SUB_KINDS.values() for sub in subs if sub not in later]
        sub_kinds += later
        paralegal = acting_as("paralegal@harbor.example", "Harbor Legal Aid").user
        for n, (client, sub_kind) in enumerate(zip(_clients(harbor), sub_kinds, strict=False)):
            check = conflict_check_run(
                actor=coordinator.actor,
                client=client,
                parties=[{"role": "trafficker", "name": f"Demo Adverse Party {n}"}],
            )
            conflict_check_decide(
                actor=coordinator.actor,
                check=check,
                decision="cleared",
                reason="Demo data: no conflict",
            )
            matter = matter_open(
                actor=coordinator.actor,
                check=check,
                sub_kind=sub_kind,
                lead_attorney=attorney.user,
                jurisdiction=rng.choice(courts),
                file_under_pseudonym=n % 4 == 0,
                case_number=f"DEMO-{today.year}-{n:04d}",
            )
            if n % 2 == 0:
                team_member_add(actor=coordinator.actor, matter=matter, user=paralegal)
            _work(attorney, matter, n, today, rng)
            if n == 0:
                _corrections(attorney, matter, today)
        _notices(attorney, Matter.objects.filter(organization=harbor, sub_kind="u_visa").first())
        _interpreters(
            attorney, Matter.objects.filter(organization=harbor, sub_kind="t_visa").first()
        )
        _tasks(attorney, paralegal, harbor, today)
        _outcomes(attorney, harbor, today)
    return Matter.objects.filter(organization=harbor).count()


def _interpreters(attorney, matter: Matter | None) -> None:
    """A T-visa matter with a Spanish interpreter, for the declaration's translation set."""
    from cases.services.interpreters import interpreter_add

    if matter is None:
        return
    interpreter_add(
        actor=attorney.actor,
        matter=matter,
        name="Demo Interpreter Lucía",
        language="es",
        qualification="court_certified",
        organization="Demo Language Services",
        phone="+1 555 0100",
        email="interpreter@demo.example",
    )


def _notices(attorney, matter: Matter | None) -> None:
    """A U-visa matter that was filed and then got an RFE by mail: its response deadline
    computed and waiting for the attorney to confirm it."""
    if matter is None:
        return
    if matter.stage == Stage.INTAKE:
        matter_stage_move(actor=attorney.actor, matter=matter, stage=Stage.PREPARING)
    today = timezone.localdate()
    for kind, days_ago in (("receipt", 150), ("rfe", 12)):
        notice_record(
            actor=attorney.actor,
            matter=matter,
            kind=kind,
            notice_date=today - timedelta(days=days_ago),
            came_by_mail=True,
            receipt_number="LIN2690054321",
        )


def _work(attorney, matter: Matter, n: int, today, rng) -> None:
    if n % 3:
        # The next stage on this kind's path ("preparing" is not on every path).
        matter.stage = STAGE_PATHS[matter.kind][1]
        matter.save(update_fields=["stage"])
    deadline_add(
        actor=attorney.actor,
        matter=matter,
        data={
            "kind": "filing",
            "title": "File the application",
            "due_date": today + timedelta(days=rng.choice([-3, -1, 2, 5, 12, 25, 40])),
        },
    )
    if n % 2 == 0:
        deadline_add(
            actor=attorney.actor,
            matter=matter,
            data={
                "kind": "hearing",
                "title": "Hearing",
                "location": "Courtroom 3",
                "due_date": today + timedelta(days=rng.randint(1, 6)),
                "due_time": timezone.datetime(2026, 1, 1, 9, 30).time(),
            },
        )
    code = RULE_FOR.get(matter.sub_kind)
    if code:
        rule = DeadlineRule.objects.get(organization=matter.organization, code=code)
        trigger = None if rule.anchor == "birth" else today - timedelta(days=rng.randint(5, 40))
        with contextlib.suppress(ValidationError):  # a client without a birth date
            deadline_add_computed(
                actor=attorney.actor,
                matter=matter,
                rule=rule,
                trigger_date=trigger,
                mailed=n % 2 == 0,
            )
    note_add(
        actor=attorney.actor,
        matter=matter,
        body="Initial consultation held with an interpreter; facts recorded.",
    )
    time_log(
        actor=attorney.actor,
        matter=matter,
        date=today - timedelta(days=1),
        minutes=rng.choice([30, 60, 90, 120]),
        activity="meeting",
    )


def _corrections(attorney, matter: Matter, today) -> None:
    """Some history on the first matter: a receipt number entered, then corrected, and a
    hearing moved, as the attorney would in the forms."""
    from cases.services.deadlines import deadline_edit
    from cases.services.matters import matter_edit

    matter_edit(actor=attorney.actor, matter=matter, receipt_number="EAC2690012345")
    matter_edit(actor=attorney.actor, matter=matter, receipt_number="EAC2690012354")
    hearing = matter.deadlines.filter(kind="hearing").first()
    if hearing is not None:
        deadline_edit(
            actor=attorney.actor,
            deadline=hearing,
            data={"due_date": hearing.due_date + timedelta(days=7), "location": "Courtroom 5"},
        )


def _tasks(attorney, paralegal, harbor, today) -> None:
    """A few open tasks: the paralegal's on their dashboard (one overdue, for the
    coordinator's list), the attorney's own."""
    from cases.services.tasks import task_create

    with_paralegal = list(
        Matter.objects.filter(organization=harbor, user_grants__user=paralegal)
        .distinct()
        .order_by("pk")[:2]
    )
    for matter, (title, days, who) in zip(
        with_paralegal * 2,
        (
            ("Ask the client for a copy of her passport", 3, paralegal),
            ("Book an interpreter for the declaration meeting", -2, paralegal),
            ("Review the draft declaration", 7, attorney.user),
            ("Send the fee waiver request", 10, attorney.user),
        ),
        strict=False,
    ):
        task_create(
            actor=attorney.actor,
            matter=matter,
            title=title,
            due_date=today + timedelta(days=days),
            assignee=who,
        )


# Plausible outcomes for the demo matters, by type: (days ago, outcome, extra fields).
DEMO_OUTCOMES = {
    "t_visa": [
        (200, "filed", {}),
        (40, "approved", {}),
        (40, "status", {"status": "t_nonimmigrant"}),
    ],
    "u_visa": [(300, "filed", {})],
    "asylum": [(150, "filed", {}), (20, "approved", {}), (20, "status", {"status": "asylee"})],
    "sijs": [(120, "filed", {}), (30, "approved", {}), (30, "status", {"status": "sijs"})],
    "work_permit": [
        (90, "filed", {}),
        (25, "approved", {}),
        (25, "status", {"status": "work_permit"}),
    ],
    "continued_presence": [(60, "approved", {}), (60, "status", {"status": "continued_presence"})],
    "adjustment": [(180, "filed", {})],
    "protective_order": [(50, "filed", {}), (35, "granted", {})],
    "tvpra_damages": [
        (160, "filed", {}),
        (45, "settled", {"amount": "85000.00", "currency": "USD"}),
        (45, "recovered", {"amount": "85000.00", "currency": "USD"}),
        (15, "collected", {"amount": "30000.00", "currency": "USD"}),
    ],
    "wage_claim": [(70, "filed", {}), (28, "judgment", {"amount": "12400.00", "currency": "USD"})],
    "restitution": [(30, "recovered", {"amount": "6000.00", "currency": "USD"})],
    "guardianship": [(65, "filed", {}), (22, "granted", {})],
    "vacatur": [(110, "filed", {}), (33, "vacated", {})],
    "expungement": [(80, "filed", {}), (18, "expunged", {})],
    "victim_rights": [(26, "judgment", {"amount": "2500.00", "currency": "USD"})],
}


def _opened_earlier(matter: Matter, first_outcome_days: int) -> None:
    """A demo matter opened at seeding is given months of history, so that its outcomes
    come after its opening and the reports' last quarter has work in it."""
    now = timezone.now()
    if matter.opened_at > now - timedelta(days=30):
        days = first_outcome_days + 30 + matter.pk % 20
        Matter.objects.filter(pk=matter.pk).update(opened_at=now - timedelta(days=days))


def _outcomes(attorney, harbor, today) -> int:
    """Idempotent: only matters without any outcome get theirs, so a demo database made
    before outcomes existed gets them at the next seeding."""
    from decimal import Decimal

    from cases.services.outcomes import outcome_record

    made = 0
    with transaction.atomic():
        matters = Matter.objects.filter(organization=harbor, outcomes__isnull=True).distinct()
        for matter in matters.order_by("pk"):
            outcomes = DEMO_OUTCOMES.get(matter.sub_kind, [])
            _opened_earlier(matter, max((days for days, _k, _e in outcomes), default=60))
            for days, kind, extra in outcomes:
                fields = dict(extra)
                if "amount" in fields:
                    fields["amount"] = Decimal(fields["amount"])
                outcome_record(
                    actor=attorney.actor,
                    matter=matter,
                    kind=kind,
                    date=today - timedelta(days=days),
                    **fields,
                )
                made += 1
    return made


def _fiscal_start(today, years_back: int):
    """1 October of the federal fiscal year `years_back` before today's."""
    year = today.year if today.month >= 10 else today.year - 1
    return date(year - years_back, 10, 1)


def _demo_grant_data(today) -> list[dict]:
    ovc = _fiscal_start(today, 2)  # a three-year federal award
    state = _fiscal_start(today, 1)  # a two-year state contract
    return [
        {
            "funder": "Office for Victims of Crime (U.S. Department of Justice)",
            "code": f"OVC-HT-{ovc.year}",
            "name": "Comprehensive services for victims of human trafficking: T visas",
            "starts_on": ovc,
            "ends_on": date(ovc.year + 3, 9, 30),
            "matter_kinds": ["immigration"],
            "activities": ["meeting", "research", "drafting", "court"],
        },
        {
            "funder": "New York State Office of Victim Services",
            "code": f"NYS-OVS-VAP-{state.year}",
            "name": "Victim Assistance Program: civil legal services",
            "starts_on": state,
            "ends_on": date(state.year + 2, 9, 30),
            "matter_kinds": [
                "protective_order",
                "civil",
                "criminal_relief",
                "victim_rights",
                "foster",
            ],
            "activities": ["meeting", "research", "drafting", "court", "travel"],
        },
    ]


def demo_grants(harbor, today) -> int:
    """Harbor's two grants (once), then grant codes by the rules for matters and hours
    that carry none: a demo database made before grants existed gets them too."""
    from cases.models import Grant
    from cases.services.grants import grant_create

    admin = acting_as("admin@harbor.example", "Harbor Legal Aid")
    made = 0
    for data in _demo_grant_data(today):
        if not Grant.objects.filter(organization=harbor, code=data["code"]).exists():
            grant_create(actor=admin.actor, data=data)
            made += 1
    demo_grants_apply(harbor)
    return made


def demo_grants_apply(harbor) -> int:
    """Give matters and hours without a grant the one the rules give (demo data only)."""
    from cases.models import TimeEntry
    from cases.services.grants import grant_for_hours, grant_for_matter

    changed = 0
    for matter in Matter.objects.filter(organization=harbor, grant__isnull=True):
        grant = grant_for_matter(
            organization_id=harbor.pk,
            kind=matter.kind,
            opened_on=timezone.localtime(matter.opened_at).date(),
        )
        if grant is not None:
            Matter.objects.filter(pk=matter.pk).update(grant=grant)
            changed += 1
    entries = TimeEntry.objects.filter(
        matter__organization=harbor, grant__isnull=True, matter__grant__isnull=False
    ).select_related("matter__grant")
    for entry in entries:
        grant = grant_for_hours(matter=entry.matter, date=entry.date, activity=entry.activity)
        if grant is not None:
            TimeEntry.objects.filter(pk=entry.pk).update(grant=grant)
            changed += 1
    return changed
