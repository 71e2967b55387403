"""Keeping the report aggregates (`reports.models`) equal to the live rows.

A person's contribution to one organization's tallies is a pure function of their live
rows there (`_gather` then `_expand`). The inputs last applied are kept, compressed, in
`ReportPerson` under a keyed hash of (organization, survivor); a refresh gathers the
inputs again, expands both, and adds the difference to the tallies: O(the person's
rows), whatever the size of the organization. Idempotent and order-free: two refreshes
of the same person serialize on their `ReportPerson` row, and each applies the
difference between what is live and what was applied.

Distinct people over any period: each person's days of service (their matters open, and
their own record, under each matter filter) are merged into stretches; a stretch adds a
start (its first day) and, once closed, an end (its last day); a break between two
stretches adds a gap. The people served in [s, e] are then
starts(<= e) - ends(< s) - gaps(last day >= s and next day <= e): each person served
in the period has one more stretch touching it than breaks inside it.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, Sum

from cases.models import Deadline, Matter, MatterOutcome, TimeEntry
from cases.outcomes import OutcomeKind
from reports.models import (
    DAY,
    EVER,
    EVER_BUCKET,
    MONTH,
    YEAR,
    GapTally,
    ReportPerson,
    ReportReady,
    ReportSpelling,
    Tally,
)
from reports.periods import local_date
from reports.turnaround import RECEIVED, SENT, days_between
from survivors import reporting
from survivors.models import Referral, Survivor

BATCH = 2000
REFERRALS = "*"  # the scope of what no matter filter narrows
# The dimensions of a counted person, and the one of a person left out.
PEOPLE, TRAFFICKING, LANGUAGE, COUNTRY = "p", "t", "l", "c"
# Age at a period's last day: the birth year decides, except in the four years whose
# people turn 18, 25, 35 or 50 about that day (the month then), and in those years'
# month of that day (the day then). The report reads the month and day tallies of those
# few values only.
BIRTH_YEAR, BIRTH_MONTH, BIRTH_DAY = "ay", "am", "ad"
LEFT_OUT = "x"
MONEY_KINDS = (OutcomeKind.RECOVERED, OutcomeKind.COLLECTED)


# Keys -------------------------------------------------------------------------------


def _hmac(text: str) -> str:
    key = settings.BLIND_INDEX_KEY.encode()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def person_key(organization_id: int, survivor_id: int) -> str:
    return _hmac(f"report-person:{organization_id}:{survivor_id}")


def value_key(dimension: str, text: str) -> str:
    """The keyed hash that stands for a value of an encrypted field (or a code)."""
    return _hmac(f"report-value:{dimension}:{text}")[:32]


def special_key(dimension: str, code: str) -> str:
    """Not recorded / not shared: never equal to the hash of a spelling."""
    return value_key(dimension, f"\x00{code}")


def scope_of(kind: str = "", grant_id: int | None = None) -> str:
    parts = ([f"k:{kind}"] if kind else []) + ([f"g:{grant_id}"] if grant_id else [])
    return "|".join(parts)


def _scopes(kind: str, grant_id: int | None) -> list[str]:
    scopes = ["", scope_of(kind)]
    if grant_id:
        scopes += [scope_of("", grant_id), scope_of(kind, grant_id)]
    return scopes


# Gathering a person's inputs from the live rows ---------------------------------------


def _ordinal(day: datetime.date | None) -> int | None:
    return None if day is None else day.toordinal()


def _gather(organization_id: int, ids: Iterable[int]) -> dict[int, dict]:
    """{survivor id: inputs} for the given people's rows at the organization; people with
    nothing there (or merged records) are left out. About ten queries per call."""
    ids = sorted(set(ids))
    facts = reporting.reporting_facts(organization_id=organization_id, survivor_ids=ids)
    inputs: dict[int, dict] = defaultdict(
        lambda: {"m": [], "own": None, "r": [], "oc": [], "dl": [], "te": []}
    )
    for pk, kind, grant, stage, lead, opened, closed in (
        Matter.objects.filter(organization_id=organization_id, client_id__in=ids)
        .order_by("pk")
        .values_list(
            "client_id", "kind", "grant_id", "stage", "lead_attorney_id", "opened_at", "closed_at"
        )
    ):
        inputs[pk]["m"].append(
            [kind, grant, stage, lead, _ordinal(local_date(opened)), _ordinal(local_date(closed))]
        )
    for pk, created, closed in Survivor.objects.filter(
        pk__in=ids,
        organization_id=organization_id,
        status__in=[Survivor.Status.ACTIVE, Survivor.Status.CLOSED],
    ).values_list("pk", "created_at", "closed_at"):
        inputs[pk]["own"] = [_ordinal(local_date(created)), _ordinal(local_date(closed))]
    referrals = list(
        Referral.objects.filter(
            Q(from_organization_id=organization_id) | Q(to_organization_id=organization_id),
            survivor_id__in=ids,
        )
        .order_by("pk")
        .values_list("survivor_id", "pk", "from_organization_id", "sent_at")
    )
    accepted = reporting.referral_acceptances(referral_ids=[r[1] for r in referrals])
    for pk, referral, sender, sent_at in referrals:
        sent = local_date(sent_at)
        days = days_between(sent, local_date(accepted[referral])) if referral in accepted else None
        way = SENT if sender == organization_id else RECEIVED
        inputs[pk]["r"].append([_ordinal(sent), way, days])
    matters_of = Q(matter__organization_id=organization_id, matter__client_id__in=ids)
    for pk, mkind, grant, kind, status, amount, currency, day in (
        MatterOutcome.objects.filter(matters_of)
        .order_by("pk")
        .values_list(
            "matter__client_id",
            "matter__kind",
            "matter__grant_id",
            "kind",
            "status",
            "amount",
            "currency",
            "date",
        )
    ):
        amount = None if amount is None else str(amount)
        inputs[pk]["oc"].append([mkind, grant, kind, status, amount, currency, _ordinal(day)])
    for pk, mkind, grant, status, due in (
        Deadline.objects.filter(matters_of)
        .order_by("pk")
        .values_list("matter__client_id", "matter__kind", "matter__grant_id", "status", "due_date")
    ):
        inputs[pk]["dl"].append([mkind, grant, status, _ordinal(due)])
    for pk, mkind, grant, entry_grant, day, volunteer, minutes in (
        TimeEntry.objects.filter(matters_of)
        .annotate(
            volunteer=ExpressionWrapper(
                Q(person__volunteer_profile__isnull=False), output_field=BooleanField()
            )
        )
        .values_list(
            "matter__client_id", "matter__kind", "matter__grant_id", "grant_id", "date", "volunteer"
        )
        .annotate(minutes=Sum("minutes"))
        .order_by(
            "matter__client_id", "matter__kind", "matter__grant_id", "grant_id", "date", "volunteer"
        )
    ):
        inputs[pk]["te"].append(
            [mkind, grant, entry_grant, _ordinal(day), bool(volunteer), minutes]
        )
    result = {}
    for pk, person in inputs.items():
        fact = facts.get(pk)
        if fact is None or fact.basis not in (reporting.COUNTED, *reporting.REASONS):
            continue  # a merged record, or one that is gone: counted nowhere
        if not (person["m"] or person["own"] or person["r"]):
            continue  # nothing of theirs at this organization is in any report
        person["b"] = fact.basis
        if fact.basis == reporting.COUNTED:
            person["v"] = _values(fact)
        result[pk] = person
    return result


def _values(fact: reporting.Facts) -> dict[str, str | None]:
    """The person's breakdown values as keyed hashes (the spellings' text goes, encrypted,
    to `ReportSpelling`)."""
    born = fact.born
    if born == reporting.NOT_SHARED:
        year, month, day = special_key(BIRTH_YEAR, reporting.NOT_SHARED), None, None
    elif born is None:
        year, month, day = special_key(BIRTH_YEAR, reporting.NOT_RECORDED), None, None
    else:
        year = value_key(BIRTH_YEAR, f"{born.year:04d}")
        month = value_key(BIRTH_MONTH, born.strftime("%Y-%m"))
        day = value_key(BIRTH_DAY, born.isoformat())
    return {
        TRAFFICKING: value_key(TRAFFICKING, fact.trafficking),
        BIRTH_YEAR: year,
        BIRTH_MONTH: month,
        BIRTH_DAY: day,
        LANGUAGE: _spelling_key(LANGUAGE, fact.language),
        COUNTRY: _spelling_key(COUNTRY, fact.country),
    }


_spellings_to_save: dict[str, str] = {}


def _spelling_key(dimension: str, spelling: str) -> str:
    if spelling == reporting.NOT_SHARED:
        return special_key(dimension, reporting.NOT_SHARED)
    if not spelling:
        return special_key(dimension, reporting.NOT_RECORDED)
    key = value_key(dimension, spelling)
    _spellings_to_save[key] = spelling
    return key


def _spellings_save() -> None:
    if not _spellings_to_save:
        return
    known = set(
        ReportSpelling.objects.filter(pk__in=list(_spellings_to_save)).values_list("pk", flat=True)
    )
    ReportSpelling.objects.bulk_create(
        [ReportSpelling(key=k, text=t) for k, t in _spellings_to_save.items() if k not in known],
        ignore_conflicts=True,
    )
    _spellings_to_save.clear()


# Expanding inputs into tallies ---------------------------------------------------------


def _stretches(intervals: Iterable[tuple[int, int | None]]) -> list[tuple[int, int | None]]:
    """Days of service merged into stretches (None: still open)."""
    merged: list[list] = []
    for start, end in sorted(intervals, key=lambda i: i[0]):
        if merged and (merged[-1][1] is None or start <= merged[-1][1] + 1):
            last = merged[-1]
            last[1] = None if end is None or last[1] is None else max(last[1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _add_stretches(tallies, gaps, scope, dimension, value, stretches, weight: int) -> None:
    for n, (start, end) in enumerate(stretches):
        tallies[(scope, f"s.{dimension}", value, start)][0] += weight
        if end is not None:
            tallies[(scope, f"e.{dimension}", value, end)][0] += weight
            if n + 1 < len(stretches):
                gaps[(scope, dimension, value, end, stretches[n + 1][0])] += weight


def _expand(inputs: dict | None) -> tuple[dict, Counter]:
    """{(scope, measure, value, day ordinal): [n, total]} and {(scope, dimension, value,
    last day, next day): n} of one person's inputs."""
    tallies: dict = defaultdict(lambda: [0, Decimal(0)])
    gaps: Counter = Counter()
    if not inputs:
        return tallies, gaps
    by_scope: dict[str, list] = defaultdict(list)
    for kind, grant, _stage, _lead, opened, closed in inputs["m"]:
        for scope in _scopes(kind, grant):
            by_scope[scope].append((opened, closed))
    if inputs["own"]:
        by_scope[""].append(tuple(inputs["own"]))
    referral_days = [(sent, sent) for sent, _way, _days in inputs["r"]]
    basis = inputs["b"]
    if basis != reporting.COUNTED:
        referred = _stretches(referral_days)
        _add_stretches(tallies, gaps, REFERRALS, LEFT_OUT, basis, referred, 1)
        for scope, intervals in by_scope.items():
            both = _stretches([*intervals, *referral_days])
            _add_stretches(tallies, gaps, scope, LEFT_OUT, basis, both, 1)
            _add_stretches(tallies, gaps, scope, LEFT_OUT, basis, referred, -1)
        return tallies, gaps
    values = {PEOPLE: "", **{d: v for d, v in inputs["v"].items() if v is not None}}
    for scope, intervals in by_scope.items():
        stretches = _stretches(intervals)
        for dimension, value in values.items():
            _add_stretches(tallies, gaps, scope, dimension, value, stretches, 1)
    for kind, grant, stage, lead, opened, closed in inputs["m"]:
        lead = "" if lead is None else str(lead)
        for scope in _scopes(kind, grant):
            tallies[(scope, "mo", f"{kind}|{stage}", opened)][0] += 1
            tallies[(scope, "lo", lead, opened)][0] += 1
            if closed is not None:
                tallies[(scope, "mc", f"{kind}|{stage}", closed)][0] += 1
                tallies[(scope, "lc", lead, closed)][0] += 1
    for mkind, grant, kind, status, amount, currency, day in inputs["oc"]:
        for scope in _scopes(mkind, grant):
            tallies[(scope, "oc", f"{mkind}|{kind}|{status}", day)][0] += 1
            if amount is not None and kind in MONEY_KINDS:
                cell = tallies[(scope, "om", f"{currency}|{kind}", day)]
                cell[0] += 1
                cell[1] += Decimal(amount)
    for mkind, grant, status, due in inputs["dl"]:
        for scope in _scopes(mkind, grant):
            tallies[(scope, "dl", status, due)][0] += 1
    for mkind, grant, entry_grant, day, volunteer, minutes in inputs["te"]:
        for scope in _scopes(mkind, grant):
            if volunteer:
                tallies[(scope, "vh", "", day)][1] += minutes
            tallies[(scope, "gh", "" if entry_grant is None else str(entry_grant), day)][1] += (
                minutes
            )
    for sent, way, days in inputs["r"]:
        if days is not None:
            tallies[(REFERRALS, "rt", f"{way}|{days}", sent)][0] += 1
    return tallies, gaps


