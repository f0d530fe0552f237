"""Load benchmark (issue 15 item 8, issue 14's API and hand-entry figures): `make bench-load`.

The app under gunicorn with the job worker (``manage.py db_worker``) on PostgreSQL at
127.0.0.1, driven by locust (headless, bounded time; scripts/bench_load_locust.py):

- ``mix``: 50 field users recording encounters and venue visits on live shifts, 10 social
  workers handling child-concern reports, 5 analysts reading networks and adding tips,
  2 managers opening the results page, and 5 API clients (personal tokens) reading and
  writing; once with the audit log on and once off (``SAMVERKAN_BENCH_AUDIT_OFF``, a
  setting for this benchmark only).
- ``step``: field users only record encounters, at a total rate stepped upwards (one
  encounter every ~10 s per user, up to 50 users, their starts spread over one interval), to
  find the highest rate at which the encounter POST's p95 stays under 100 ms.
- ``import``: the mix while the worker imports N synthetic intelligence items (1 M by
  default, ``--import-size``): hand-entry latency (encounters, tips) during the import
  against the time before and after it.

After each run the client's log of successful writes is compared with the rows in the
database (nothing lost, nothing duplicated) and ``manage.py check_invariants`` runs.

Each run starts from a copy of a template database (migrated, demo loaded); the template is
built once (``--rebuild`` builds it again). Sign-in: the app runs in demo mode
(``SAMVERKAN_DEMO=1``), where two-factor authentication is not required, so that locust's
users sign in with a password as in production's first step; the API clients use personal
tokens (``Authorization: Bearer``), as an integration does. Results: bench-data/load/.

The subcommands ``prepare``, ``start-import`` and ``verify`` run inside Django against one
run's database; the orchestrator calls them.
"""

# ruff: noqa: S603, S607  a benchmark that starts fixed commands of its own (psql, gunicorn, locust, manage.py)

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench-data" / "load"
PY = str(ROOT / ".venv" / "bin" / "python")
BIN = ROOT / ".venv" / "bin"
PORT = 8111
BENCH_PASSWORD = "demo"  # noqa: S105  demo mode only, as load_demo's users
TEMPLATE_DB = "samverkan_load_template"
RUN_DB = "samverkan_load_run"

FIELD_USERS, SOCIAL_WORKERS, ANALYSTS, MANAGERS, API_CLIENTS = 50, 10, 5, 2, 5
SHIFTS = 10  # live shifts, five field users on each


# --- Inside Django ---------------------------------------------------------------------------


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samverkan.settings")
    import django

    django.setup()


