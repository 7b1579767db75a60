"""axe-core audits for the browser tests: inject the npm package into a page and list what fails.

axe-core comes from the npm registry (package.json, installed by scripts/test with `npm ci`); it is
read from node_modules and injected with Playwright, so no page ever fetches it from a network.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
AXE_PATH = REPO / "node_modules" / "axe-core" / "axe.min.js"

# The WCAG 2.x A and AA rule sets, up to 2.2: what the project promises every reader.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = ("serious", "critical")


@cache
def axe_source() -> str:
    if not AXE_PATH.is_file():
        raise FileNotFoundError(
            f"{AXE_PATH} is missing: run `npm ci` in the repository (scripts/test does)"
        )
    return AXE_PATH.read_text(encoding="utf-8")


def audit(page: Any, context: Any = None) -> list[dict[str, Any]]:
    """Runs axe-core on a Playwright page (optionally on a CSS selector or axe context object);
    returns the serious and critical violations, each with its rule id, help text and targets.

    axe walks open shadow roots, so UI mounted in a shadow host under <body> is audited too."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        try:
            page.add_script_tag(content=axe_source())
        except Exception as error:  # noqa: BLE001 - Playwright raises its own Error type
            if "Content Security Policy" not in str(error):
                raise
            # An extension page (script-src 'self') refuses inline scripts; evaluation through
            # the DevTools protocol is not a page script, so it may run the same source.
            page.evaluate("source => { (0, eval)(source); }", axe_source())
    result = page.evaluate(
        """async ([context, tags]) => {
            const r = await window.axe.run(context || document, {
                runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target), summary: v.nodes.map(n => n.failureSummary)}));
        }""",
        [context, WCAG_TAGS],
    )
    return [v for v in result if v.get("impact") in BLOCKING_IMPACTS]


def describe(violations: list[dict[str, Any]]) -> str:
    """A readable failure message for an assertion."""
    return "\n".join(
        f"{v['impact']}: {v['id']} — {v['help']} at {v['targets'][:3]}" for v in violations
    )
