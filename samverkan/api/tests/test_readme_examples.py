"""The README's API examples, run as written with curl against a live server holding the demo.

Each ```sh block of README.md's "API" section runs in bash as the persona the text before it
names, with ``B`` the live server's API and ``TOKEN`` a token of that persona. The worker runs
where a block says "once the worker is through": the block's first part runs, the jobs it
queued are run (``db_worker --batch``, as production's worker would), then the rest runs with
the first part's variables. ``curl`` fails on an HTTP error (``--fail-with-body``) and the
blocks run under ``set -euo pipefail``, so a command the API refuses fails the test.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test.utils import override_settings
from pytest_django.live_server_helper import LiveServer

from samverkan.accounts.models import User
from samverkan.api.actions import do_create_token
from samverkan.operations.models import ChildConcernReport, Shift
from samverkan.support.models import Client, SupportAction

pytestmark = pytest.mark.django_db(transaction=True)

README = Path(__file__).resolve().parents[3] / "README.md"
WORKER_MARK = "once the worker is through"
PERSONA = re.compile(r"`((?:polis|soc)\.[a-z]+)`")
ASSIGNMENT = re.compile(r"^([A-Z][A-Z0-9_]*)=", re.MULTILINE)
PRELUDE = 'set -euo pipefail\ncurl() { command curl --fail-with-body --max-time 60 "$@"; }\n'

# The press release's figures for 2021 (/work/shared/seed), which the demo reproduces.
PRESS_RELEASE_2021 = {"shifts": 117, "minors": 10, "adults": 240, "buyers": 220, "minor_buyers": 3}


def api_examples() -> list[tuple[str, str]]:
    """(persona, script) for each ```sh block of the README's API section, in order."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## API\n", 1)[1].split("\n## ", 1)[0]
    examples = []
    for match in re.finditer(r"(.*?)```sh\n(.*?)```", section, re.DOTALL):
        personas = PERSONA.findall(match.group(1))
        assert personas, f"no persona named before the block:\n{match.group(2)}"
        examples.append((personas[-1], match.group(2)))
    return examples


def json_values(output: str) -> list[Any]:
    """The JSON values curl and jq printed, one after another; lines that are no JSON are skipped."""
    decoder, values, at = json.JSONDecoder(), [], 0
    while at < len(output):
        if output[at].isspace():
            at += 1
            continue
        try:
            value, at = decoder.raw_decode(output, at)
        except json.JSONDecodeError:
            newline = output.find("\n", at)
            at = len(output) if newline < 0 else newline + 1
            continue
        values.append(value)
    return values


def bash(script: str, *, env: dict[str, str], cwd: Path) -> str:
    result = subprocess.run(
        ["bash", "-c", PRELUDE + script],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, (
        f"exit {result.returncode}\n--- script\n{script}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    )
    return result.stdout


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def run_example(script: str, *, env: dict[str, str], cwd: Path) -> str:
    """Run a README block; where it waits for the worker, run the worker first."""
    lines = [line for line in script.splitlines() if not re.match(r"(B|TOKEN)=", line)]
    at = next((i for i, line in enumerate(lines) if WORKER_MARK in line.lower()), None)
    if at is None:
        return bash("\n".join(lines), env=env, cwd=cwd)
    before, after = "\n".join(lines[:at]), "\n".join(lines[at:])
    state = cwd / "state.sh"
    names = sorted(set(ASSIGNMENT.findall(before)))
    output = bash(f"{before}\ndeclare -p {' '.join(names)} > {state}", env=env, cwd=cwd)
    run_worker()
    return output + bash(f"source {state}\n{after}", env=env, cwd=cwd)


@pytest.fixture
def tools() -> None:
    missing = [tool for tool in ("bash", "curl", "jq") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"the README's API examples need {', '.join(missing)}, which is not installed")


@pytest.fixture
def demo(transactional_db: None, settings: Any) -> None:
    """The demo, as ``make demo`` loads it, and jobs waiting for the worker as in production."""
    with override_settings(SAMVERKAN_DEMO=True):
        call_command("load_demo", quiet_users=True, verbosity=0)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_readme_api_examples_run_on_the_demo(
    tools: None, demo: None, live_server: LiveServer, tmp_path: Path
) -> None:
    examples = api_examples()
    assert [persona for persona, _ in examples] == [
        "polis.inre",
        "soc.handlaggare",
        "polis.chef",
        "polis.analytiker",
    ]
    outputs = {}
    for persona, script in examples:
        _, token = do_create_token(
            acting_user=User.objects.get(username=persona),
            name="README",
            lifetime=dt.timedelta(days=1),
        )
        env = {
            "PATH": "/usr/bin:/bin:/usr/local/bin",
            "B": f"{live_server.url}/api/v1",
            "TOKEN": token,
        }
        workdir = tmp_path / persona
        workdir.mkdir()
        outputs[persona] = run_example(script, env=env, cwd=workdir)

    # The officer: a shift planned and started, an encounter with a child-concern report, the briefing changed.
    answers = json_values(outputs["polis.inre"])
    started, encounter, changed = answers
    assert started["status"] == "ongoing"
    assert encounter["child_concern_report"] is True
    assert changed["briefing"] == "Hotellen kring Farsta centrum"
    shift = Shift.objects.get(pk=started["id"])
    assert (shift.area.code, shift.briefing) == ("lpo-farsta", "Hotellen kring Farsta centrum")
    assert ChildConcernReport.objects.filter(encounter_id=encounter["id"]).exists()

    # The social worker: a client and the support given.
    (action,) = json_values(outputs["soc.handlaggare"])
    client = Client.objects.get(pk=action["client"])
    assert client.pseudonym == "Rosa"
    assert SupportAction.objects.filter(pk=action["id"], client=client, kind="informed").exists()

    # The manager: the press release's figures, and the export's file downloaded.
    figures, file_url = json_values(outputs["polis.chef"])[0], outputs["polis.chef"].split()[-1]
    assert {f["key"]: f["value"] for f in figures} == PRESS_RELEASE_2021
    assert re.fullmatch(r"/api/v1/jobs/[0-9a-f-]+/file/", file_url)
    xlsx = tmp_path / "polis.chef" / "samverkan-resultat-20210101-20211231-internal.xlsx"
    assert xlsx.read_bytes()[:2] == b"PK"

    # The analyst: the 2021 shifts, the crime reports, and the link job done.
    shifts, crime_reports, job = json_values(outputs["polis.analytiker"])
    assert len(shifts["items"]) == 20
    assert {s["status"] for s in shifts["items"]} == {"completed"}
    assert all(s["starts_at"].startswith("2021-") for s in shifts["items"])
    assert crime_reports["items"] and {r["record_type"] for r in crime_reports["items"]} == {
        "crime_report"
    }
    assert (job["kind"], job["state"]) == ("intel_link", "done")
    assert job["summary"] and job["summary"][0].startswith("Uppgifter:")