def prepare(out: Path) -> None:
    """Bench users, live shifts with their staff, API tokens: what locust's users need."""
    _django()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction
    from django.utils import timezone

    from samverkan.accounts.models import Agency, Collaboration, Membership, Role, User
    from samverkan.api.actions import do_create_token
    from samverkan.intel.models import Network
    from samverkan.operations.models import (
        ChildConcernReport,
        Shift,
        ShiftBasis,
        ShiftParticipant,
        ShiftStatus,
        Venue,
    )

    collaboration = Collaboration.objects.get(code="stockholm")
    police = Agency.objects.get(code="polisregion-stockholm")
    social = Agency.objects.get(code="stockholms-stad")
    password = make_password(BENCH_PASSWORD)

    def users(prefix: str, count: int, role: Role, agency: Agency) -> list[User]:
        made = []
        for i in range(1, count + 1):
            user, _ = User.objects.update_or_create(
                username=f"bench.{prefix}{i:02d}",
                defaults={"first_name": f"Bench {prefix} {i}", "last_name": "(bench)", "is_active": True, "password": password},
            )
            Membership.objects.update_or_create(user=user, defaults={"agency": agency, "role": role})
            made.append(user)
        return made

    with transaction.atomic():
        # Field users: police officers and social workers on the joint shifts (3:2).
        field = users("polis", 30, Role.POLICE_OFFICER, police) + users("falt", 20, Role.SOCIAL_WORKER, social)
        social_workers = users("soc", SOCIAL_WORKERS, Role.SOCIAL_WORKER, social)
        analysts = users("analys", ANALYSTS, Role.POLICE_ANALYST, police)
        managers = users("chef", MANAGERS, Role.MANAGER, police)[:1] + users("socchef", 1, Role.MANAGER, social)
        api_users = users("api", API_CLIENTS, Role.POLICE_ANALYST, police)

        template = Shift.objects.filter(collaboration=collaboration).exclude(area=None).first()
        assert template is not None, "no demo shift: run load_demo first"
        venues = list(Venue.objects.filter(collaboration=collaboration).order_by("pk")[:40])
        now = timezone.now()
        shifts = []
        for i in range(SHIFTS):
            shift = Shift.objects.create(
                collaboration=collaboration, area=template.area, basis=ShiftBasis.OUTREACH,
                starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=6),
                status=ShiftStatus.ONGOING, started_at=now - dt.timedelta(hours=1), created_by=field[0],
                briefing=f"Load benchmark shift {i + 1}",
            )
            planned = venues[(i * 4) % len(venues) :][:4] or venues[:4]
            shift.planned_venues.set(planned)
            staff = field[i * 5 : i * 5 + 5] + api_users[i % API_CLIENTS : i % API_CLIENTS + 1]
            for user in staff:
                membership = user.membership
                assert membership is not None
                ShiftParticipant.objects.create(
                    shift=shift, user=user, agency_id=membership.agency_id, role=membership.role,
                    checked_in_at=now - dt.timedelta(hours=1),
                )
            shifts.append({"id": shift.pk, "area": shift.area_id, "venues": [v.pk for v in planned], "staff": [u.username for u in staff]})

        # Signed in beforehand, as the login (password, then the second factor outside demo
        # mode) would leave them: Argon2's deliberate cost, 67 times at once, is not the load
        # being measured.
        sessions = {}
        for user in [*field, *social_workers, *analysts, *managers, *api_users]:
            store = SessionStore()
            store[SESSION_KEY] = str(user.pk)
            store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
            store.create()
            sessions[user.username] = store.session_key
        tokens = [
            do_create_token(acting_user=user, name="load benchmark", lifetime=dt.timedelta(days=2))[1]
            for user in api_users
        ]
        networks = list(Network.objects.filter(agency=police).values_list("key", flat=True)[:50])
        run = {
            "collaboration": collaboration.pk,
            "field": [u.username for u in field],
            "social_workers": [u.username for u in social_workers],
            "analysts": [u.username for u in analysts],
            "managers": [u.username for u in managers],
            "api_tokens": tokens,
            "password": BENCH_PASSWORD,
            "sessions": sessions,
            "shifts": shifts,
            "networks": networks,
            "concern_floor": ChildConcernReport.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
            "api_users": [u.username for u in api_users],
            "started": now.isoformat(),
        }
    out.write_text(json.dumps(run, indent=1))


def start_import(path: Path, analyst: str) -> None:
    """Queue the import of ``path`` as the worker would get it from the upload page."""
    _django()
    from samverkan.accounts.models import User
    from samverkan.intel import jobs as intel_jobs
    from samverkan.intel.importing import detect_format
    from samverkan.jobs.actions import do_start_job

    stored = f"{uuid.uuid4().hex}{path.suffix}"
    target = intel_jobs.upload_dir() / stored
    try:
        os.link(path, target)  # same disk: no copy of a large file
    except OSError:
        shutil.copyfile(path, target)
    job = do_start_job(
        intel_jobs.IMPORT,
        acting_user=User.objects.get(username=analyst),
        params={"stored": stored, "display_name": path.name, "file_format": detect_format(path.name), "strict": False, "encoding": None},
    )
    print(job.pk)


