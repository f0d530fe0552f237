"""``make lint``: every exception to ruff's security rules (flake8-bandit, ``S``) says why, in place.

A ``# noqa: S608`` (or a file's ``# ruff: noqa: S608``) must be followed on
the same line by its reason, e.g. ``# noqa: S608  table names from the model``.
Prints each bare exception and exits 1 if there is one.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Tests are exempt from the S rules altogether (pyproject.toml), so nothing there to justify.
SKIP = {".venv", "migrations", "node_modules", "__pycache__", "tests"}
# The codes (S and others, comma-separated), then whatever follows: the reason.
NOQA = re.compile(r"#\s*(?:ruff:\s*)?noqa:\s*(?P<codes>[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)(?P<rest>.*)$")
# A reason has at least two words of text (punctuation before it is fine).
REASON = re.compile(r"[^\W\d_]{2,}\W+[^\W\d_]{2,}")


def bare_exceptions(path: Path) -> list[str]:
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = NOQA.search(line)
        if not match:
            continue
        codes = [code.strip() for code in match["codes"].split(",")]
        if any(code.startswith("S") for code in codes) and not REASON.search(match["rest"]):
            found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


def main() -> int:
    problems: list[str] = []
    for path in sorted(ROOT.glob("**/*.py")):
        if SKIP & set(path.relative_to(ROOT).parts):
            continue
        problems += bare_exceptions(path)
    for problem in problems:
        print(problem)
    if problems:
        print(
            f"{len(problems)} exception(s) to ruff's security rules without a reason: write it after "
            "the code, on the same line (`# noqa: S608  table names from the model`).",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
