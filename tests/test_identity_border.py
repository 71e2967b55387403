"""Identity has one door: no code or template outside `survivors/` reads a personal field
of a survivor through a foreign key (`matter.client.legal_name`, `client = matter.client;
client.is_minor`, `values("client__date_of_birth")`, `{{ matter.client.languages }}`).

They ask `survivors.identity.survivor_identity_for`, which checks consent or engagement
at that moment and audits the read. The scanner below walks the code; its own tests show
that it catches each pattern, so it cannot pass by seeing nothing.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.conf import settings

from survivors.models import Survivor

ROOT = Path(settings.BASE_DIR)
APPS_OUTSIDE = (
    "aftercare",
    "cases",
    "volunteers",
    "reports",
    "webhooks",
    "evidence",
    "api",
    "benchmarks",
)
# The relations through which other apps reach a survivor.
RELATIONS = {"client", "survivor"}
PERSONAL = (
    set(Survivor.PII_FIELDS)
    | {f for fields in Survivor.CATEGORY_FIELDS.values() for f in fields}
    | {
        "is_minor",
        "majority_date",
        "is_minor_on",
        "aliases",
        "contacts",
        "tokens",
        "labels",
        "labels_needs",
        "labels_indicators",
        "labels_trafficking",
    }
)


def _ends_in_relation(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr in RELATIONS


class _Reads(ast.NodeVisitor):
    """Personal-field reads through a survivor relation, per function scope."""

    def __init__(self):
        self.found: list[tuple[int, str]] = []
        self.tainted: list[set[str]] = [set()]

    def _scoped(self, node):
        self.tainted.append(set())
        self.generic_visit(node)
        self.tainted.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _scoped  # noqa: N815

    def visit_Assign(self, node: ast.Assign):
        if _ends_in_relation(node.value):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.tainted[-1].add(target.id)
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute):
        if node.attr in PERSONAL:
            through_fk = _ends_in_relation(node.value)
            through_name = isinstance(node.value, ast.Name) and any(
                node.value.id in scope for scope in self.tainted
            )
            if through_fk or through_name:
                self.found.append((node.lineno, ast.unparse(node)))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call):
        is_getattr = isinstance(node.func, ast.Name) and node.func.id == "getattr"
        if is_getattr and node.args and _ends_in_relation(node.args[0]):
            self.found.append((node.lineno, ast.unparse(node)))
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant):
        if isinstance(node.value, str):
            for relation in RELATIONS:
                for field in PERSONAL:
                    if f"{relation}__{field}" in node.value:
                        self.found.append((node.lineno, node.value))


def personal_reads(source: str) -> list[tuple[int, str]]:
    visitor = _Reads()
    visitor.visit(ast.parse(source))
    return visitor.found


TEMPLATE_READ = re.compile(
    r"\b(?:client|survivor)\.(" + "|".join(sorted(PERSONAL, key=len, reverse=True)) + r")\b"
)


def template_reads(text: str) -> list[str]:
    return [match.group(0) for match in TEMPLATE_READ.finditer(text)]


def _python_files():
    for app in APPS_OUTSIDE:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_no_code_outside_survivors_reads_a_personal_field_through_a_relation():
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {code}"
        for path in _python_files()
        for line, code in personal_reads(path.read_text())
    ]
    assert not offenders, "ask survivors.identity instead:\n" + "\n".join(offenders)


def test_no_template_outside_survivors_reads_a_personal_field_of_a_survivor():
    offenders = [
        f"{path.relative_to(ROOT)}: {read}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        if "survivors" not in path.relative_to(ROOT / "templates").parts
        for read in template_reads(path.read_text())
    ]
    assert not offenders, "\n".join(offenders)


# Models that hold nothing but a survivor's identity: no app outside survivors/ imports them
# (their rows are read through survivors.identity), and no app opens a client file.
IDENTITY_ONLY = ("SurvivorToken", "SurvivorAlias", "SafeContact")
OPENS_CLIENT_FILE = "IdentityUse.ENGAGEMENT"
# Who may import them anyway, and why.
WRITES_SYNTHETIC_ROWS = {
    "benchmarks/generate_scale_data.py": "benchmark tooling that bulk-writes synthetic "
    "aliases and tokens for the scale databases; reads none",
}


def test_no_app_outside_survivors_imports_identity_tables_or_opens_a_client_file():
    offenders = []
    for path in _python_files():
        if str(path.relative_to(ROOT)) in WRITES_SYNTHETIC_ROWS:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("survivors"):
                offenders += [
                    f"{path.relative_to(ROOT)}: imports {alias.name}"
                    for alias in node.names
                    if alias.name in IDENTITY_ONLY
                ]
        if OPENS_CLIENT_FILE in path.read_text():
            offenders.append(f"{path.relative_to(ROOT)}: uses {OPENS_CLIENT_FILE}")
    assert not offenders, "\n".join(offenders)


def test_the_scanner_catches_every_pattern_it_looks_for():
    assert personal_reads("name = matter.client.legal_name")
    assert personal_reads("def f(m):\n    client = m.client\n    return client.is_minor")
    assert personal_reads("x = getattr(draft.matter.client, field)")
    assert personal_reads("Matter.objects.values('client__date_of_birth')")
    assert personal_reads("consent.survivor.languages")
    assert template_reads("{{ matter.client.legal_name }}")
    assert template_reads("{% if check.client.is_minor %}")


def test_the_scanner_leaves_codes_and_ids_alone():
    assert not personal_reads("number = matter.client.code")
    assert not personal_reads("pk = matter.client_id")
    assert not personal_reads("def f(c):\n    client = build()\n    return client.languages")
    assert not template_reads("{{ matter.client.code }}")