def audit_cost(out: Path) -> None:
    """One process, no concurrency: an encounter recorded through its action, 150 times per age band.

    Run once with the audit log on and once off (``SAMVERKAN_BENCH_AUDIT_OFF``): the
    difference is what the log costs a write, without the noise of a loaded machine's queues.
    """
    _django()
    from django.conf import settings
    from django.utils import timezone

    from samverkan.accounts.models import Collaboration, User
    from samverkan.operations.actions import do_record_encounter
    from samverkan.operations.models import Shift, ShiftBasis, ShiftStatus, Venue

    user = User.objects.get(username="polis.inre")
    collaboration = Collaboration.objects.get(code="stockholm")
    template = Shift.objects.filter(collaboration=collaboration).exclude(area=None).first()
    assert template is not None
    now = timezone.now()
    shift = Shift.objects.create(
        collaboration=collaboration, area=template.area, basis=ShiftBasis.OUTREACH, starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=5), status=ShiftStatus.ONGOING, started_at=now, created_by=user,
    )
    venue = Venue.objects.filter(collaboration=collaboration).first()
    assert venue is not None

    def timed(count: int, age_band: str) -> list[float]:
        times = []
        for _ in range(count):
            started = time.perf_counter()
            do_record_encounter(shift, role="exploited", age_band=age_band, venue=venue, acting_user=user)
            times.append((time.perf_counter() - started) * 1000)
        return times

    timed(10, "adult")
    result: dict[str, Any] = {"audit": not settings.SAMVERKAN_BENCH_AUDIT_OFF}
    for age_band in ("adult", "under_18"):
        times = timed(150, age_band)
        result[age_band] = {"p50": _percentile(times, 50), "p95": _percentile(times, 95)}
    out.write_text(json.dumps(result))


def verify(log: Path, run_file: Path, out: Path, audit: bool) -> None:
    """The client's successful writes against the database: nothing lost, nothing duplicated."""
    _django()
    from django.core.management import call_command
    from django.db.models import Count

    from samverkan.intel.models import Tip
    from samverkan.operations.models import Encounter, VenueVisit
    from samverkan.support.models import ConcernHandling

    run = json.loads(run_file.read_text())
    ok: dict[str, set[str]] = {"encounter": set(), "visit": set(), "tip": set(), "assess": set()}
    attempts: dict[str, int] = {}
    sent: dict[str, set[str]] = {}
    with log.open() as lines:
        for line in lines:
            entry = json.loads(line)
            if entry["status"] == -1:
                attempts[entry["kind"]] = attempts.get(entry["kind"], 0) + 1
                sent.setdefault(entry["kind"], set()).add(entry["key"])
            elif entry["ok"]:
                ok.setdefault(entry["kind"], set()).add(entry["key"])
    shift_ids = [s["id"] for s in run["shifts"]]
    result: dict[str, Any] = {}

    def compare(kind: str, rows: dict[str, int]) -> None:
        logged = ok.get(kind, set())
        result[kind] = {
            "client_ok": len(logged),
            "db_rows": sum(rows.values()),
            "lost": len(logged - rows.keys()),
            "duplicated": sum(n - 1 for n in rows.values() if n > 1),
            # Written but not confirmed to the client (a request cut off at the run's end or by
            # a crash): sent, so not lost; a row the client never sent would be a phantom.
            "unconfirmed": len((rows.keys() - logged) & sent.get(kind, set())),
            "phantom": len(rows.keys() - logged - sent.get(kind, set())),
        }

    encounters = Encounter.objects.filter(shift_id__in=shift_ids)
    by_pages = encounters.exclude(recorded_by__username__in=run["api_users"])
    compare("encounter", {str(k): 1 for k in by_pages.values_list("idempotency_key", flat=True)})
    # The API's encounters (once it has the endpoint): its Idempotency-Key is not the row's,
    # so only the counts are compared.
    by_api = encounters.filter(recorded_by__username__in=run["api_users"]).count()
    api_ok = len(ok.get("api-encounter", set()))
    result["api-encounter"] = {
        "client_ok": api_ok, "db_rows": by_api, "lost": max(0, api_ok - by_api),
        "duplicated": max(0, by_api - api_ok), "unconfirmed": 0, "phantom": 0,
    }
    visits = VenueVisit.objects.filter(shift_id__in=shift_ids)
    compare("visit", {str(k): 1 for k in visits.values_list("idempotency_key", flat=True)})
    tips = Tip.objects.filter(what__startswith="[bench ").values("what").annotate(n=Count("pk"))
    compare("tip", {t["what"].split()[1].rstrip("]"): t["n"] for t in tips})
    handled = ConcernHandling.objects.filter(
        handled_by__username__in=run["social_workers"], protection_assessed_at__isnull=False
    ).values("report_id").annotate(n=Count("pk"))
    compare("assess", {str(h["report_id"]): h["n"] for h in handled})
    result["attempts"] = attempts
    try:
        call_command("check_invariants", *([] if audit else ["--no-audit"]))
        result["invariants"] = "ok"
    except Exception as exc:  # reported, not raised: the figures are still wanted
        result["invariants"] = f"BROKEN: {exc}"
    out.write_text(json.dumps(result, indent=1))