def _difference(new: tuple[dict, Counter], old: tuple[dict, Counter]) -> tuple[dict, Counter]:
    tallies: dict = defaultdict(lambda: [0, Decimal(0)])
    for key, (n, total) in new[0].items():
        tallies[key][0] += n
        tallies[key][1] += total
    for key, (n, total) in old[0].items():
        tallies[key][0] -= n
        tallies[key][1] -= total
    gaps = Counter(new[1])
    gaps.subtract(old[1])
    return (
        {k: v for k, v in tallies.items() if v[0] or v[1]},
        Counter({k: v for k, v in gaps.items() if v}),
    )


def _levels(tallies: dict) -> dict:
    """Each day's cell added to its month's and its year's too."""
    rows: dict = defaultdict(lambda: [0, Decimal(0)])
    for (scope, measure, value, ordinal), (n, total) in tallies.items():
        day = datetime.date.fromordinal(ordinal)
        for level, bucket in (
            (DAY, day),
            (MONTH, day.replace(day=1)),
            (YEAR, day.replace(month=1, day=1)),
            (EVER, EVER_BUCKET),
        ):
            cell = rows[(scope, measure, level, bucket, value)]
            cell[0] += n
            cell[1] += total
    return {k: v for k, v in rows.items() if v[0] or v[1]}


