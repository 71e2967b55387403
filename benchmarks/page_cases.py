"""The cases the scale suite times, run inside a worker process bound to one database.

`scale_suite.py` starts one worker per database (`setup(url)` is the initializer) and
asks it for one timing at a time, so that cases and baselines, and the small and the
large database, can alternate. Pages are the real views, requested through Django's
test Client with a session signed in with its second factor, exactly like
`tests/conftest.py` does.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

STATE: dict = {}
LARGE_TABLE_ROWS = 10_000  # a Seq Scan on a table this size or larger is a finding
SUBPLAN_ROWS = 5_000  # a subplan that reads more rows than this scans a whole set


def setup(url: str) -> None:
    """Process initializer: bind Django to `url` and sign the personas in."""
    os.environ.update(
        DATABASE_URL=url,
        AFTERCARE_ENV="test",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DJANGO_SETTINGS_MODULE="aftercare.settings",
    )
    import django

    django.setup()
    _personas()


# -- personas and pages -----------------------------------------------------------------
def sign_in(membership):
    """A test Client signed in as `membership`, second factor verified (as tests/conftest)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from aftercare.access import ACTING_MEMBERSHIP_KEY

    client = Client()
    client.force_login(membership.user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    device = TOTPDevice.objects.filter(user=membership.user, confirmed=True).first()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[ACTING_MEMBERSHIP_KEY] = membership.pk
    session.save()
    return client


def _attorneys_by_load(organization, limit: int):
    """The organization's non-admin attorneys, most matter grants first."""
    from django.db.models import Count

    from aftercare.models import Membership, Role
    from cases.models import MatterUserGrant

    loads = (
        MatterUserGrant.objects.filter(
            permission__codename="view_matter",
            content_object__organization=organization,
        )
        .values("user_id")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    attorneys = set(
        Membership.objects.filter(organization=organization, role=Role.ATTORNEY).values_list(
            "user_id", flat=True
        )
    )
    chosen = [(row["user_id"], row["n"]) for row in loads if row["user_id"] in attorneys][:limit]
    by_user = {
        m.user_id: m
        for m in Membership.objects.select_related("user", "organization").filter(
            organization=organization, user_id__in=[u for u, _n in chosen]
        )
    }
    return [(by_user[u], n) for u, n in chosen]


def _personas() -> None:
    from django.db.models import Count

    from aftercare.blind_index import name_tokens
    from aftercare.models import Membership, Organization, Role
    from cases.models import Matter
    from survivors.models import Survivor

    organization = Organization.objects.annotate(n=Count("survivors")).order_by("-n", "pk").first()
    (attorney, grants), *_ = _attorneys_by_load(organization, 1)
    coordinator = (
        Membership.objects.filter(organization=organization, role=Role.COORDINATOR)
        .select_related("user", "organization")
        .order_by("pk")
        .first()
    )
    survivor = Survivor.objects.visible_to(attorney).exclude(status="draft").first()
    matter = Matter.objects.visible_to(attorney).first()
    STATE.update(
        organization=organization,
        attorney=attorney,
        coordinator=coordinator,
        clients={"attorney": sign_in(attorney), "coordinator": sign_in(coordinator)},
        survivor=survivor,
        matter=matter,
        info={
            "survivors": Survivor.objects.count(),
            "organization_survivors": Survivor.objects.filter(organization=organization).count(),
            "attorney_matter_grants": grants,
            "attorney_visible_survivors": Survivor.objects.visible_to(attorney).count(),
            "attorney_open_matters": Matter.objects.visible_to(attorney).open().count(),
        },
    )
    # A name the attorney and the coordinator can both find: the attorney's client's.
    STATE["search_name"] = survivor.legal_name
    tokens = ",".join(name_tokens(survivor.legal_name).values())
    STATE["pages"] = {
        "survivor list": ("attorney", "/survivors/"),
        "matter list": ("attorney", "/matters/"),
        "survivor list (coordinator)": ("coordinator", "/survivors/"),
        "matter list (coordinator)": ("coordinator", "/matters/"),
        "name search page (coordinator)": ("coordinator", f"/survivors/?t={tokens}"),
        "name search page": ("attorney", f"/survivors/?t={tokens}"),
        "survivor record (permission check)": ("attorney", f"/survivors/{survivor.pk}/"),
        "matter page (permission check)": ("attorney", f"/matters/{matter.pk}/"),
        # Issue 15: the whole report of the largest organization for the last quarter.
        "reports page (coordinator)": ("coordinator", "/reports/"),
    }


def info() -> dict:
    return STATE["info"]


def get_page(name: str) -> tuple[int, str]:
    persona, url = STATE["pages"][name]
    response = STATE["clients"][persona].get(url)
    return response.status_code, response.content.decode()


def _timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def _page(name: str) -> float:
    persona, url = STATE["pages"][name]
    client = STATE["clients"][persona]

    def fetch():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)

    return _timed(fetch)


# -- what a baseline leaves out -----------------------------------------------------------
@contextmanager
def without_permission_filtering() -> Iterator[None]:
    """Lists scoped to the organization only, as a coordinator's are: the bare page the
    permission JOIN is compared to. The scope is the model's own (for survivors, the
    access-row join the list orders by), so the baseline is the same page minus the grants."""
    from aftercare.access import GuardedQuerySet

    original = GuardedQuerySet.visible_to

    def organization_only(self, membership, action="view"):
        return self.filter(self.organization_scope(membership.organization_id))

    GuardedQuerySet.visible_to = organization_only
    try:
        yield
    finally:
        GuardedQuerySet.visible_to = original


@contextmanager
def initials_not_decrypted() -> Iterator[None]:
    """The list with its one encrypted column read as stored, without decrypting it."""
    from survivors.models import Survivor

    field = Survivor._meta.get_field("initials")
    field.from_db_value = lambda value, *args, **kwargs: value
    try:
        yield
    finally:
        del field.from_db_value


@contextmanager
def full_record_loaded() -> Iterator[None]:
    """The list loading (and decrypting) every column, as it would without `only()`."""
    from survivors.models.record import SurvivorQuerySet

    original = SurvivorQuerySet.with_list_columns
    SurvivorQuerySet.with_list_columns = lambda self: self
    try:
        yield
    finally:
        SurvivorQuerySet.with_list_columns = original


# -- name search: blind index, plaintext index, decrypt-and-scan ---------------------------
def _search_base():
    from survivors.models import Survivor

    coordinator = STATE["coordinator"]
    return (
        Survivor.objects.visible_to(coordinator)
        .with_list_columns()
        .exclude(status__in=[Survivor.Status.DRAFT, Survivor.Status.ERASED])
        .filter(organization=coordinator.organization)
    )


def _show(queryset) -> list[str]:
    from aftercare.pagination import CappedPage

    page = CappedPage(queryset, None, per_page=25)
    return [f"{s.code} {s.initials}" for s in page]


def _normalized(name: str) -> str:
    from aftercare.blind_index import name_parts

    return " ".join(name_parts(name))


def plaintext_table() -> int:
    """A plaintext copy of the names with a B-tree index: the lookup the blind index is
    compared to. Only in the benchmark's own database, dropped with it."""
    from django.db import connection

    from survivors.models import Survivor

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_plain_name') IS NOT NULL")
        if cursor.fetchone()[0]:
            cursor.execute("SELECT count(*) FROM bench_plain_name")
            return cursor.fetchone()[0]
        cursor.execute("CREATE TABLE bench_plain_name (survivor_id bigint, name text)")
        batch = []
        rows = Survivor.objects.only("id", "legal_name").iterator(chunk_size=5000)
        for survivor in rows:
            batch.append((survivor.pk, _normalized(survivor.legal_name)))
            if len(batch) >= 5000:
                cursor.executemany("INSERT INTO bench_plain_name VALUES (%s, %s)", batch)
                batch = []
        if batch:
            cursor.executemany("INSERT INTO bench_plain_name VALUES (%s, %s)", batch)
        cursor.execute("CREATE INDEX bench_plain_name_lookup ON bench_plain_name (name)")
        cursor.execute("ANALYZE bench_plain_name")
        cursor.execute("SELECT count(*) FROM bench_plain_name")
        return cursor.fetchone()[0]


def _search_blind() -> list[str]:
    return _show(_search_base().matching(name=STATE["search_name"]))


def _search_plain() -> list[str]:
    from django.db.models.expressions import RawSQL

    subquery = RawSQL(
        "SELECT survivor_id FROM bench_plain_name WHERE name = %s",
        [_normalized(STATE["search_name"])],
    )
    return _show(_search_base().filter(pk__in=subquery))


def _search_scan() -> list[str]:
    """Decrypt every name of the organization and compare: what search would be without
    the blind index."""
    target = _normalized(STATE["search_name"])
    base = _search_base()
    rows = base.only("id", "legal_name").order_by().iterator(chunk_size=2000)
    found = [s.pk for s in rows if _normalized(s.legal_name) == target]
    return _show(base.filter(pk__in=found))


# -- the timed cases ----------------------------------------------------------------------
def _with(context: Callable, fn: Callable[[], float]) -> Callable[[], float]:
    def run() -> float:
        with context():
            return fn()

    return run


CASES: dict[str, Callable[[], float]] = {}


def _register() -> None:
    for name in (
        "survivor list",
        "matter list",
        "survivor list (coordinator)",
        "matter list (coordinator)",
        "name search page (coordinator)",
        "name search page",
        "survivor record (permission check)",
        "matter page (permission check)",
        "reports page (coordinator)",
    ):
        CASES[name] = lambda name=name: _page(name)
    CASES["survivor list, no permission filter"] = _with(
        without_permission_filtering, lambda: _page("survivor list")
    )
    CASES["matter list, no permission filter"] = _with(
        without_permission_filtering, lambda: _page("matter list")
    )
    CASES["search: blind index"] = lambda: _timed(_search_blind)
    CASES["search: plaintext index"] = lambda: _timed(_search_plain)
    CASES["search: decrypt and scan"] = lambda: _timed(_search_scan)
    CASES["list page, initials not decrypted"] = _with(
        initials_not_decrypted, lambda: _page("survivor list (coordinator)")
    )
    CASES["list page, full record decrypted"] = _with(
        full_record_loaded, lambda: _page("survivor list (coordinator)")
    )


_register()


# -- issue 15: refreshing the report aggregates after one change -------------------------
class _UndoError(Exception):
    pass


def refresh_after_one_change(n: int) -> float:
    """One matter of the largest organization's n-th client moves to another stage, and
    that person's contribution to every organization's report tallies is refreshed (what
    the on-commit task does): the refresh alone is timed, then everything is rolled back,
    so the database is left as it was."""
    from django.db import transaction

    from cases.models import Matter
    from reports.aggregates import survivor_refresh

    matters = STATE.setdefault(
        "refresh_matters",
        list(
            Matter.objects.filter(organization=STATE["organization"])
            .order_by("pk")
            .values_list("pk", "client_id", "stage")[:200:10]
        ),
    )
    pk, client, stage = matters[n % len(matters)]
    elapsed = 0.0
    try:
        with transaction.atomic():
            Matter.objects.filter(pk=pk).update(stage="closed" if stage != "closed" else "intake")
            elapsed = _timed(lambda: survivor_refresh(client))
            raise _UndoError
    except _UndoError:
        pass
    return elapsed


def time_case(name: str) -> float:
    return CASES[name]()


def search_results_agree() -> bool:
    """The three searches find the same first page."""
    return _search_blind()[:1] == _search_plain()[:1] == _search_scan()[:1]


# -- query plans (goal b) and counts (goal g) ----------------------------------------------
def _captured(name: str) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    persona, url = STATE["pages"][name]
    with CaptureQueriesContext(connection) as queries:
        response = STATE["clients"][persona].get(url)
    assert response.status_code == 200, (name, response.status_code)
    return [q["sql"] for q in queries.captured_queries]


def _large_tables() -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples >= %s",
            [LARGE_TABLE_ROWS],
        )
        return {row[0] for row in cursor.fetchall()}