# --- The orchestrator ------------------------------------------------------------------------


def _pg(base: str, name: str) -> str:
    return f"{base.rstrip('/')}/{name}"


def _psql(base: str, sql: str) -> None:
    subprocess.run(["psql", _pg(base, "postgres"), "-qAt", "-c", sql], check=True)


def _env(base: str, audit: bool) -> dict[str, str]:
    env = {
        **os.environ,
        "DEBUG": "",
        "SAMVERKAN_DEMO": "1",
        "DATABASE_URL": _pg(base, RUN_DB),
        "SAMVERKAN_BENCH_AUDIT_OFF": "" if audit else "1",
        # Five API clients share no token; the per-token limit is not what is measured.
        "SAMVERKAN_API_RATE": "100000/min",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def build_template(base: str) -> None:
    print("building the template database (migrate, load_demo) …", flush=True)
    _psql(base, f"DROP DATABASE IF EXISTS {TEMPLATE_DB}")
    _psql(base, f"CREATE DATABASE {TEMPLATE_DB}")
    env = {**_env(base, True), "DATABASE_URL": _pg(base, TEMPLATE_DB)}
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([PY, "manage.py", "load_demo", "--quiet-users"], cwd=ROOT, env=env, check=True)


def _template_exists(base: str) -> bool:
    found = subprocess.run(
        ["psql", _pg(base, "postgres"), "-qAt", "-c", f"SELECT 1 FROM pg_database WHERE datname = '{TEMPLATE_DB}'"],  # noqa: S608  a constant name
        capture_output=True, text=True, check=True,
    )
    return found.stdout.strip() == "1"


def _wait_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310  our own server on loopback
                if response.status < 500:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer at {url}")


class Servers:
    """gunicorn and db_worker for one run."""

    def __init__(self, base: str, audit: bool, workdir: Path) -> None:
        self.env = _env(base, audit)
        self.workdir = workdir
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        log = (self.workdir / "gunicorn.log").open("ab")
        self.procs.append(subprocess.Popen(
            [str(BIN / "gunicorn"), "samverkan.wsgi", "-b", f"127.0.0.1:{PORT}", "-w", "3",
             "-k", "gthread", "--threads", "4", "--timeout", "120", "--graceful-timeout", "5", "--keep-alive", "30"],
            cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True,
        ))
        worker_log = (self.workdir / "worker.log").open("ab")
        self.procs.append(subprocess.Popen(
            [PY, "manage.py", "db_worker", "--no-reload", "--verbosity", "0"],
            cwd=ROOT, env=self.env, stdout=worker_log, stderr=worker_log, start_new_session=True,
        ))
        _wait_up(f"http://127.0.0.1:{PORT}/konto/logga-in/")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs.clear()


def _parse_stats(prefix: Path) -> list[dict[str, Any]]:
    rows = []
    with open(f"{prefix}_stats.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            rows.append({
                "name": row["Name"], "type": row["Type"], "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]), "rps": float(row["Requests/s"]),
                "p50": float(row["50%"] or 0), "p95": float(row["95%"] or 0), "p99": float(row["99%"] or 0),
            })
    return rows