def _apply(organization_id: int, tallies: dict, gaps: Counter) -> None:
    """Add the cells to the tables, in key order (no two refreshes deadlock)."""
    rows = sorted(_levels(tallies).items())
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, 5000):
            cursor.execute(
                """
                INSERT INTO reports_tally
                    (organization_id, scope, measure, level, bucket, value, n, total)
                SELECT %s, * FROM unnest(
                    %s::varchar[], %s::varchar[], %s::smallint[], %s::date[], %s::varchar[],
                    %s::bigint[], %s::numeric[])
                ON CONFLICT (organization_id, scope, level, measure, bucket, value)
                DO UPDATE SET n = reports_tally.n + EXCLUDED.n,
                              total = reports_tally.total + EXCLUDED.total
                """,
                [
                    organization_id,
                    *_columns(chunk, 5),
                    [v[0] for _k, v in chunk],
                    [v[1] for _k, v in chunk],
                ],
            )
        gap_rows = sorted(
            ((s, d, datetime.date.fromordinal(a), datetime.date.fromordinal(b), v), n)
            for (s, d, v, a, b), n in gaps.items()
        )
        for chunk in _chunks(gap_rows, 5000):
            cursor.execute(
                """
                INSERT INTO reports_gaptally
                    (organization_id, scope, dimension, last_day, next_day, value, n)
                SELECT %s, * FROM unnest(
                    %s::varchar[], %s::varchar[], %s::date[], %s::date[], %s::varchar[],
                    %s::bigint[])
                ON CONFLICT (organization_id, scope, last_day, next_day, dimension, value)
                DO UPDATE SET n = reports_gaptally.n + EXCLUDED.n
                """,
                [organization_id, *_columns(chunk, 5), [n for _k, n in chunk]],
            )


