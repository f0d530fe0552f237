"""The security steps of CI: the reasons of ruff's security exceptions, and the dependency audit.

Nothing here reaches the network: the audit's advisory source is a closed local
port, and pip-audit's reports are written by hand.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"scripts_{name}", ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


audit_deps = script("audit_deps")
check_noqa = script("check_noqa")


def test_the_code_base_gives_every_security_exception_a_reason() -> None:
    assert check_noqa.main() == 0


@pytest.mark.parametrize(
    ("line", "bare"),
    [
        ('sql = f"SELECT {x}"  # noqa: S608', True),
        ("# ruff: noqa: S608", True),
        ("x = 1  # noqa: S105, E501 -", True),
        ('sql = f"SELECT {x}"  # noqa: S608  names from the model', False),
        ("run(cmd)  # noqa: S603 - our own script", False),
        ("x = 1  # noqa: E501", False),  # not a security rule
    ],
)
def test_a_bare_security_exception_is_found(tmp_path: Path, line: str, bare: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check_noqa, "ROOT", tmp_path)
    source = tmp_path / "module.py"
    source.write_text(f"{line}\n", encoding="utf-8")
    assert bool(check_noqa.bare_exceptions(source)) is bare


def test_the_audit_is_skipped_with_a_message_when_its_source_cannot_be_reached(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert audit_deps.main(["--probe", "http://127.0.0.1:9/", "--timeout", "2"]) == 0
    out = capsys.readouterr().out
    assert "SKIPPED" in out
    assert "NOT audited" in out


def dependency(name: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "version": "1.0", **fields}


def test_a_known_vulnerability_fails_the_audit() -> None:
    report = {
        "dependencies": [
            dependency("safe", vulns=[]),
            dependency("leaky", vulns=[{"id": "PYSEC-2099-1", "fix_versions": ["1.1"]}]),
            dependency("private", skip_reason="Dependency not found on PyPI"),
        ]
    }
    lines, status = audit_deps.summarise(report, url="https://pypi.org")
    assert status == 1
    assert "leaky 1.0: PYSEC-2099-1 (fixed in: 1.1)" in lines
    assert "not audited: private (Dependency not found on PyPI)" in lines


def test_a_clean_audit_passes_and_an_empty_one_says_it_was_skipped() -> None:
    clean = {"dependencies": [dependency("safe", vulns=[]), dependency("other", vulns=[])]}
    lines, status = audit_deps.summarise(clean, url="https://pypi.org")
    assert status == 0
    assert lines[-1] == "audit-deps: no known vulnerabilities in 2 audited packages."
    # A mirror that knows none of the packages audits nothing: said so, not passed off as clean.
    unknown = {"dependencies": [dependency(n, skip_reason="Dependency not found on PyPI") for n in "ab"]}
    lines, status = audit_deps.summarise(unknown, url="https://pypi.org")
    assert status == 0
    assert lines[0].startswith("audit-deps: SKIPPED")


def test_an_ignored_advisory_needs_a_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ignore = tmp_path / ".pip-audit-ignore"
    monkeypatch.setattr(audit_deps, "IGNORE_FILE", ignore)
    ignore.write_text("# comment\nPYSEC-2099-1  only in the benchmark's plotting, never served\n", encoding="utf-8")
    assert audit_deps.ignored() == ["PYSEC-2099-1"]
    ignore.write_text("PYSEC-2099-2\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="has no reason"):
        audit_deps.ignored()