def run_once(base: str, tag: str, *, audit: bool, seconds: int, mode: str, rate: float = 0.0,
             import_file: Path | None = None) -> dict[str, Any]:
    workdir = OUT / tag
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    print(f"== {tag}: {mode}, audit {'on' if audit else 'off'}, {seconds} s"
          + (f", {rate:g} encounters/s" if rate else "") + (f", import {import_file.name}" if import_file else ""), flush=True)
    _psql(base, f"DROP DATABASE IF EXISTS {RUN_DB}")
    _psql(base, f"CREATE DATABASE {RUN_DB} TEMPLATE {TEMPLATE_DB}")
    env = _env(base, audit)
    load_before = f"{os.getloadavg()[0]:.1f}"
    subprocess.run([PY, __file__, "prepare", str(workdir / "run.json")], cwd=ROOT, env=env, check=True)
    servers = Servers(base, audit, workdir)
    servers.start()
    job_id = ""
    try:
        # Stepping the rate: one encounter every 10 s or so per field user, at most 50 of them.
        field_users = max(1, min(FIELD_USERS, round(rate * 10))) if mode == "step" else FIELD_USERS
        users = field_users if mode == "step" else FIELD_USERS + SOCIAL_WORKERS + ANALYSTS + MANAGERS + API_CLIENTS
        locust_env = {
            **env, "BENCH_RUN": str(workdir / "run.json"), "BENCH_WRITES": str(workdir / "writes.jsonl"),
            "BENCH_TIMES": str(workdir / "times.jsonl"), "BENCH_MODE": mode, "BENCH_RATE": str(rate),
            "BENCH_FIELD_USERS": str(field_users),
        }
        locust = subprocess.Popen(
            [str(BIN / "locust"), "-f", str(ROOT / "scripts" / "bench_load_locust.py"), "--headless",
             "--host", f"http://127.0.0.1:{PORT}", "-u", str(users), "-r", str(users), "-t", f"{seconds}s",
             "--csv", str(workdir / "locust"), "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING",
             *(["FieldUser"] if mode == "step" else [])],
            cwd=ROOT, env=locust_env, stdout=(workdir / "locust.log").open("wb"), stderr=subprocess.STDOUT,
        )
        if import_file is not None:
            time.sleep(min(45, seconds / 6))  # a baseline before the import
            started = subprocess.run(
                [PY, __file__, "start-import", str(import_file), "bench.analys01"], cwd=ROOT, env=env,
                check=True, capture_output=True, text=True,
            )
            job_id = started.stdout.strip().splitlines()[-1]
        locust.wait()
        if job_id:
            _wait_job(env, job_id, workdir)
    finally:
        servers.stop()
    subprocess.run([PY, __file__, "verify", str(workdir / "writes.jsonl"), str(workdir / "run.json"),
                    str(workdir / "verify.json")] + ([] if audit else ["--no-audit"]), cwd=ROOT, env=env, check=True)
    result = {
        "load_after": f"{os.getloadavg()[0]:.1f}", "load_before": load_before,
        "tag": tag, "mode": mode, "audit": audit, "seconds": seconds, "rate": rate,
        "stats": _parse_stats(workdir / "locust"), "verify": json.loads((workdir / "verify.json").read_text()),
    }
    if job_id:
        result["import"] = _import_window(env, job_id, workdir)
    (workdir / "result.json").write_text(json.dumps(result, indent=1))
    return result