def _chunks(rows: list, size: int):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _columns(chunk, width: int) -> list[list]:
    return [[key[i] for key, _v in chunk] for i in range(width)]


def _encode(inputs: dict) -> bytes:
    return zlib.compress(json.dumps(inputs, separators=(",", ":")).encode())


def _decode(blob) -> dict | None:
    return json.loads(zlib.decompress(bytes(blob))) if blob else None


# Refreshing and rebuilding ----------------------------------------------------------


class RebuildRunning(Exception):  # noqa: N818 (a state, not a failure)
    """The organization's tallies are being rebuilt: refresh again once it is done."""


def _lock(organization_id: int, *, shared: bool) -> None:
    """Refreshes of one organization run beside each other; a rebuild runs alone. A
    refresh does not wait for a rebuild (minutes at a million people: a worker would be
    held that long); it says so, and its task tries again a minute later."""
    with connection.cursor() as cursor:
        if not shared:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x5245, organization_id])
            return
        cursor.execute("SELECT pg_try_advisory_xact_lock_shared(%s, %s)", [0x5245, organization_id])
        if not cursor.fetchone()[0]:
            raise RebuildRunning(organization_id)


def person_refresh(organization_id: int, survivor_id: int) -> None:
    """Make one person's contribution to one organization's tallies equal to their live
    rows there: O(their rows)."""
    key = person_key(organization_id, survivor_id)
    with transaction.atomic():
        _lock(organization_id, shared=True)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO reports_reportperson (organization_id, key, inputs) "
                "VALUES (%s, %s, '') ON CONFLICT (key) DO NOTHING",
                [organization_id, key],
            )
        row = ReportPerson.objects.select_for_update().get(key=key)
        old = _decode(row.inputs)
        new = _gather(organization_id, [survivor_id]).get(survivor_id)
        _spellings_save()
        _apply(organization_id, *_difference(_expand(new), _expand(old)))
        if new is None:
            row.delete()
        else:
            ReportPerson.objects.filter(pk=row.pk).update(inputs=_encode(new))


