"""Synthetic data at scale, for the benchmarks: `python benchmarks/generate_scale_data.py
--survivors N` into a fresh, migrated database (benchmarks/common.py builds them).

Organizations, people of every role, survivors with aliases and blind-index tokens,
matters of every kind with their conflict checks, parties, deadlines, reminders,
notes, hours and teams, and the permission rows that teams and intake create (about
ten per survivor). Most rows belong to a few large organizations; an attorney holds
grants on a few hundred matters whatever N is, so that 10x the data means 10x the
table, not 10x the work of one person.

Rows are written in batches with primary keys assigned here (COPY on PostgreSQL,
bulk_create elsewhere). Encrypted fields are encrypted by their model fields as each
batch is written, and tokens come from `aftercare.blind_index`, so a generated
survivor is found through the same search path as a real one. Every value is
invented by Faker and a seeded random generator: no real person, ever.

Benchmark tooling, not part of the application: it writes rows directly, with the
apps' own helpers for codes and tokens, so it lives here and not in an app.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from types import SimpleNamespace

if __name__ == "__main__":
    # Run as a script: Django is set up before the imports below load the models.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftercare.settings")
    import django

    django.setup()

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from encrypted_model_fields.fields import EncryptedMixin
from faker import Faker
from tqdm import tqdm

from aftercare.blind_index import birth_date_token, name_parts, name_tokens
from aftercare.models import Membership, Organization, Role, User
from cases.kinds import STAGE_PATHS, SUB_KINDS, Stage, kind_of
from cases.models import (
    ConflictCheck,
    Deadline,
    Jurisdiction,
    Matter,
    MatterNote,
    MatterUserGrant,
    Party,
    PartyAlias,
    PartyToken,
    Reminder,
    TimeEntry,
)
from cases.models.reminders import DEFAULT_OFFSETS
from cases.services.deadlines import deadline_rules_install
from survivors.models import (
    Consent,
    DataCategory,
    Indicator,
    Need,
    Purpose,
    Referral,
    Survivor,
    SurvivorAccess,
    SurvivorAlias,
    SurvivorShare,
    SurvivorToken,
    SurvivorUserGrant,
    TraffickingKind,
    majority_date,
)
from survivors.services.record import _initials, name_part_pairs, survivor_code_new

# (kind, share of all survivors): three large legal aid organizations hold most rows.
ORGANIZATIONS = [
    (Organization.Kind.LEGAL_AID, 0.45),
    (Organization.Kind.LEGAL_AID, 0.20),
    (Organization.Kind.LEGAL_AID, 0.10),
    *[(Organization.Kind.LEGAL_AID, 0.03)] * 5,
    *[(Organization.Kind.PARTNER_NGO, 0.025)] * 4,
]
SURVIVORS_PER_USER = 100
LEGAL_AID_ROLES = [
    (Role.ATTORNEY, 0.45),
    (Role.PARALEGAL, 0.35),
    (Role.INTAKE, 0.13),
    (Role.COORDINATOR, 0.06),
]
MATTERS_PER_CLIENT = ([0, 1, 2, 3], [0.2, 0.4, 0.3, 0.1])  # 1.3 on average
SHARED_WITH_LEGAL_AID = 0.7  # of survivors a partner NGO records
YEARS_OF_HISTORY = 10
LOCALES = ["es_MX", "es_CO", "en_US", "ru_RU", "uk_UA", "th_TH", "vi_VN", "fil_PH", "ro_RO",
           "pt_BR", "fr_FR", "zh_CN"]  # fmt: skip
NOTES = [
    "Consultation held with an interpreter; facts recorded in the declaration draft.",
    "Client prefers text messages only; no voicemail.",
    "Requested records from the agency; follow up in two weeks.",
    "Prepared exhibits and index for the filing.",
    "Called the clerk about the hearing date; confirmed.",
]
SUB_KIND_LIST = [sub for subs in SUB_KINDS.values() for sub in subs]
PARTY_ROLES = [Party.Role.TRAFFICKER, Party.Role.EMPLOYER, Party.Role.RECRUITER]
RELATED_ROLES = [Party.Role.FAMILY, Party.Role.WITNESS, Party.Role.GUARDIAN]


class _Ids:
    """Primary keys handed out here, so that children can point at parents before a write."""

    def __init__(self) -> None:
        self._next: dict[type[models.Model], int] = {}

    def __call__(self, model: type[models.Model]) -> int:
        if model not in self._next:
            top = model._default_manager.aggregate(top=models.Max("pk"))["top"]
            self._next[model] = (top or 0) + 1
        value = self._next[model]
        self._next[model] = value + 1
        return value


class _Writer:
    """Insert rows in batches: COPY on PostgreSQL, bulk_create elsewhere.

    Rows are plain attribute bags, not model instances (building 40 million model
    instances would cost more than writing them). Each field still prepares its own
    value where it matters: encrypted fields encrypt, JSON fields serialize.
    """

    def __init__(self, batch_size: int) -> None:
        self.batch_size = batch_size
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.copy = self.connection.vendor == "postgresql"
        self.written: dict[str, int] = defaultdict(int)
        self._plans: dict[type[models.Model], list] = {}

    def write(self, model: type[models.Model], rows: list[SimpleNamespace]) -> None:
        if not rows:
            return
        if self.copy:
            self._copy(model, rows)
        else:
            model._default_manager.bulk_create(
                [model(**vars(row)) for row in rows], batch_size=self.batch_size
            )
        self.written[model._meta.label] += len(rows)

    def _plan(self, model: type[models.Model]) -> list:
        """Per field: its attribute, a default, and whether the field must prepare the value."""
        if model not in self._plans:
            self._plans[model] = [
                (
                    f,
                    f.attname,
                    f.get_default(),
                    isinstance(f, EncryptedMixin | models.JSONField),
                )
                for f in model._meta.concrete_fields
            ]
        return self._plans[model]

    def _copy(self, model: type[models.Model], rows: list[SimpleNamespace]) -> None:
        plan = self._plan(model)
        conn = self.connection
        quote = conn.ops.quote_name
        columns = ", ".join(quote(f.column) for f, *_ in plan)
        now = timezone.now()
        sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
        with conn.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                values = []
                for f, attname, default, prepare in plan:
                    value = getattr(row, attname, default)
                    if getattr(f, "auto_now", False):
                        value = now
                    values.append(f.get_db_prep_save(value, conn) if prepare else value)
                copy.write_row(values)


@dataclass
class _Org:
    organization: Organization
    weight: float
    members: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    jurisdictions: list[int] = field(default_factory=list)
    matter_count: int = 0

    @property
    def is_legal_aid(self) -> bool:
        return self.organization.kind == Organization.Kind.LEGAL_AID

    def recorders(self) -> list[int]:
        return self.members[Role.INTAKE] + self.members[Role.COORDINATOR]


@dataclass
class _Chunk:
    """The rows of one batch of survivors, by model, written parents first."""

    rows: dict[type[models.Model], list[SimpleNamespace]] = field(
        default_factory=lambda: defaultdict(list)
    )
    survivor_grants: set[tuple[int, int, int]] = field(default_factory=set)
    matter_grants: set[tuple[int, int, int]] = field(default_factory=set)

    def add(self, model: type[models.Model], **values) -> SimpleNamespace:
        row = SimpleNamespace(**values)
        self.rows[model].append(row)
        return row


class Generator:
    def __init__(self, *, survivors: int, seed: int, batch_size: int, progress: bool) -> None:
        self.total = survivors
        self.rng = random.Random(seed)  # synthetic data, not security
        self.batch_size = batch_size
        self.progress = progress
        self.ids = _Ids()
        self.writer = _Writer(batch_size)
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.codes: set[str] = set()
        self.perm = {
            f"{action}_{model}": Permission.objects.get(
                codename=f"{action}_{model}", content_type__app_label=app
            ).pk
            for app, model in (("survivors", "survivor"), ("cases", "matter"))
            for action in ("view", "change")
        }
        self.responsible = Deadline.responsible.through
        self._names_from_faker(seed)

    # -- names ---------------------------------------------------------------------------
    def _names_from_faker(self, seed: int) -> None:
        """Pools of invented first and last names per locale; people are drawn from them,
        so that names repeat across survivors as real ones do."""
        self.first: dict[str, list[str]] = {}
        self.last: dict[str, list[str]] = {}
        for n, locale in enumerate(LOCALES):
            fake = Faker(locale)
            fake.seed_instance(seed + n)
            self.first[locale] = sorted({fake.first_name() for _ in range(120)})
            self.last[locale] = sorted({fake.last_name() for _ in range(120)})

    def name(self, locale: str | None = None) -> str:
        locale = locale or self.rng.choice(LOCALES)
        return f"{self.rng.choice(self.first[locale])} {self.rng.choice(self.last[locale])}"

    # -- organizations and people --------------------------------------------------------
    def organizations(self) -> list[_Org]:
        users_total = max(len(ORGANIZATIONS) * 6, self.total // SURVIVORS_PER_USER)
        orgs = []
        password = make_password(None)  # unusable: benchmarks sign in through sessions
        users, memberships = [], []
        for number, (kind, weight) in enumerate(ORGANIZATIONS, start=1):
            label = "Legal Aid" if kind == Organization.Kind.LEGAL_AID else "Shelter"
            organization, _created = Organization.objects.get_or_create(
                name=f"Scale {label} {number}",
                defaults={"kind": kind, "country": "US", "jurisdiction": "State of New York"},
            )
            org = _Org(organization, weight)
            orgs.append(org)
            size = max(6, round(users_total * weight))
            roles = self._roles(kind, size)
            for n, role in enumerate(roles, start=1):
                user_id = self.ids(User)
                users.append(
                    SimpleNamespace(
                        id=user_id,
                        email=f"{role}{n}@org{number}.scale.example",
                        full_name=self.name("en_US"),
                        password=password,
                    )
                )
                memberships.append(
                    SimpleNamespace(id=self.ids(Membership), user_id=user_id,
                                    organization_id=organization.pk, role=role)
                )  # fmt: skip
                org.members[role].append(user_id)
            if org.is_legal_aid:
                deadline_rules_install(organization=organization)
                for n in range(5):
                    org.jurisdictions.append(
                        Jurisdiction.objects.create(
                            organization=organization,
                            name=f"Court {n + 1} of scale org {number}",
                            type=Jurisdiction.Type.COURT if n else Jurisdiction.Type.AGENCY,
                            holiday_subdivision="NY",
                        ).pk
                    )
        self.writer.write(User, users)
        self.writer.write(Membership, memberships)
        # A confirmed authenticator, so that a benchmark session can count as verified.
        TOTPDevice.objects.bulk_create(
            TOTPDevice(user_id=u.id, name="Authenticator", confirmed=True) for u in users
        )
        return orgs

    def _roles(self, kind: str, size: int) -> list[str]:
        if kind == Organization.Kind.PARTNER_NGO:
            return [Role.ORG_ADMIN, Role.COORDINATOR] + [Role.INTAKE] * (size - 2)
        roles = [Role.ORG_ADMIN]
        for role, share in LEGAL_AID_ROLES:
            roles += [role] * max(1, round(size * share))
        return roles

    # -- survivors -----------------------------------------------------------------------
    def run(self) -> dict[str, int]:
        orgs = self.organizations()
        legal = [o for o in orgs if o.is_legal_aid]
        weights = [o.weight for o in orgs]
        done = 0
        with tqdm(total=self.total, unit=" survivors", disable=not self.progress) as bar:
            while done < self.total:
                size = min(self.batch_size, self.total - done)
                chunk = _Chunk()
                for _ in range(size):
                    org = self.rng.choices(orgs, weights)[0]
                    self.survivor(chunk, org, legal)
                with transaction.atomic():
                    self.flush(chunk)
                done += size
                bar.update(size)
        self.finish()
        return dict(self.writer.written)

    def survivor(self, chunk: _Chunk, org: _Org, legal: list[_Org]) -> None:
        rng = self.rng
        locale = rng.choice(LOCALES)
        created_at = self.now - timedelta(seconds=rng.randint(0, YEARS_OF_HISTORY * 365 * 86400))
        minor = rng.random() < 0.2
        age_days = rng.randint(13 * 365, 17 * 365) if minor else rng.randint(19 * 365, 60 * 365)
        born = self.today - timedelta(days=age_days) if rng.random() < 0.9 else None
        legal_name = self.name(locale)
        preferred = rng.choice(self.first[locale]) if rng.random() < 0.3 else ""
        aliases = [self.name(locale) for _ in range(rng.choice([0, 0, 0, 1, 1, 2]))]
        status = rng.choices(
            [Survivor.Status.ACTIVE, Survivor.Status.CLOSED, Survivor.Status.DRAFT], [80, 15, 5]
        )[0]
        recorder = rng.choice(org.recorders())
        survivor = chunk.add(
            Survivor,
            id=self.ids(Survivor),
            organization_id=org.organization.pk,
            code=self._code(created_at.date()),
            status=status,
            legal_name=legal_name,
            preferred_name=preferred,
            initials=_initials(legal_name),
            date_of_birth=born,
            gender=rng.choice(["female", "female", "female", "male", "non-binary"]),
            country_of_origin=locale.split("_")[1],
            nationality=locale.split("_")[1],
            languages=f"{locale.split('_')[0]} (native)",
            interpreter_needed=not locale.startswith("en") and rng.random() < 0.8,
            guardian_name=f"Caseworker {rng.choice(self.last['en_US'])}" if minor else "",
            safety_situation="Staying at a partner shelter; associates live nearby.",
            safe_location=f"Shelter room {rng.randint(1, 30)}, {rng.randint(1, 999)} Main St",
            trafficking_kinds=rng.sample(TraffickingKind.values, k=1),
            indicators=rng.sample(Indicator.values, k=rng.randint(1, 3)),
            needs=rng.sample(Need.values, k=rng.randint(1, 3)),
            is_minor=born is not None and self.today < majority_date(born),
            created_by_id=recorder,
            created_at=created_at,
            closed_at=created_at + timedelta(days=400)
            if status == Survivor.Status.CLOSED
            else None,
        )
        for alias in aliases:
            chunk.add(
                SurvivorAlias, id=self.ids(SurvivorAlias), survivor_id=survivor.id, name=alias
            )
        for source, kind, token in survivor_token_rows(legal_name, preferred, aliases, born):
            chunk.add(
                SurvivorToken,
                id=self.ids(SurvivorToken),
                survivor_id=survivor.id,
                source=source,
                kind=kind,
                token=token,
            )
        chunk.add(
            SurvivorAccess,
            id=self.ids(SurvivorAccess),
            survivor_id=survivor.id,
            organization_id=org.organization.pk,
            survivor_created_at=created_at,
            expires_on=None,
        )
        self._grant_survivor(chunk, recorder, survivor.id, change=True)
        if status == Survivor.Status.DRAFT:
            return
        handler = org
        if not org.is_legal_aid:
            if rng.random() >= SHARED_WITH_LEGAL_AID:
                return
            handler = rng.choices(legal, [o.weight for o in legal])[0]
            self._share(chunk, survivor, org, handler, recorder)
        count = rng.choices(*MATTERS_PER_CLIENT)[0]
        for _ in range(count):
            self.matter(chunk, handler, survivor)

    def _code(self, on: date) -> str:
        while True:
            code = survivor_code_new(on)
            if code not in self.codes:
                self.codes.add(code)
                return code

    def _share(
        self, chunk: _Chunk, survivor: SimpleNamespace, org: _Org, to: _Org, by: int
    ) -> None:
        consent = chunk.add(
            Consent,
            id=self.ids(Consent),
            survivor_id=survivor.id,
            recipient_id=to.organization.pk,
            purpose=Purpose.LEGAL_REPRESENTATION,
            categories=[DataCategory.IDENTITY, DataCategory.SITUATION, DataCategory.NEEDS],
            method=Consent.Method.WRITTEN,
            given_on=survivor.created_at.date(),
            minor_assent=survivor.is_minor,
            guardian_consent_by="Caseworker" if survivor.is_minor else "",
            recorded_by_id=by,
            recorded_at=survivor.created_at,
        )
        chunk.add(
            SurvivorShare,
            id=self.ids(SurvivorShare),
            survivor_id=survivor.id,
            organization_id=to.organization.pk,
            consent_id=consent.id,
            created_at=survivor.created_at,
        )
        chunk.add(
            SurvivorAccess,
            id=self.ids(SurvivorAccess),
            survivor_id=survivor.id,
            organization_id=to.organization.pk,
            survivor_created_at=survivor.created_at,
            expires_on=None,  # the consent has no end date
        )
        chunk.add(
            Referral,
            id=self.ids(Referral),
            survivor_id=survivor.id,
            from_organization_id=org.organization.pk,
            to_organization_id=to.organization.pk,
            purpose=Purpose.LEGAL_REPRESENTATION,
            need=Need.LEGAL,
            consent_id=consent.id,
            status=Referral.Status.ACCEPTED,
            sent_by_id=by,
            sent_at=survivor.created_at,
        )

    # -- matters -------------------------------------------------------------------------
    def matter(self, chunk: _Chunk, org: _Org, client: SimpleNamespace) -> None:
        rng = self.rng
        members = org.members
        coordinator = rng.choice(members[Role.COORDINATOR])
        lead = rng.choice(members[Role.ATTORNEY])
        team = {lead}
        if rng.random() < 0.9:
            team.add(rng.choice(members[Role.PARALEGAL]))
        if rng.random() < 0.35:
            team.add(rng.choice(members[Role.ATTORNEY]))
        opened = client.created_at + timedelta(days=rng.randint(1, 120))
        opened = min(opened, self.now)
        closed = None
        if rng.random() < (0.9 if (self.now - opened).days > 730 else 0.25):
            closed = min(opened + timedelta(days=rng.randint(60, 900)), self.now)
        sub_kind = rng.choice(SUB_KIND_LIST)
        kind = kind_of(sub_kind)
        check = chunk.add(
            ConflictCheck,
            id=self.ids(ConflictCheck),
            organization_id=org.organization.pk,
            client_id=client.id,
            requested_by_id=coordinator,
            created_at=opened,
            decision=ConflictCheck.Decision.CLEARED,
            decided_by_id=coordinator,
            decided_at=opened,
        )
        org.matter_count += 1
        matter = chunk.add(
            Matter,
            id=self.ids(Matter),
            organization_id=org.organization.pk,
            number=f"M-{opened.year}-{org.matter_count:06d}",
            client_id=client.id,
            kind=kind,
            sub_kind=sub_kind,
            stage=Stage.DECIDED if closed else rng.choice(STAGE_PATHS[kind][:-1]),
            jurisdiction_id=rng.choice(org.jurisdictions),
            case_number=f"{rng.randint(10, 99)}-CV-{rng.randint(1000, 99999)}"
            if rng.random() < 0.6
            else "",
            receipt_number=f"EAC{rng.randint(10**9, 10**10 - 1)}" if kind == "immigration" else "",
            lead_attorney_id=lead,
            file_under_pseudonym=rng.random() < 0.25,
            conflict_check_id=check.id,
            opened_at=opened,
            closed_at=closed,
            outcome=rng.choice(["granted", "denied", "settled", "withdrawn"]) if closed else "",
        )
        for user_id in team:
            for action in ("view", "change"):
                chunk.matter_grants.add((user_id, self.perm[f"{action}_matter"], matter.id))
            self._grant_survivor(chunk, user_id, client.id)
        self._parties(chunk, org, matter)
        self._deadlines(chunk, matter, lead)
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            chunk.add(
                MatterNote,
                id=self.ids(MatterNote),
                matter_id=matter.id,
                author_id=rng.choice(sorted(team)),
                body=rng.choice(NOTES),
                created_at=opened + timedelta(days=rng.randint(0, 60)),
            )
        for _ in range(rng.choice([0, 1, 2, 3, 4])):
            chunk.add(
                TimeEntry,
                id=self.ids(TimeEntry),
                matter_id=matter.id,
                person_id=rng.choice(sorted(team)),
                date=(opened + timedelta(days=rng.randint(0, 60))).date(),
                minutes=rng.choice([15, 30, 60, 90, 120]),
                activity=rng.choice(TimeEntry.Activity.values),
                created_at=opened,
            )

    def _parties(self, chunk: _Chunk, org: _Org, matter: Matter) -> None:
        rng = self.rng
        roles = [rng.choice(PARTY_ROLES) for _ in range(rng.choice([1, 1, 2]))]
        if rng.random() < 0.3:
            roles.append(rng.choice(RELATED_ROLES))
        for role in roles:
            name = self.name()
            born = self.today - timedelta(days=rng.randint(25 * 365, 70 * 365))
            born = born if rng.random() < 0.3 else None
            aliases = [self.name()] if rng.random() < 0.2 else []
            party = chunk.add(
                Party,
                id=self.ids(Party),
                matter_id=matter.id,
                role=role,
                name=name,
                date_of_birth=born,
                description="",
                created_at=matter.opened_at,
            )
            for alias in aliases:
                chunk.add(PartyAlias, id=self.ids(PartyAlias), party_id=party.id, name=alias)
            tokens = {}
            for each in [name, *aliases]:
                tokens.update({t: kind for kind, t in cached_name_tokens(each).items()})
            if born:
                tokens[birth_date_token(born)] = "birth_date"
            for token, kind in tokens.items():
                chunk.add(
                    PartyToken,
                    id=self.ids(PartyToken),
                    party_id=party.id,
                    organization_id=org.organization.pk,
                    kind=kind,
                    token=token,
                )

    def _deadlines(self, chunk: _Chunk, matter: SimpleNamespace, lead: int) -> None:
        rng = self.rng
        for _ in range(3):
            due = matter.opened_at.date() + timedelta(days=rng.randint(14, 540))
            if matter.closed_at or due < self.today - timedelta(days=30):
                status = Deadline.Status.DONE if rng.random() < 0.97 else Deadline.Status.MISSED
            else:
                status = Deadline.Status.OPEN
            kind = rng.choice(Deadline.Kind.values)
            deadline = chunk.add(
                Deadline,
                id=self.ids(Deadline),
                matter_id=matter.id,
                kind=kind,
                title="Hearing" if kind == Deadline.Kind.HEARING else "File the response",
                due_date=due,
                status=status,
                created_by_id=lead,
                created_at=matter.opened_at,
            )
            chunk.add(self.responsible, id=self.ids(self.responsible), deadline_id=deadline.id,
                      user_id=lead)  # fmt: skip
            if status != Deadline.Status.OPEN:
                continue
            for offset in DEFAULT_OFFSETS:
                due_at = datetime.combine(due - timedelta(days=offset), time(8), tzinfo=UTC)
                chunk.add(
                    Reminder,
                    id=self.ids(Reminder),
                    deadline_id=deadline.id,
                    days_before=offset,
                    due_at=due_at,
                    claimed_at=due_at if due_at <= self.now else None,
                )

    def _grant_survivor(self, chunk: _Chunk, user_id: int, survivor_id: int, *, change=False):
        chunk.survivor_grants.add((user_id, self.perm["view_survivor"], survivor_id))
        if change:
            chunk.survivor_grants.add((user_id, self.perm["change_survivor"], survivor_id))

    # -- writing -------------------------------------------------------------------------
    def flush(self, chunk: _Chunk) -> None:
        for user_id, perm, survivor_id in sorted(chunk.survivor_grants):
            chunk.add(SurvivorUserGrant, id=self.ids(SurvivorUserGrant), user_id=user_id,
                      permission_id=perm, content_object_id=survivor_id)  # fmt: skip
        for user_id, perm, matter_id in sorted(chunk.matter_grants):
            chunk.add(MatterUserGrant, id=self.ids(MatterUserGrant), user_id=user_id,
                      permission_id=perm, content_object_id=matter_id)  # fmt: skip
        # Parents before children: insertion order is dependency order.
        for model, objs in chunk.rows.items():
            self.writer.write(model, objs)

    def finish(self) -> None:
        """Sequences past the keys handed out here; fresh planner statistics."""
        if connection.vendor != "postgresql":
            return
        written = [m for m in {*self.ids._next} if m._meta.pk.get_internal_type() != "UUID"]
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), written):
                cursor.execute(sql)
            # A settled database, as autovacuum keeps a real one: statistics and a
            # visibility map, so that the planner sees what production would see.
            # (Inside a transaction, as in tests, VACUUM is not allowed.)
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")


@cache
def cached_name_tokens(name: str) -> dict[str, str]:
    return name_tokens(name)


def survivor_token_rows(
    legal_name: str, preferred_name: str, aliases: list[str], born: date | None
) -> set[tuple[str, str, str]]:
    """The (source, kind, token) rows `survivor_tokens_refresh` would store for these values."""
    sources = [
        (SurvivorToken.Source.LEGAL_NAME, legal_name),
        (SurvivorToken.Source.PREFERRED_NAME, preferred_name),
        *[(SurvivorToken.Source.ALIAS, alias) for alias in aliases if name_parts(alias)],
    ]
    rows = {
        (source, kind, token)
        for source, name in sources
        if name
        for kind, token in cached_name_tokens(name).items()
    }
    rows |= {
        (SurvivorToken.Source.NAME_PART, kind, token)
        for _source, name in sources
        if name
        for pair in name_part_pairs(name)
        for kind, token in cached_name_tokens(pair).items()
    }
    if born:
        rows.add((SurvivorToken.Source.DATE_OF_BIRTH, "birth_date", birth_date_token(born)))
    return rows


class ScaleDataRefusedError(Exception):
    """The database or the mode is not one to fill with synthetic rows."""


def generate_scale_data(
    *, survivors: int, seed: int = 2026, batch_size: int = 2000, progress: bool = False
) -> dict[str, int]:
    """Fill an empty, migrated database; returns how many rows of each kind were written."""
    if settings.PRODUCTION:
        raise ScaleDataRefusedError(
            "generate_scale_data is refused in production: it fills the database with "
            "synthetic records and accounts."
        )
    if survivors < 1:
        raise ScaleDataRefusedError("--survivors must be at least 1.")
    if Survivor.objects.exists():
        raise ScaleDataRefusedError(
            "This database already has survivors. Generate scale data into a fresh, "
            "migrated database (the benchmarks create their own)."
        )
    generator = Generator(
        survivors=survivors, seed=seed, batch_size=max(1, batch_size), progress=progress
    )
    return generator.run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Fill an empty database with synthetic survivors, matters and permission "
        "rows at scale, for the benchmarks (benchmarks/README.md). Refused in production."
    )
    parser.add_argument("--survivors", type=int, required=True, help="How many survivors.")
    parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")
    parser.add_argument("--batch-size", type=int, default=2000, help="Survivors per batch.")
    parser.add_argument("--quiet", action="store_true", help="No progress bar, no counts.")
    args = parser.parse_args(argv)
    try:
        written = generate_scale_data(
            survivors=args.survivors,
            seed=args.seed,
            batch_size=args.batch_size,
            progress=not args.quiet,
        )
    except ScaleDataRefusedError as refusal:
        print(refusal, file=sys.stderr)
        return 2
    if not args.quiet:
        for label, count in sorted(written.items()):
            print(f"{label:<32} {count:>12,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
