"""``make audit-deps``: pip-audit over the lock files, skipped when its advisory source is out of reach.

Every pinned package of ``requirements.lock`` (production) and
``requirements-dev.lock`` (development and CI) is checked against the Python
Packaging Advisory Database as PyPI serves it (``--service osv`` for OSV.dev).
The lock files are hashed and complete, so pip-audit reads them as they are
(``--disable-pip --require-hashes``): nothing is installed or resolved.

CI may run without internet access. The advisory source is tried first; when it
cannot be reached the audit is skipped with a message saying so, and the step
passes: a skipped audit is not a clean one, and the message makes that plain.
The same holds when the source answers but knows none of the packages (a
package mirror without advisory data): every package skipped is no audit.

Known advisories that cannot be fixed yet are listed in ``.pip-audit-ignore``,
one ``ID  reason`` a line: an advisory without a reason is refused.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LOCKS = ("requirements.lock", "requirements-dev.lock")
IGNORE_FILE = ROOT / ".pip-audit-ignore"
# What pip-audit asks, for each service: reachable means the audit can run.
PROBES = {"pypi": "https://pypi.org/pypi/pip/json", "osv": "https://api.osv.dev/v1/query"}


def reachable(url: str, timeout: float) -> str | None:
    """None if ``url`` answers; otherwise why not."""
    # The URL is one of PROBES or the caller's --probe: https or a local test server.
    request = urllib.request.Request(url, method="GET", headers={"User-Agent": "samverkan-audit-deps"})  # noqa: S310  fixed http(s) URL, not user input
    try:
        with urllib.request.urlopen(request, timeout=timeout):  # noqa: S310  same URL as above
            return None
    except urllib.error.HTTPError:
        return None  # it answered (OSV answers a GET with 405): the service is there
    except (urllib.error.URLError, OSError) as exc:
        return str(getattr(exc, "reason", exc))


def ignored() -> list[str]:
    if not IGNORE_FILE.exists():
        return []
    ids: list[str] = []
    for number, raw in enumerate(IGNORE_FILE.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        advisory, _, reason = line.partition(" ")
        if not reason.strip():
            raise SystemExit(f"{IGNORE_FILE.name}, line {number}: {advisory} has no reason; write 'ID  reason'.")
        ids.append(advisory)
    return ids


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--service", choices=sorted(PROBES), default="pypi")
    parser.add_argument("--probe", help="URL to try instead of the service's own (tests)")
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--dry-run", action="store_true", help="read the lock files, ask nothing")
    args = parser.parse_args(argv)

    pip_audit = Path(sys.executable).with_name("pip-audit")
    if not pip_audit.exists():
        print("audit-deps: pip-audit is not installed; run `make install`.", file=sys.stderr)
        return 1
    command = [
        str(pip_audit),
        "--disable-pip",
        "--require-hashes",
        "--progress-spinner=off",
        f"--vulnerability-service={args.service}",
        f"--timeout={int(args.timeout)}",
    ]
    for lock in LOCKS:
        command += ["-r", str(ROOT / lock)]
    for advisory in ignored():
        command += ["--ignore-vuln", advisory]
    if args.dry_run:
        command.append("--dry-run")
    else:
        url = args.probe or PROBES[args.service]
        why = reachable(url, args.timeout)
        if why is not None:
            print(
                f"audit-deps: SKIPPED - the advisory source {url} cannot be reached ({why}). "
                "The dependencies were NOT audited; run `make audit-deps` where it can be reached."
            )
            return 0
    print("audit-deps: " + " ".join(command[1:]), flush=True)
    if args.dry_run:
        return subprocess.run(command, cwd=ROOT, check=False).returncode  # noqa: S603  our own fixed command line
    with tempfile.TemporaryDirectory() as scratch:
        report_path = Path(scratch) / "pip-audit.json"
        done = subprocess.run(  # noqa: S603  our own fixed command line
            [*command, "--format=json", f"--output={report_path}"], cwd=ROOT, check=False
        )
        if not report_path.exists():
            print(f"audit-deps: pip-audit failed (exit {done.returncode}) without a report.", file=sys.stderr)
            return done.returncode or 1
        report = json.loads(report_path.read_text(encoding="utf-8"))
    lines, status = summarise(report, url=args.probe or PROBES[args.service])
    print("\n".join(lines))
    return status


def summarise(report: dict[str, Any], *, url: str) -> tuple[list[str], int]:
    """What pip-audit's JSON report says, and the exit status: 1 on a known vulnerability."""
    dependencies: list[dict[str, Any]] | None = report.get("dependencies")
    if not isinstance(dependencies, list):
        return ["audit-deps: pip-audit's report has no dependencies."], 1
    skipped = [d for d in dependencies if d.get("skip_reason")]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    if dependencies and len(skipped) == len(dependencies):
        return [
            f"audit-deps: SKIPPED - {url} answered but could audit none of the {len(dependencies)} "
            f"packages ({skipped[0]['skip_reason']}). The dependencies were NOT audited; run "
            "`make audit-deps` where the advisory source can be reached."
        ], 0
    lines = []
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            lines.append(f"{dependency['name']} {dependency['version']}: {vuln['id']} (fixed in: {fixes})")
    for dependency in skipped:
        lines.append(f"not audited: {dependency['name']} ({dependency['skip_reason']})")
    audited = len(dependencies) - len(skipped)
    if vulnerable:
        lines.append(
            f"audit-deps: {sum(len(d['vulns']) for d in vulnerable)} known vulnerabilities in "
            f"{len(vulnerable)} of {audited} audited packages: upgrade them (pip-compile "
            "--upgrade-package), or list each advisory with its reason in .pip-audit-ignore."
        )
        return lines, 1
    lines.append(f"audit-deps: no known vulnerabilities in {audited} audited packages.")
    return lines, 0


if __name__ == "__main__":
    sys.exit(main())
