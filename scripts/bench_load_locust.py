"""locust's users for the load benchmark (run by scripts/bench_load.py, not on its own).

Environment: BENCH_RUN (the users, shifts and tokens from ``bench_load.py prepare``),
BENCH_WRITES (the client's log of writes, one JSON line each: kind, key, ok),
BENCH_TIMES (hand-entry latencies with their time, for the import run), BENCH_MODE
("mix", or "step": BENCH_FIELD_USERS field users only recording encounters at BENCH_RATE a
second in all).

Every write carries a key of its own (an encounter's and a visit's idempotency key from
the form, a marker in a tip's text, a concern report's number): a write that failed in
transit is sent again with the same key, and ``bench_load.py verify`` compares the keys
the client saw succeed with the rows in the database.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import re
import threading
import time
import uuid
from typing import Any

import gevent  # type: ignore[import-untyped]  # locust's own dependency, no stubs
from locust import HttpUser, between, constant_throughput, events, task

RUN: dict[str, Any] = json.loads(open(os.environ["BENCH_RUN"]).read())  # noqa: SIM115  read once at start
MODE = os.environ.get("BENCH_MODE", "mix")
RATE = float(os.environ.get("BENCH_RATE") or 0)
FIELD_USERS = int(os.environ.get("BENCH_FIELD_USERS") or 50)
_lock = threading.Lock()
_writes = open(os.environ["BENCH_WRITES"], "a", buffering=1)  # noqa: SIM115  open for the run
_times = open(os.environ["BENCH_TIMES"], "a", buffering=1)  # noqa: SIM115  open for the run
HAND_ENTRY = {"encounter [POST]", "tip [POST]", "visit [POST]"}

_pools = {name: itertools.cycle(RUN[name]) for name in ("field", "social_workers", "analysts", "managers")}
_tokens = itertools.cycle(RUN["api_tokens"])
_counters: dict[str, itertools.count[int]] = {name: itertools.count() for name in ("social_workers",)}


@events.request.add_listener  # type: ignore[untyped-decorator]
def _hand_entry_times(name: str, response_time: float, exception: Any, **_: Any) -> None:
    if name in HAND_ENTRY:
        with _lock:
            _times.write(json.dumps({"t": time.time(), "name": name, "ms": response_time, "ok": exception is None}) + "\n")


def _log_write(kind: str, key: str, ok: bool, status: int) -> None:
    with _lock:
        _writes.write(json.dumps({"kind": kind, "key": key, "ok": ok, "status": status}) + "\n")


class SignedIn(HttpUser):
    abstract = True
    pool = ""

    def on_start(self) -> None:
        """A session signed in beforehand (``bench_load.py prepare``); the start page sets the CSRF cookie."""
        self.username = next(_pools[self.pool])
        self.client.cookies.set("sessionid", RUN["sessions"][self.username])
        with self.client.get("/", name="start page", allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{self.username} not signed in: {response.status_code}")

    def _csrf(self) -> dict[str, str]:
        token = next((c.value for c in self.client.cookies if c.name == "csrftoken"), "")
        return {"X-CSRFToken": token or "", "Referer": self.host or ""}

    def write(self, kind: str, key: str, url: str, data: dict[str, Any], name: str, ok: tuple[int, ...] = (200, 302, 303),
              headers: dict[str, str] | None = None) -> bool:
        """POST with retries of the same key when the answer is lost or a server error."""
        status = 0
        for attempt in range(3):
            _log_write(kind, key, False, -1)  # sent: a row whose answer never came is "unconfirmed", not a phantom
            with self.client.post(url, data=data, headers={**self._csrf(), **(headers or {})}, name=name,
                                  allow_redirects=False, catch_response=True) as response:
                status = response.status_code
                if status in ok:
                    response.success()
                    _log_write(kind, key, True, status)
                    return True
                response.failure(f"{status}: {response.text[:200]!r}")
                if status and status < 500:
                    break  # refused: sending it again would not help
            time.sleep(0.5 * (attempt + 1))
        _log_write(kind, key, False, status)
        return False


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class FieldUser(SignedIn):
    """Records the people met and the venues visited on a live shift, from the phone (htmx)."""

    fixed_count = FIELD_USERS
    pool = "field"
    wait_time = constant_throughput(RATE / FIELD_USERS) if MODE == "step" else between(3, 9)

    def on_start(self) -> None:
        if MODE == "step":
            # Spread over one interval: a rate, not 50 users' first writes at the same moment.
            gevent.sleep(random.uniform(0, FIELD_USERS / RATE))  # noqa: S311  a load mix, not security
        super().on_start()
        self.shift = next(s for s in RUN["shifts"] if self.username in s["staff"])

    def record_encounter(self) -> None:
        key = str(uuid.uuid4())
        minor = random.random() < 0.15  # noqa: S311  a load mix, not security
        data = {
            "role": random.choice(["exploited", "exploited", "buyer", "other"]),  # noqa: S311  a load mix, not security
            "age_band": random.choice(["under_18", "uncertain"]) if minor else "adult",  # noqa: S311  a load mix, not security
            "venue": random.choice(self.shift["venues"]),  # noqa: S311  a load mix, not security
            "occurred_at": "",
            "idempotency_key": key,
        }
        self.write("encounter", key, f"/pass/{self.shift['id']}/patraffanden/", data, "encounter [POST]",
                   ok=(200,), headers={"HX-Request": "true"})

    def record_visit(self) -> None:
        key = str(uuid.uuid4())
        data = {
            "venue": random.choice(self.shift["venues"]),  # noqa: S311  a load mix, not security
            "outcome": random.choice(["nothing_found", "persons_met", "closed"]),  # noqa: S311  a load mix, not security
            "arrived_at": "", "left_at": "", "idempotency_key": key,
        }
        self.write("visit", key, f"/pass/{self.shift['id']}/platsbesok/", data, "visit [POST]")

    def view_shift(self) -> None:
        self.client.get(f"/pass/{self.shift['id']}/", name="shift page")

    tasks = {record_encounter: 1} if MODE == "step" else {record_encounter: 4, record_visit: 1, view_shift: 2}  # type: ignore[assignment]  # locust takes a dict of weights too


class SocialWorker(SignedIn):
    """Reads the inbox of child-concern reports and records the protection assessment of new ones."""

    fixed_count = 10
    pool = "social_workers"
    wait_time = between(3, 9)

    def on_start(self) -> None:
        super().on_start()
        # The reports filed during the run, shared out so that no two assess the same one.
        self.share = next(_counters["social_workers"]) % len(RUN["social_workers"])
        self.pending: list[int] = []
        self.done: set[int] = set()

    @task(3)
    def inbox(self) -> None:
        response = self.client.get("/stod/orosanmalningar/", name="concern inbox")
        ids = {int(pk) for pk in re.findall(r"/stod/orosanmalningar/(\d+)/", response.text)}
        self.pending = sorted(
            pk for pk in ids
            if pk > RUN["concern_floor"] and pk % len(RUN["social_workers"]) == self.share and pk not in self.done
        )

    @task(2)
    def assess(self) -> None:
        if not self.pending:
            return
        pk = self.pending.pop(0)
        self.done.add(pk)
        self.client.get(f"/stod/orosanmalningar/{pk}/", name="concern report")
        data = {"protection-assessment": "Ingen akut skyddsbedömning krävs (belastningstest).", "protection-assessed_at": _now_iso()}
        self.write("assess", str(pk), f"/stod/orosanmalningar/{pk}/skydd/", data, "concern assessment [POST]", ok=(302, 303))


class Analyst(SignedIn):
    """Reads networks; now and then adds a tip."""

    fixed_count = 5
    pool = "analysts"
    wait_time = between(3, 9)

    @task(3)
    def networks(self) -> None:
        self.client.get("/underrattelser/natverk/", name="network list")

    @task(4)
    def network(self) -> None:
        if RUN["networks"]:
            key = random.choice(RUN["networks"])  # noqa: S311  a load mix, not security
            self.client.get(f"/underrattelser/natverk/{key}/", name="network")

    @task(1)
    def tip(self) -> None:
        key = uuid.uuid4().hex
        data = {"collaboration": RUN["collaboration"], "what": f"[bench {key}] Annons med nytt nummer, samma bilder.",
                "source_type": "online", "where": "", "city": "Stockholm", "venue_kind": "", "observed_at": "", "when_text": ""}
        self.write("tip", key, "/underrattelser/tips/nytt/", data, "tip [POST]", ok=(302, 303))


class Manager(SignedIn):
    fixed_count = 2
    pool = "managers"
    wait_time = between(10, 30)

    @task
    def results(self) -> None:
        self.client.get("/resultat/", name="results page")


def _schema_ref(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


class ApiClient(HttpUser):
    """An integration with a personal token: reads, and the writes the API has.

    The encounter and shift writes (POST /api/v1/shifts/{id}/encounters/, POST
    /api/v1/shifts/) are used only when /api/v1/openapi.json declares them; their bodies are
    filled from the declared schema's fields.
    """

    fixed_count = 5
    wait_time = between(2, 6)

    def on_start(self) -> None:
        self.token = next(_tokens)
        self.headers = {"Authorization": f"Bearer {self.token}"}
        self.shift = RUN["shifts"][RUN["api_tokens"].index(self.token) % len(RUN["shifts"])]
        self.last_link = 0.0
        # The schema is served to signed-in users (like the browsable docs).
        user = RUN["api_users"][RUN["api_tokens"].index(self.token)]
        response = self.client.get("/api/v1/openapi.json", cookies={"sessionid": RUN["sessions"][user]}, name="api openapi.json")
        try:
            spec = response.json()
        except ValueError:
            spec = {}
        self.encounter_body = self._body(spec, "/api/v1/shifts/{shift_id}/encounters/")
        self.shift_body = self._body(spec, "/api/v1/shifts/")

    def _body(self, spec: dict[str, Any], path: str) -> dict[str, Any] | None:
        operation = spec.get("paths", {}).get(path, {}).get("post")
        if operation is None:
            return None
        schema = _schema_ref(operation["requestBody"]["content"]["application/json"]["schema"], spec)
        now = dt.datetime.now(dt.UTC)
        known: dict[str, Any] = {
            "role": "other", "age_band": "adult", "venue": self.shift["venues"][0], "venue_id": self.shift["venues"][0],
            "area": self.shift["area"],
            "basis": "outreach", "starts_at": (now + dt.timedelta(days=1)).isoformat(),
            "ends_at": (now + dt.timedelta(days=1, hours=4)).isoformat(), "briefing": "Belastningstest",
        }
        body = {}
        for field in schema.get("properties", {}):
            if field in known:
                body[field] = known[field]
            elif field in schema.get("required", []):
                return None  # a field this benchmark cannot fill: the task stays off
        return body

    def _get(self, url: str, name: str) -> None:
        self.client.get(url, headers=self.headers, name=name)

    @task(4)
    def shifts(self) -> None:
        self._get("/api/v1/shifts/?limit=20", "api shifts [GET]")

    @task(3)
    def shift_one(self) -> None:
        self._get(f"/api/v1/shifts/{self.shift['id']}/", "api shift [GET]")

    @task(2)
    def areas(self) -> None:
        self._get("/api/v1/areas/", "api areas [GET]")

    @task(1)
    def link(self) -> None:
        """Start the linkage job (at most once a minute a client: the worker runs it)."""
        if time.monotonic() - self.last_link < 60:
            return
        self.last_link = time.monotonic()
        key = str(uuid.uuid4())
        with self.client.post("/api/v1/intel/link/", headers={**self.headers, "Idempotency-Key": key},
                              name="api intel link [POST]", catch_response=True) as response:
            if response.status_code != 202:
                response.failure(f"{response.status_code}: {response.text[:200]!r}")

    @task(3)
    def encounter(self) -> None:
        if self.encounter_body is None:
            return
        key = str(uuid.uuid4())
        with self.client.post(f"/api/v1/shifts/{self.shift['id']}/encounters/", json=self.encounter_body,
                              headers={**self.headers, "Idempotency-Key": key}, name="api encounter [POST]",
                              catch_response=True) as response:
            ok = response.status_code in (200, 201)
            if not ok:
                response.failure(f"{response.status_code}: {response.text[:200]!r}")
            _log_write("api-encounter", key, ok, response.status_code)

    @task(1)
    def create_shift(self) -> None:
        if self.shift_body is None:
            return
        with self.client.post("/api/v1/shifts/", json=self.shift_body,
                              headers={**self.headers, "Idempotency-Key": str(uuid.uuid4())}, name="api shift [POST]",
                              catch_response=True) as response:
            if response.status_code not in (200, 201):
                response.failure(f"{response.status_code}: {response.text[:200]!r}")