def _relations(node: dict) -> set[str]:
    found = {node["Relation Name"]} if "Relation Name" in node else set()
    for child in node.get("Plans", []):
        found |= _relations(child)
    return found


def _walk(node: dict, large: set[str], hashed: str, findings: list[str]) -> int:
    """Record what a plan must not do; return the rows that this subtree scanned.

    `hashed` is every condition of the plan as text: PostgreSQL names a subplan that
    it builds a hash table of (the whole subquery, once) "hashed SubPlan n" there.
    """
    kind = node["Node Type"]
    relation = node.get("Relation Name", "")
    loops = node.get("Actual Loops", 1)
    rows = (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)) * loops
    if kind == "Seq Scan" and relation in large:
        findings.append(f"Seq Scan on {relation} ({rows:,} rows)")
    scanned = rows if kind.endswith("Scan") else 0
    for child in node.get("Plans", []):
        child_rows = _walk(child, large, hashed, findings)
        scanned += child_rows
        if child.get("Parent Relationship") not in ("SubPlan", "InitPlan"):
            continue
        name = child.get("Subplan Name", "subplan")
        if child_rows > SUBPLAN_ROWS:
            findings.append(f"{name} reads {child_rows:,} rows")
        if f"hashed {name}" in hashed and _relations(child) & large:
            findings.append(f"hashed {name} over {sorted(_relations(child) & large)}")
    return scanned


