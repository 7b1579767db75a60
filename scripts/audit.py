"""Audits the locked dependencies (constraints.txt) for known vulnerabilities with pip-audit.

Exit 0: every package was checked and none has a known vulnerability.
Exit 1: a known vulnerability (each is listed with its fix version).
Exit 2: the audit could not check every package (no vulnerability service reachable, or
        packages it could not look up). It never passes having checked nothing: pip-audit
        itself exits 0 when every package is skipped.

usage: scripts/audit [constraints.txt]   (scripts/audit wraps .venv/bin/python scripts/audit.py)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def verdict(report: dict[str, Any]) -> tuple[int, list[str]]:
    """(exit status, lines to print) for a pip-audit JSON report."""
    deps = report.get("dependencies", [])
    skipped = [d for d in deps if d.get("skip_reason")]
    audited = [d for d in deps if not d.get("skip_reason")]
    vulnerable = [d for d in audited if d.get("vulns")]
    lines = [f"dependency audit: {len(audited)} of {len(deps)} packages checked"]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            lines.append(
                f"  VULNERABLE {dep['name']} {dep.get('version')}: {vuln.get('id')} (fixed in {fixes})"
            )
    if vulnerable:
        return 1, lines
    if not deps or skipped:
        reasons = sorted({d["skip_reason"].split(":", 1)[0] for d in skipped})
        lines.insert(
            0,
            "DEPENDENCY AUDIT INCOMPLETE: "
            + (
                f"{len(skipped)} of {len(deps)} packages could not be checked ({'; '.join(reasons)})"
                if deps
                else "no packages were read"
            ),
        )
        return 2, lines
    return 0, lines


def main() -> int:
    constraints = Path(sys.argv[1] if len(sys.argv) > 1 else "constraints.txt")
    requirements = [
        line
        for line in constraints.read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    if not requirements:
        print(f"DEPENDENCY AUDIT INCOMPLETE: {constraints} lists no packages", file=sys.stderr)
        return 2
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip_audit",
            "--requirement",
            str(constraints),
            "--no-deps",
            "--disable-pip",
            "--format",
            "json",
            "--progress-spinner",
            "off",
        ],
        capture_output=True,
        text=True,
    )
    try:
        report = json.loads(run.stdout)
    except ValueError:
        print("DEPENDENCY AUDIT DID NOT RUN: pip-audit gave no report", file=sys.stderr)
        print(run.stderr.strip()[-2000:], file=sys.stderr)
        return 2
    status, lines = verdict(report)
    print("\n".join(lines), file=sys.stderr if status else sys.stdout)
    return status


if __name__ == "__main__":
    sys.exit(main())
