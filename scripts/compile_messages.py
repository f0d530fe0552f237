"""Compile the committed .po translations to .mo files with Babel.

Django's ``compilemessages`` needs GNU gettext's ``msgfmt``, which is not
installed everywhere; Babel is a locked dependency, so the build uses it.

    python scripts/compile_messages.py            # every samverkan/**/locale/*/LC_MESSAGES/*.po
    python scripts/compile_messages.py FILE.po …  # only these

Fuzzy translations are left out, as ``msgfmt`` does without ``--use-fuzzy``:
a fuzzy entry is a guess that no translator has confirmed. A catalogue with
a syntax error or a translation whose placeholders do not match its msgid
fails the build, since a wrong ``%(name)s`` only shows as a crash at run time.
No .po files at all is not an error (there is nothing to compile yet).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po

ROOT = Path(__file__).resolve().parent.parent
PATTERNS = ("samverkan/locale/*/LC_MESSAGES/*.po", "samverkan/*/locale/*/LC_MESSAGES/*.po")


def find_catalogues() -> list[Path]:
    return sorted({path for pattern in PATTERNS for path in ROOT.glob(pattern)})


def compile_catalogue(po_path: Path) -> list[str]:
    """Write ``po_path``'s .mo beside it; return the problems found (nothing written then)."""
    # <lang>/LC_MESSAGES/<domain>.po
    language = po_path.parent.parent.name
    try:
        with po_path.open("rb") as po_file:
            catalogue = read_po(
                po_file,
                locale=language,
                domain=po_path.stem,
                ignore_obsolete=True,
                abort_invalid=True,
            )
    except (PoFileError, ValueError) as exc:
        return [f"{po_path}: {exc}"]

    problems = [
        f"{po_path}:{message.lineno}: {message.id!r}: {error}"
        for message, errors in catalogue.check()
        if not message.fuzzy
        for error in errors
    ]
    if problems:
        return problems

    mo_path = po_path.with_suffix(".mo")
    # Write next to the target and rename, so a running server never reads half a file.
    fd, tmp_name = tempfile.mkstemp(dir=po_path.parent, prefix=".", suffix=".mo.tmp")
    try:
        with os.fdopen(fd, "wb") as mo_file:
            write_mo(mo_file, catalogue, use_fuzzy=False)
        os.chmod(tmp_name, 0o644)  # mkstemp makes it private; the app may run as another user
        os.replace(tmp_name, mo_path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    messages = list(catalogue)[1:]  # the first is the header
    translated = sum(1 for m in messages if m.string and not m.fuzzy)
    fuzzy = sum(1 for m in messages if m.string and m.fuzzy)
    shown = mo_path.relative_to(ROOT) if mo_path.is_relative_to(ROOT) else mo_path
    print(
        f"compiled {shown}: {translated} of {len(messages)} messages translated"
        + (f", {fuzzy} fuzzy left out" if fuzzy else "")
    )
    return []


def main(argv: list[str]) -> int:
    paths = [Path(arg).resolve() for arg in argv] if argv else find_catalogues()
    if not paths:
        print("No translations (.po files) to compile yet.")
        return 0
    problems: list[str] = []
    for path in paths:
        if not path.is_file():
            problems.append(f"{path}: no such file")
            continue
        problems.extend(compile_catalogue(path))
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