def _conditions(node: dict) -> str:
    text = " ".join(str(v) for k, v in node.items() if "Filter" in k or "Cond" in k)
    return text + " ".join(_conditions(child) for child in node.get("Plans", []))


def plan_findings() -> dict:
    """EXPLAIN ANALYZE every SELECT that the list, search and permission pages run."""
    import json

    from django.db import connection, transaction

    large = _large_tables()
    checked, findings = 0, []
    for name in STATE["pages"]:
        for sql in _captured(name):
            head = sql.lstrip().upper()
            if not head.startswith("SELECT") or "FOR UPDATE" in head:
                continue
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
                plan = cursor.fetchone()[0]
                transaction.set_rollback(True)
            plan = json.loads(plan) if isinstance(plan, str) else plan
            found: list[str] = []
            root = plan[0]["Plan"]
            _walk(root, large, _conditions(root), found)
            checked += 1
            findings += [f"{name}: {f}: {sql[:300]}" for f in found]
    return {"queries": checked, "findings": findings, "large_tables": sorted(large)}


def explain(name: str) -> list[str]:
    """EXPLAIN ANALYZE of each SELECT of one page, as text (for the report and for fixing)."""
    from django.db import connection, transaction

    out = []
    for sql in _captured(name):
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            out.append(sql + "\n" + "\n".join(r[0] for r in cursor.fetchall()))
            transaction.set_rollback(True)
    return out


