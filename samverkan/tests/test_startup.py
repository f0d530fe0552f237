"""What a web process loads when it starts: no development tools, no linkage engine.

Each check starts a fresh interpreter, as gunicorn would, loads the WSGI
application and the whole URLconf (every view module), and reports which
modules were imported and which apps are installed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

START = """
import json, sys
from samverkan.wsgi import application
from django.conf import settings
from django.urls import get_resolver
get_resolver().url_patterns
print(json.dumps({"apps": settings.INSTALLED_APPS, "modules": sorted(sys.modules)}))
"""

# Loaded by a linkage run (link_intel, the linking actions), never to serve a page.
LINKAGE_RUN = ("pyspark", "splink", "samverkan.intel.linkage.engine", "samverkan.intel.linkage.api")


def run_start(environment: dict[str, str], *, without: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """Start the production settings in a fresh interpreter with ``environment`` on top."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "samverkan.settings",
        "DEBUG": "0",
        "SAMVERKAN_DEMO": "0",
        "SECRET_KEY": "a-test-key-" + "x" * 50,
        "ALLOWED_HOSTS": "samverkan.example.se",
        # Read when the first audit event is written, not at start.
        "SAMVERKAN_AUDIT_KEY_FILE": "/run/credentials/samverkan/audit.key",
        **environment,
    }
    for name in without:
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-c", START], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def start(**environment: str) -> dict[str, Any]:
    done = run_start(environment)
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def imported(modules: list[str], name: str) -> bool:
    return any(m == name or m.startswith(name + ".") for m in modules)


@pytest.fixture(scope="module")
def production() -> dict[str, Any]:
    return start()


@pytest.mark.parametrize("name", LINKAGE_RUN)
def test_a_web_process_does_not_load_the_linkage_engine(production: dict[str, Any], name: str) -> None:
    assert not imported(production["modules"], name)


def test_production_neither_installs_nor_imports_the_development_tools(production: dict[str, Any]) -> None:
    assert "samverkan.demo" not in production["apps"]
    assert not imported(production["modules"], "samverkan.demo")


@pytest.mark.parametrize("flag", ["DEBUG", "SAMVERKAN_DEMO"])
def test_development_and_the_demo_install_the_development_tools(flag: str) -> None:
    assert "samverkan.demo" in start(**{flag: "1"})["apps"]


def test_production_refuses_to_start_without_the_audit_key() -> None:
    done = run_start({}, without=("SAMVERKAN_AUDIT_KEY_FILE",))
    assert done.returncode != 0
    assert (
        "SAMVERKAN_AUDIT_KEY_FILE must name the audit chain's key file in production" in done.stderr
    )