def _job_times(env: dict[str, str], job_id: str) -> dict[str, Any]:
    code = (
        f"import json; from samverkan.jobs.models import Job; j = Job.objects.get(pk={job_id!r}); "
        "print(json.dumps({'state': j.state, 'started': j.started_at and j.started_at.timestamp(), "
        "'finished': j.finished_at and j.finished_at.timestamp(), 'summary': j.summary, 'error': j.error}, default=str))"
    )
    found = subprocess.run([PY, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    times: dict[str, Any] = json.loads(found.stdout.strip().splitlines()[-1])
    return times


def _wait_job(env: dict[str, str], job_id: str, workdir: Path, limit: float = 1800) -> None:
    """The import may outlast locust: the servers stay up until it is done."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if _job_times(env, job_id)["finished"]:
            return
        time.sleep(5)
    print("the import job did not finish in time", file=sys.stderr)


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def _import_window(env: dict[str, str], job_id: str, workdir: Path) -> dict[str, Any]:
    """Hand-entry latencies while the import job ran, against the rest of the run."""
    job = _job_times(env, job_id)
    during: dict[str, list[float]] = {}
    outside: dict[str, list[float]] = {}
    with (workdir / "times.jsonl").open() as lines:
        for line in lines:
            entry = json.loads(line)
            # During: the request was under way at some moment of the import (it ended after
            # the import started and began before it finished).
            began = entry["t"] - entry["ms"] / 1000
            inside = job["started"] and job["finished"] and entry["t"] >= job["started"] and began <= job["finished"]
            (during if inside else outside).setdefault(entry["name"], []).append(entry["ms"])
    summary: dict[str, Any] = {"job": job, "during": {}, "outside": {}}
    for label, groups in (("during", during), ("outside", outside)):
        for name, values in sorted(groups.items()):
            summary[label][name] = {
                "n": len(values), "p50": _percentile(values, 50), "p95": _percentile(values, 95),
                "max": max(values), "mean": statistics.fmean(values),
            }
    return summary


def _import_dataset(size: int) -> Path:
    folder = ROOT / "bench-data" / "intel-import"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"items-{size}-seed2026.parquet"
    if not path.exists():
        print(f"generating {size:,} intelligence items …", flush=True)
        code = (
            "import pyarrow.parquet as pq; from samverkan.demo.intel_items import generate; "
            f"pq.write_table(generate({size}, seed=2026).items, {str(path) + '.tmp'!r})"
        )
        subprocess.run([PY, "-c", code], cwd=ROOT, check=True)
        os.replace(str(path) + ".tmp", path)
    return path


def _machine() -> str:
    load = os.getloadavg()
    cpu = ""
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name"))
    return f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, load {load[0]:.1f}/{load[1]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command")
    p = sub.add_parser("prepare")
    p.add_argument("out", type=Path)
    p = sub.add_parser("start-import")
    p.add_argument("file", type=Path)
    p.add_argument("analyst")
    p = sub.add_parser("audit-cost")
    p.add_argument("out", type=Path)
    p = sub.add_parser("verify")
    p.add_argument("log", type=Path)
    p.add_argument("run", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--no-audit", action="store_true")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432", help="server (no database name)")
    parser.add_argument("--rebuild", action="store_true", help="build the template database again")
    parser.add_argument("--seconds", type=int, default=120, help="length of each mix run")
    parser.add_argument("--all-rates", action="store_true", help="go on stepping past p95 >= 100 ms (the whole curve)")
    parser.add_argument("--step-seconds", type=int, default=45, help="length of each rate step")
    parser.add_argument("--rates", default="0.1,0.5,1,2,5,10,20,40", help="encounter writes per second to step through")
    parser.add_argument("--import-size", type=int, default=1_000_000, help="intelligence items imported (0: no import run)")
    parser.add_argument("--import-seconds", type=int, default=420, help="length of the import run (the import should end within it)")
    parser.add_argument("--only", default="mix,step,import", help="which runs: mix, step, import")
    args = parser.parse_args()
    if args.command == "prepare":
        prepare(args.out)
        return
    if args.command == "start-import":
        start_import(args.file, args.analyst)
        return
    if args.command == "audit-cost":
        audit_cost(args.out)
        return
    if args.command == "verify":
        verify(args.log, args.run, args.out, audit=not args.no_audit)
        return

    OUT.mkdir(parents=True, exist_ok=True)
    only = set(args.only.split(","))
    if args.rebuild or not _template_exists(args.pg_url):
        build_template(args.pg_url)
    results: dict[str, Any] = {"machine": _machine(), "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "runs": []}
    if "mix" in only:
        for audit in (True, False):
            results["runs"].append(run_once(args.pg_url, f"mix-audit-{'on' if audit else 'off'}", audit=audit, seconds=args.seconds, mode="mix"))
        results["audit_cost"] = []
        for audit in (True, False, True, False):
            _psql(args.pg_url, f"DROP DATABASE IF EXISTS {RUN_DB}")
            _psql(args.pg_url, f"CREATE DATABASE {RUN_DB} TEMPLATE {TEMPLATE_DB}")
            subprocess.run([PY, __file__, "audit-cost", str(OUT / "audit-cost.json")], cwd=ROOT, env=_env(args.pg_url, audit), check=True)
            results["audit_cost"].append(json.loads((OUT / "audit-cost.json").read_text()))
    if "step" in only:
        for rate in (float(r) for r in args.rates.split(",")):
            result = run_once(args.pg_url, f"step-{rate:g}", audit=True, seconds=args.step_seconds, mode="step", rate=rate)
            results["runs"].append(result)
            encounter = next((s for s in result["stats"] if s["name"] == "encounter [POST]"), None)
            if (encounter is None or encounter["p95"] >= 100) and not args.all_rates:
                break  # over the line: higher rates only get worse
    if "import" in only and args.import_size:
        dataset = _import_dataset(args.import_size)
        results["runs"].append(run_once(
            args.pg_url, f"import-{args.import_size}", audit=True, seconds=args.import_seconds, mode="mix", import_file=dataset,
        ))
    results["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    results["machine_after"] = _machine()
    (OUT / "results.json").write_text(json.dumps(results, indent=1))
    print(report(results))


def report(results: dict[str, Any]) -> str:
    """The figures as markdown (docs/benchmarks.md takes them from here)."""
    lines = [f"Machine: {results['machine']}; {results['started']} – {results.get('finished', '')}", ""]
    for cost in results.get("audit_cost", []):
        lines.append(
            f"- one process, audit {'on' if cost['audit'] else 'off'}: an adult's encounter p50 {cost['adult']['p50']:.0f} ms "
            f"(p95 {cost['adult']['p95']:.0f}), a minor's (with its report) p50 {cost['under_18']['p50']:.0f} ms (p95 {cost['under_18']['p95']:.0f})"
        )
    lines.append("")
    for run in results["runs"]:
        lines.append(f"### {run['tag']} ({run['mode']}, audit {'on' if run['audit'] else 'off'}, {run['seconds']} s"
                     + (f", {run['rate']:g}/s" if run["rate"] else "") + f"; load average {run['load_before']} → {run['load_after']})")
        lines.append("")
        lines.append("| request | requests | failures | req/s | p50 ms | p95 ms | p99 ms |")
        lines.append("|---|---|---|---|---|---|---|")
        for s in run["stats"]:
            name = f"**{s['name']}**" if s["name"] == "Aggregated" else s["name"]
            lines.append(f"| {name} | {s['requests']} | {s['failures']} | {s['rps']:.1f} | {s['p50']:.0f} | {s['p95']:.0f} | {s['p99']:.0f} |")
        lines.append("")
        v = run["verify"]
        lines.append("| write | client ok | rows | lost | duplicated | unconfirmed | phantom |")
        lines.append("|---|---|---|---|---|---|---|")
        for kind in ("encounter", "visit", "assess", "tip", "api-encounter"):
            if kind in v:
                k = v[kind]
                lines.append(f"| {kind} | {k['client_ok']} | {k['db_rows']} | {k['lost']} | {k['duplicated']} | {k['unconfirmed']} | {k['phantom']} |")
        lines.append(f"\nInvariants: {v['invariants']}\n")
        if "import" in run:
            imp = run["import"]
            job = imp["job"]
            took = (job["finished"] - job["started"]) if job["finished"] and job["started"] else None
            lines.append(f"Import job: {job['state']}, {took and f'{took:.0f} s'}; {job['summary']}\n")
            lines.append("| hand entry | during import n | p50 | p95 | max | outside n | p50 | p95 | max |")
            lines.append("|---|---|---|---|---|---|---|---|---|")
            for name in sorted(set(imp["during"]) | set(imp["outside"])):
                d, o = imp["during"].get(name), imp["outside"].get(name)
                cells = [f"{x['n']} | {x['p50']:.0f} | {x['p95']:.0f} | {x['max']:.0f}" if x else "– | – | – | –" for x in (d, o)]
                lines.append(f"| {name} | {cells[0]} | {cells[1]} |")
            lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