def count_caps() -> dict:
    """Every COUNT over a large table on a list page is capped; a long list says "1,000+".

    Other counts (a member's unread notifications) are listed, not failed: they are
    bounded by one person's rows through an index, not by a table.
    """
    from aftercare.pagination import COUNT_CAP

    large = _large_tables()
    uncapped, other, counts = [], set(), 0
    for name in STATE["pages"]:
        if "record" in name or "matter page" in name:
            continue
        for sql in _captured(name):
            if "COUNT(" not in sql.upper() or f"LIMIT {COUNT_CAP + 1}" in sql:
                counts += "COUNT(" in sql.upper()
                continue
            counts += 1
            if any(f'"{table}"' in sql for table in large):
                uncapped.append(f"{name}: {sql[:200]}")
            else:
                other.add(sql[:160])
    _status, content = get_page("survivor list (coordinator)")
    return {
        "counts": counts,
        "uncapped": uncapped,
        "other": sorted(other),
        "shows_capped_total": f"{COUNT_CAP:,}+" in content,
    }


# -- sessions for the load test (goal f) ---------------------------------------------------
def load_sessions(count: int) -> list[str]:
    """Session cookies of up to `count` attorneys of the largest organization, signed in."""
    from django.conf import settings

    chosen = _attorneys_by_load(STATE["organization"], count)
    return [sign_in(m).cookies[settings.SESSION_COOKIE_NAME].value for m, _n in chosen]