def survivor_refresh(survivor_id: int, organization_ids: Iterable[int] = ()) -> None:
    """Refresh a person at every organization that counts them, or did."""
    if not in_use():
        return
    from aftercare.models import Organization
    from survivors.models import Consent, Engagement

    orgs = set(organization_ids)
    orgs |= set(Survivor.objects.filter(pk=survivor_id).values_list("organization_id", flat=True))
    orgs |= set(
        Matter.objects.filter(client_id=survivor_id).values_list("organization_id", flat=True)
    )
    for sender, receiver in Referral.objects.filter(survivor_id=survivor_id).values_list(
        "from_organization_id", "to_organization_id"
    ):
        orgs |= {sender, receiver}
    orgs |= set(
        Consent.objects.filter(survivor_id=survivor_id).values_list("recipient_id", flat=True)
    )
    orgs |= set(
        Engagement.objects.filter(survivor_id=survivor_id).values_list("organization_id", flat=True)
    )
    # Where the person was counted before and is no longer linked (the keys tell).
    keys = {
        person_key(o, survivor_id): o for o in Organization.objects.values_list("pk", flat=True)
    }
    orgs |= {
        keys[k]
        for k in ReportPerson.objects.filter(key__in=list(keys)).values_list("key", flat=True)
    }
    for organization_id in sorted(orgs - {None}):
        person_refresh(organization_id, survivor_id)


def organization_people(organization_id: int) -> list[int]:
    """Everyone the organization's reports may count or leave out."""
    ids = set(
        Matter.objects.filter(organization_id=organization_id).values_list("client_id", flat=True)
    )
    ids |= set(
        Survivor.objects.filter(organization_id=organization_id).values_list("pk", flat=True)
    )
    ids |= set(
        Referral.objects.filter(
            Q(from_organization_id=organization_id) | Q(to_organization_id=organization_id)
        ).values_list("survivor_id", flat=True)
    )
    return sorted(ids)


