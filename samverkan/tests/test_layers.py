"""The import contracts in pyproject.toml (import-linter) hold, and each one bites.

The real tree must keep every contract. A copy of the package with one forbidden import
per contract (and an app placed on no floor) must break each contract, naming the module
that broke it. import-linter reads only the source, so neither run needs a database.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# Contract id -> (a module written into the copy, its forbidden import).
LEAKS = {
    "layers": ("samverkan/accounts/leak_layers.py", "from samverkan.operations import models\n"),
    "agencies": ("samverkan/support/leak_agencies.py", "from samverkan.investigations import models\n"),
    "operations": ("samverkan/operations/leak_operations.py", "from samverkan.sharing import models\n"),
    "sharing": ("samverkan/sharing/leak_sharing.py", "from samverkan.intel import models\n"),
    "intel": ("samverkan/intel/leak_intel.py", "from samverkan.support import models\n"),
    "top": ("samverkan/web/leak_top.py", "from samverkan.demo import personas\n"),
    "lib": ("samverkan/lib/leak_lib.py", "import django\n"),
    "linkage": ("samverkan/intel/linkage/leak_linkage.py", "from django.db import models\n"),
}


def contract_names() -> dict[str, str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {c["id"]: c["name"] for c in config["tool"]["importlinter"]["contracts"]}


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the linter on the package found in ``cwd`` (and nowhere else) with its pyproject.toml."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["COLUMNS"] = "200"  # no wrapped lines
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-logo", "--no-cache"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


def broken_sections(output: str) -> dict[str, str]:
    """The text under each heading of the "Broken contracts" part, by contract name."""
    broken = output.partition("Broken contracts\n")[2]
    parts = re.split(r"^(.+)\n-+\n", broken, flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_the_code_keeps_every_import_contract() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    names = contract_names()
    assert set(LEAKS) == set(names), "each contract needs a forbidden import in LEAKS"
    for name in names.values():
        assert f"{name} KEPT" in result.stdout


def test_a_forbidden_import_breaks_its_contract(tmp_path: Path) -> None:
    shutil.copytree(
        ROOT / "samverkan", tmp_path / "samverkan",
        ignore=lambda _dir, files: [f for f in files if f == "__pycache__" or (
            "." in f and not f.endswith(".py"))],
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    for path, line in LEAKS.values():
        (tmp_path / path).write_text(f'"""A forbidden import, for the test."""\n\n{line}', encoding="utf-8")
    # An app on no floor of the layers: the layers contract is exhaustive.
    (tmp_path / "samverkan" / "unplaced").mkdir()
    (tmp_path / "samverkan" / "unplaced" / "__init__.py").write_text("", encoding="utf-8")

    result = lint_imports(tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    names = contract_names()
    sections = broken_sections(result.stdout)
    for contract, (path, _line) in LEAKS.items():
        name = names[contract]
        assert f"{name} BROKEN" in result.stdout, name
        leak = path.removesuffix(".py").replace("/", ".")
        assert leak in sections[name], (name, sections.get(name))
    assert "samverkan.unplaced" in sections[names["layers"]]
