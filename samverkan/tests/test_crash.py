"""SIGKILL the application server in the middle of writes, start it again: nothing half-written (issue 15, item 9).

A real gunicorn serves this test's database (PostgreSQL: the test database itself; SQLite:
a file copy of it, the in-memory one being out of another process's reach). Writer threads
record encounters of minors (each with its child-concern report) and request disclosures
(each with its audit event) over HTTP, resending a write whose answer was lost with the same
key, as a phone does; the server is killed with SIGKILL mid-stream and started again.
An import is killed the same way. Then ``manage.py check_invariants`` (the load benchmark's
check too) must pass, and every write the client saw succeed must be there exactly once.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from samverkan.accounts.models import Area, Collaboration, User
from samverkan.conftest import login_verified
from samverkan.operations import actions
from samverkan.operations.models import Encounter, Shift

ROOT = Path(settings.BASE_DIR)
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _database_url(tmp_path: Path) -> str:
    """A URL another process reaches with what this test wrote so far."""
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
        return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    path = tmp_path / "crash.sqlite3"
    copy = sqlite3.connect(path)
    connection.ensure_connection()
    connection.connection.backup(copy)
    copy.close()
    return f"sqlite:///{path}"


class Server:
    """gunicorn in a process group of its own, killed without warning."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env, self.port, self.log = env, port, log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "samverkan.wsgi", "-b", f"127.0.0.1:{self.port}", "-w", "1",
             "-k", "gthread", "--threads", "4"],
            cwd=ROOT, env=self.env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                requests.get(self.url + "/konto/logga-in/", timeout=10)
                return
            except requests.RequestException:
                time.sleep(0.1)
        raise AssertionError("gunicorn did not start: " + self.log.read_text()[-2000:])

    def kill(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


class Writer(threading.Thread):
    """Writes until told to stop; a write whose answer is lost is sent again with the same key."""

    def __init__(self, server: Server, session: str, shift: Shift, venue: int, met: list[int], index: int) -> None:
        super().__init__(daemon=True)
        self.server, self.shift, self.venue, self.met, self.index = server, shift, venue, met, index
        self.http = requests.Session()
        self.http.cookies.set("sessionid", session)
        self.stop = threading.Event()
        self.confirmed: list[str] = []  # encounter keys the client saw succeed
        self.disclosures = 0
        self.errors: list[str] = []

    def _post(self, path: str, data: dict[str, Any], ok: tuple[int, ...]) -> bool:
        while not self.stop.is_set():
            try:
                token = self.http.cookies.get("csrftoken") or self._csrf()
                response = self.http.post(
                    self.server.url + path, data=data, allow_redirects=False, timeout=30,
                    headers={"X-CSRFToken": token, "HX-Request": "true"},
                )
            except requests.RequestException:
                time.sleep(0.05)  # the server is down: send the same write again
                continue
            if response.status_code in ok:
                return True
            if response.status_code >= 500:
                self.errors.append(f"{path}: {response.status_code}")
                return False
            self.errors.append(f"{path}: {response.status_code} {response.text[:300]}")
            return False
        return False

    def _csrf(self) -> str:
        self.http.get(self.server.url + "/", timeout=10)
        return self.http.cookies.get("csrftoken") or ""

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            if n % 4 == 0:
                data = {
                    "record_type": "client", "shift": self.shift.pk, "encounter": self.met[n % len(self.met)],
                    "field_names": ["pseudonym"], "purpose": f"Förhör (krocktest {self.index}-{n})",
                }
                if self._post("/utlamnanden/begar/", data, (302,)):
                    self.disclosures += 1
                continue
            key = str(uuid.uuid4())
            data = {"role": "exploited", "age_band": "under_18", "venue": self.venue, "occurred_at": "", "idempotency_key": key}
            if self._post(f"/pass/{self.shift.pk}/patraffanden/", data, (200,)):
                self.confirmed.append(key)


@pytest.fixture
def crash_world(personas: dict[str, User], tmp_path: Path) -> Iterator[dict[str, Any]]:
    officer = personas["polis.inre"]
    stockholm = Collaboration.objects.get(code="stockholm")
    venue, _ = actions.do_find_or_create_venue(
        collaboration=stockholm, kind="hotel", name="Hotell Krock", address="Krockgatan 1", acting_user=officer,
    )
    start = timezone.now() - dt.timedelta(hours=1)
    shift = actions.do_create_shift(
        collaboration=stockholm, area=Area.objects.get(code="lpo-farsta"), starts_at=start,
        ends_at=start + dt.timedelta(hours=6), basis="outreach", planned_venues=[venue],
        participants=[officer, personas["soc.handlaggare"]], acting_user=personas["polis.samordnare"],
    )
    shift = actions.do_start_shift(shift, acting_user=officer)
    met = [
        actions.do_record_encounter(shift, role="exploited", age_band="adult", venue=venue, acting_user=officer)[0].pk
        for _ in range(3)
    ]
    session = login_verified(Client(), officer).cookies[settings.SESSION_COOKIE_NAME].value
    url = _database_url(tmp_path)
    env = {
        **os.environ, "DATABASE_URL": url, "SAMVERKAN_DEMO": "1", "DEBUG": "", "SAMVERKAN_REQUIRE_2FA": "",
        "SECRET_KEY": settings.SECRET_KEY, "SAMVERKAN_AUDIT_KEY_FILE": settings.SAMVERKAN_AUDIT_KEY_FILE,
        "SAMVERKAN_JOB_FILES_DIR": str(tmp_path / "jobs"), "LOG_LEVEL": "CRITICAL",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    yield {"shift": shift, "venue": venue.pk, "met": met, "session": session, "env": env, "officer": officer}


def _manage(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=check, timeout=120,
    )


def _write_import_file(path: Path, count: int) -> None:
    lines = [
        json.dumps({
            "id": f"krock-{i}", "kind": "ad", "source": "annonssajt", "text": f"Annons {i}",
            "phones": [f"070-{1000000 + i:07d}"], "observed_at": "2026-11-01T12:00:00+01:00",
        })
        for i in range(count)
    ]
    path.write_text("\n".join(lines) + "\n")


def test_sigkill_during_writes_leaves_nothing_half_written(crash_world: dict[str, Any], tmp_path: Path) -> None:
    env = crash_world["env"]
    server = Server(env, _free_port(), tmp_path / "gunicorn.log")
    server.start()
    writers = [
        Writer(server, crash_world["session"], crash_world["shift"], crash_world["venue"], crash_world["met"], i)
        for i in range(3)
    ]
    for writer in writers:
        writer.start()
    try:
        deadline = time.monotonic() + 30
        while sum(len(w.confirmed) for w in writers) < 10 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.kill()  # mid-stream: requests in flight are cut off
        server.start()
        written = sum(len(w.confirmed) for w in writers)
        deadline = time.monotonic() + 30
        while sum(len(w.confirmed) for w in writers) < written + 5 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        for writer in writers:
            writer.stop.set()
        for writer in writers:
            writer.join(timeout=15)
        server.kill()

    # An import killed part-way (or, on a fast machine, just after it finished): all or nothing.
    data = tmp_path / "items.jsonl"
    _write_import_file(data, 3000)
    importer = subprocess.Popen(
        [sys.executable, "manage.py", "import_intel", str(data), "--agency", "polisregion-stockholm"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    time.sleep(2.5)
    if importer.poll() is None:
        os.killpg(importer.pid, signal.SIGKILL)
    importer.wait()

    assert not [e for w in writers for e in w.errors if ": 5" in e], [w.errors for w in writers]
    checked = _manage(env, "check_invariants", check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    confirmed = [key for w in writers for key in w.confirmed]
    assert len(confirmed) >= 12
    assert sum(w.disclosures for w in writers) >= 1
    # Every encounter the client saw recorded is there once (and a resent one not twice).
    assert _encounters_with_keys(env, confirmed) == len(set(confirmed)) == len(confirmed)


def _encounters_with_keys(env: dict[str, str], keys: list[str]) -> int:
    if connection.vendor == "postgresql":
        return Encounter.objects.filter(idempotency_key__in=keys).count()
    # The SQLite file the server wrote (Django keeps a UUID there as 32 hex digits).
    with sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite:///")) as db:
        hex_keys = [uuid.UUID(k).hex for k in keys]
        marks = ",".join("?" * len(hex_keys))
        row = db.execute(f"SELECT count(*) FROM operations_encounter WHERE idempotency_key IN ({marks})", hex_keys).fetchone()
    return int(row[0])