def organization_rebuild(organization_id: int, *, batch: int = BATCH, progress=None) -> int:
    """Recompute one organization's tallies from its live rows, in batches of people, in
    one transaction (refreshes of it wait). Each batch's cells go by COPY into a
    temporary table, summed into the tallies at the end: memory bounded by a batch.
    Returns the number of people kept."""
    if not in_use():
        return 0
    people = 0
    with transaction.atomic():
        _lock(organization_id, shared=False)
        for model in (Tally, GapTally, ReportPerson):
            model.objects.filter(organization_id=organization_id).delete()
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY TABLE report_load (scope varchar, measure varchar,"
                " value varchar, day date, n bigint, total numeric) ON COMMIT DROP;"
                "CREATE TEMPORARY TABLE report_gap_load (scope varchar, dimension varchar,"
                " value varchar, last_day date, next_day date, n bigint) ON COMMIT DROP"
            )
        ids = organization_people(organization_id)
        for start in range(0, len(ids), batch):
            chunk = ids[start : start + batch]
            inputs = _gather(organization_id, chunk)
            _spellings_save()
            tallies: dict = defaultdict(lambda: [0, Decimal(0)])
            gaps: Counter = Counter()
            persons = []
            for pk, person in inputs.items():
                cells, breaks = _expand(person)
                for key, (n, total) in cells.items():
                    tallies[key][0] += n
                    tallies[key][1] += total
                gaps.update(breaks)
                persons.append(
                    ReportPerson(
                        organization_id=organization_id,
                        key=person_key(organization_id, pk),
                        inputs=_encode(person),
                    )
                )
            _load(tallies, gaps)
            ReportPerson.objects.bulk_create(persons, batch_size=1000)
            people += len(persons)
            if progress:
                progress(min(start + batch, len(ids)), len(ids))
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO reports_tally
                    (organization_id, scope, measure, level, bucket, value, n, total)
                SELECT %s, scope, measure, level, bucket, value, SUM(n), SUM(total) FROM (
                    SELECT scope, measure, value, %s AS level, day AS bucket, n, total
                    FROM report_load
                    UNION ALL
                    SELECT scope, measure, value, %s, date_trunc('month', day)::date, n, total
                    FROM report_load
                    UNION ALL
                    SELECT scope, measure, value, %s, date_trunc('year', day)::date, n, total
                    FROM report_load
                    UNION ALL
                    SELECT scope, measure, value, %s, %s, n, total FROM report_load
                ) cells
                GROUP BY scope, measure, level, bucket, value
                HAVING SUM(n) <> 0 OR SUM(total) <> 0;
                INSERT INTO reports_gaptally
                    (organization_id, scope, dimension, last_day, next_day, value, n)
                SELECT %s, scope, dimension, last_day, next_day, value, SUM(n)
                FROM report_gap_load
                GROUP BY scope, dimension, last_day, next_day, value
                HAVING SUM(n) <> 0;
                DROP TABLE report_load; DROP TABLE report_gap_load;
                ANALYZE reports_tally; ANALYZE reports_gaptally; ANALYZE reports_reportperson
                """,
                [organization_id, DAY, MONTH, YEAR, EVER, EVER_BUCKET, organization_id],
            )
        ReportReady.objects.update_or_create(organization_id=organization_id, defaults={})
    return people


def _load(tallies: dict, gaps: Counter) -> None:
    """One batch's day cells into the temporary tables."""
    with connection.cursor() as cursor:
        with cursor.copy("COPY report_load FROM STDIN") as copy:
            for (scope, measure, value, ordinal), (n, total) in tallies.items():
                if n or total:
                    day = datetime.date.fromordinal(ordinal)
                    copy.write_row((scope, measure, value, day, n, total))
        with cursor.copy("COPY report_gap_load FROM STDIN") as copy:
            for (scope, dimension, value, last, following), n in gaps.items():
                if n:
                    copy.write_row(
                        (
                            scope,
                            dimension,
                            value,
                            datetime.date.fromordinal(last),
                            datetime.date.fromordinal(following),
                            n,
                        )
                    )


def spellings_prune() -> int:
    """Spellings no tally counts any more (an erased person's, say) go."""
    used = set()
    for value in (
        Tally.objects.filter(measure__in=[f"s.{LANGUAGE}", f"s.{COUNTRY}"], level=YEAR)
        .values_list("value", flat=True)
        .distinct()
    ):
        used.add(value)
    return ReportSpelling.objects.exclude(pk__in=used).delete()[0]


def in_use() -> bool:
    """The aggregate tables need PostgreSQL (COPY, advisory locks, ANY). Elsewhere, that
    is SQLite under `make run`, nothing is tallied and every report is computed from the
    live rows, which at a demo's size takes milliseconds."""
    return connection.vendor == "postgresql"


def is_ready(organization_id: int) -> bool:
    return in_use() and ReportReady.objects.filter(organization_id=organization_id).exists()
