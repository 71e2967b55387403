"""axe-core in the browser tests: every rule of WCAG 2.0, 2.1 and 2.2 at levels A and AA
plus Deque's best practices, every impact level, on the page as it is now (forms with their
errors shown included). Failures read as a list: the page, rule, impact, help, elements.

axe-core is vendored in tests/browser/vendor/axe-core/ and injected only into browser
contexts opened with `bypass_csp=True` (AXE_CONTEXT): the application never serves it, and
its Content-Security-Policy stays strict for everyone else.

Screenshots of the main pages at 360 and 1280 px go to var/screenshots/ (git-ignored),
named page-width-language.png, for people to look at after a run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

AXE_JS = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"

# A phone (360 px, as intake workers in the field use) whose pages axe may be injected into.
AXE_CONTEXT = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "bypass_csp": True,
}
DESK = {"width": 1280, "height": 900}

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

_RUN = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({target: n.target.map(String), summary: n.failureSummary})),
  }));
}"""


def axe_violations(page) -> list[dict]:
    """The violations axe finds on the page as it is now."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(_RUN, TAGS)


def describe(where: str, violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"{where}: {violation['id']} ({violation['impact']}): {violation['help']} "
            f"<{violation['helpUrl']}>"
        )
        for node in violation["nodes"][:8]:
            lines.append(f"    {' > '.join(node['target'])}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    ... and {len(violation['nodes']) - 8} more elements")
    return "\n".join(lines)


def assert_accessible(page, where: str = "") -> None:
    """Fail now if axe finds anything on this page."""
    violations = axe_violations(page)
    assert not violations, "axe-core found:\n" + describe(where or page.url, violations)


@dataclass
class AxeAudit:
    """Runs axe on every page a journey visits and fails once, at the end, with every finding
    of the journey (so one run shows all that is wrong, not only the first page)."""

    base_url: str
    findings: list[str] = field(default_factory=list)
    pages: int = 0

    def check(self, page, name: str) -> None:
        self.pages += 1
        path = page.url.removeprefix(self.base_url)
        language = page.locator("html").get_attribute("lang")
        if violations := axe_violations(page):
            self.findings.append(describe(f"[{language}] {name} {path}", violations))

    def assert_clean(self) -> None:
        assert self.pages, "axe ran on no page"
        assert not self.findings, f"axe-core found, on {self.pages} pages checked:\n" + "\n".join(
            self.findings
        )


def screenshot(page, name: str) -> None:
    """The whole page at 360 and at 1280 px: var/screenshots/<name>-<width>-<language>.png.
    The page is left at the width it had."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    language = page.locator("html").get_attribute("lang") or "en"
    size = page.viewport_size
    for width, viewport in ((360, {"width": 360, "height": 740}), (1280, DESK)):
        if size["width"] != width:
            page.set_viewport_size(viewport)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}-{language}.png"), full_page=True)
    if page.viewport_size != size:
        page.set_viewport_size(size)
