"""Benchmark: the full-year results report on national-scale data, SQLite and PostgreSQL.

    .venv/bin/python scripts/bench_report.py            # what `make bench` runs

For each database it generates the synthetic national data once
(``manage.py generate_scale_data``: 10 years × 7 regions, about 2,000,000
encounters and 500,000 crime reports) and reuses it on later runs: SQLite in
``bench-data/bench.sqlite3``, PostgreSQL in the database ``samverkan_bench``
(``--pg-url``). Then, for the last year, it times

- the full report: ``report()`` of ``samverkan.reports.tally``, every figure
  declared in ``samverkan.reports.definitions`` and every breakdown, median of
  ``--runs`` runs after a warm-up, with the number of queries it issued;
- the floor: one hand-written SQL aggregate over the same tables (completed
  shifts, distinct persons in prostitution, distinct persons reported for
  buying sex), the least any report of these figures must cost;

and writes the results, the command and the machine to docs/benchmarks.md.
Each database is measured in a child process of its own (Django's settings
are per process). ``--regenerate`` drops the data and generates it anew.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench-data"
SQLITE_FILE = DATA / "bench.sqlite3"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/samverkan_bench"
OUTPUT = ROOT / "docs" / "benchmarks.md"
TARGET_SECONDS = 1.0  # PostgreSQL, full report for a year of national data
TARGET_RATIO = 2.0  # full report / floor
BACKENDS = ("sqlite", "postgresql")
NOTES_MARKER = "<!-- Written by hand from here on; bench_report.py keeps it. -->"


# --- The parent: one child per database, then docs/benchmarks.md ---------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--regions", type=int, default=7)
    parser.add_argument("--seed", type=int, default=47)
    parser.add_argument("--runs", type=int, default=7, help="timed runs after the warm-up (median reported)")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated: sqlite,postgresql")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL))
    parser.add_argument("--regenerate", action="store_true", help="drop the benchmark data and generate it anew")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="where to write the results (markdown)")
    parser.add_argument("--child", choices=BACKENDS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args)))
        return

    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - set(BACKENDS)
    if unknown:
        parser.error(f"unknown backends: {', '.join(sorted(unknown))}")
    DATA.mkdir(exist_ok=True)
    command = " ".join(["python", "scripts/bench_report.py", *map(shlex.quote, sys.argv[1:])])
    measured: dict[str, dict[str, Any]] = {}
    for backend in backends:
        url = prepare_database(backend, args)
        print(f"== {backend}", file=sys.stderr, flush=True)
        env = {**os.environ, "DATABASE_URL": url, "SAMVERKAN_DEMO": "1", "DEBUG": "", "DJANGO_SETTINGS_MODULE": "samverkan.settings"}
        child = [sys.executable, str(Path(__file__).resolve()), "--child", backend, *child_args(args)]
        out = subprocess.run(child, env=env, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True).stdout  # noqa: S603  our own script, run as a child
        measured[backend] = json.loads(out.strip().splitlines()[-1])
        print(summary_line(backend, measured[backend]), file=sys.stderr, flush=True)
    text = render(command, measured, args)
    # Notes written by hand below the marker survive a new run.
    old = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
    notes = old.split(NOTES_MARKER, 1)[1] if NOTES_MARKER in old else "\n## Notes\n"
    args.output.write_text(f"{text}\n{NOTES_MARKER}{notes}", encoding="utf-8")
    print(f"Results written to {args.output}", file=sys.stderr)


def child_args(args: argparse.Namespace) -> list[str]:
    return ["--years", str(args.years), "--regions", str(args.regions), "--seed", str(args.seed), "--runs", str(args.runs)]


def wanted_params(args: argparse.Namespace) -> dict[str, int]:
    return {"years": args.years, "regions": args.regions, "seed": args.seed}


def prepare_database(backend: str, args: argparse.Namespace) -> str:
    """The database's URL; dropped first when asked to or when it holds other data, and created."""
    path = meta_path(backend)
    stale = args.regenerate or not path.exists() or json.loads(path.read_text()).get("params") != wanted_params(args)
    if stale:
        path.unlink(missing_ok=True)
    if backend == "sqlite":
        if stale:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{SQLITE_FILE}"
    import psycopg
    from psycopg import sql

    base, _, name = args.pg_url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and stale:
            conn.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return str(args.pg_url)


def summary_line(backend: str, m: dict[str, Any]) -> str:
    return (
        f"{backend}: report {m['report_seconds']:.3f} s, floor {m['floor_seconds']:.3f} s, "
        f"ratio {m['ratio']:.1f}, {m['queries']} queries"
    )


# --- The child: generate or reuse, then time ------------------------------------------------


def today() -> dt.date:
    return dt.datetime.now().astimezone().date()


def meta_path(backend: str) -> Path:
    return DATA / f"{backend}.json"


def measure(args: argparse.Namespace) -> dict[str, Any]:
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from samverkan.demo.scale import scale_data_present

    backend = args.child
    call_command("migrate", verbosity=0)
    path = meta_path(backend)
    meta = json.loads(path.read_text()) if path.exists() else {}
    if not meta or not scale_data_present():
        start_year = today().year - args.years  # the last year is a full one
        started = time.perf_counter()
        call_command(
            "generate_scale_data", years=args.years, regions=args.regions, seed=args.seed, start_year=start_year,
            replace=True, verbosity=1, stdout=sys.stderr,
        )
        generated = time.perf_counter() - started
        with connection.cursor() as cursor:
            # A freshly loaded table has no visibility map yet (index-only scans need it);
            # autovacuum would get there in its own time.
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        meta = {
            "params": wanted_params(args),
            "generation_seconds": round(generated, 1),
            "generated_on": today().isoformat(),
            "start_year": start_year,
        }
        path.write_text(json.dumps(meta, indent=2))
    else:
        print(f"Reusing the benchmark data generated on {meta['generated_on']}.", file=sys.stderr)
    # The last year is a full year of every region.
    year = meta["start_year"] + args.years - 1
    return {**meta, **time_report(year, args.runs), **database_facts()}


def timed(function: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    function()  # warm-up: caches, the connection, the query plans
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


def time_report(year: int, runs: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    from samverkan.investigations.models import CrimeReport
    from samverkan.operations.models import Encounter
    from samverkan.reports import definitions as d
    from samverkan.reports import tally

    f = d.Filter.year(year)
    parts = report_parts(f)
    load_before = os.getloadavg()[0]

    def figure_by_figure() -> None:
        for part in parts.values():
            part()

    # Counted one after the other, on this connection: side by side (PostgreSQL), the
    # queries run on connections of their own, which this context does not see.
    with override_settings(SAMVERKAN_REPORT_WORKERS=1), CaptureQueriesContext(connection) as captured:
        full = tally.report(f)
    with override_settings(SAMVERKAN_REPORT_WORKERS=1):
        sequential_seconds, _times = timed(lambda: tally.report(f), runs)
    with override_settings(SAMVERKAN_REPORT_WORKERS=1), CaptureQueriesContext(connection) as captured_by_figure:
        figure_by_figure()
    # The report and the floor alternate, run by run, so that a change in the machine's
    # speed (a shared host drifts by a third within minutes) touches both alike.
    tally.report(f)
    floor(f)
    report_times: list[float] = []
    floor_times: list[float] = []
    for _ in range(runs):
        for function, times in ((lambda: tally.report(f), report_times), (lambda: floor(f), floor_times)):
            started = time.perf_counter()
            function()
            times.append(time.perf_counter() - started)
    report_seconds, floor_seconds = statistics.median(report_times), statistics.median(floor_times)
    ratio = statistics.median(r / fl for r, fl in zip(report_times, floor_times, strict=True))
    by_figure_seconds, _times = timed(figure_by_figure, max(1, runs // 2))
    part_seconds = {name: timed(part, max(1, runs // 2))[0] for name, part in parts.items()}
    floor_values = floor(f)
    # The floor counts the same shifts and buyers (persons: minors and adults together).
    assert floor_values[0] == full.totals[d.Figure.JOINT_SHIFTS], (floor_values, full.totals)
    assert floor_values[2] == full.totals[d.Figure.BUYERS], (floor_values, full.totals)
    return {
        "year": year,
        "report_seconds": report_seconds,
        "report_times": report_times,
        "sequential_seconds": sequential_seconds,
        "by_figure_seconds": by_figure_seconds,
        "floor_seconds": floor_seconds,
        "ratio": ratio,
        "floor_times": floor_times,
        "floor_values": floor_values,
        "queries": selects(captured.captured_queries),
        "statements": len(captured.captured_queries),
        "by_figure_queries": selects(captured_by_figure.captured_queries),
        "part_seconds": part_seconds,
        "results": {str(figure): n for figure, n in full.totals.items()},
        "load": (round(load_before, 1), round(os.getloadavg()[0], 1)),
        "encounters": Encounter.objects.count(),
        "crime_reports": CrimeReport.objects.count(),
    }


def selects(queries: list[dict[str, Any]]) -> int:
    return sum(1 for query in queries if query["sql"].lstrip().upper().startswith("SELECT"))


def report_parts(f: Any) -> dict[str, Callable[[], object]]:
    """Every figure of the full report, by name: the totals, then each breakdown by its unit's query."""
    from samverkan.reports import definitions as d
    from samverkan.reports import tally

    parts: dict[str, Callable[[], object]] = {"results": partial(tally.report, f)}
    for declaration in d.FIGURES.values():
        for dimension in declaration.dimensions:
            parts[f"{declaration.figure} by {dimension}"] = partial(tally.unit_counts, declaration.unit, f)
    return parts


FLOOR_SQL = """
SELECT
  (SELECT COUNT(*) FROM operations_shift
    WHERE status = 'completed' AND starts_at >= %(start)s AND starts_at < %(end)s),
  (SELECT COUNT(DISTINCT COALESCE(
            (SELECT l.client_id FROM support_clientencounter l WHERE l.encounter_id = e.id), -e.id))
     FROM operations_encounter e
    WHERE e.role = 'exploited' AND e.occurred_at >= %(start)s AND e.occurred_at < %(end)s),
  (SELECT COUNT(DISTINCT s.person_key)
     FROM investigations_suspect s
     JOIN investigations_crimereport r ON r.id = s.crime_report_id
     JOIN legal_offence o ON o.id = r.offence_id
    WHERE o.counts_as_sex_purchase AND r.committed_at >= %(start)s AND r.committed_at < %(end)s)
"""


def floor(f: Any) -> tuple[int, int, int]:
    """One hand-written aggregate: shifts, distinct persons found, distinct buyers in the period.

    On PostgreSQL with the session settings the report's queries get (``POSTGRESQL_SETTINGS``).
    """
    from django.db import connection, transaction

    from samverkan.reports.tally import POSTGRESQL_SETTINGS

    start, end = (connection.ops.adapt_datetimefield_value(moment) for moment in f.bounds())
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for setting in POSTGRESQL_SETTINGS:
                cursor.execute(setting)
        cursor.execute(FLOOR_SQL, {"start": start, "end": end})
        row = cursor.fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def database_facts() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            cursor.execute("SELECT pg_database_size(current_database())")
            size = int(cursor.fetchone()[0])
            settings = {}
            for name in ("shared_buffers", "work_mem", "jit"):
                cursor.execute(f"SHOW {name}")
                settings[name] = cursor.fetchone()[0]
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the size of the database, not of its log
            cursor.execute("SELECT sqlite_version()")
            version = cursor.fetchone()[0]
            size = sum(Path(f"{SQLITE_FILE}{s}").stat().st_size for s in ("", "-wal") if Path(f"{SQLITE_FILE}{s}").exists())
            settings = {}
    return {"version": version, "database_bytes": size, "server_settings": settings}


# --- docs/benchmarks.md ---------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split("MemTotal:", 1)[1].split()[0])
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "RAM": memory,
        "OS": platform.platform(),
        "Python": platform.python_version(),
    }


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"


def render(command: str, measured: dict[str, dict[str, Any]], args: argparse.Namespace) -> str:
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    backends = list(measured)
    head = "| | " + " | ".join(names[b] for b in backends) + " |\n|---|" + "---:|" * len(backends) + "\n"

    def row(label: str, cell: Callable[[dict[str, Any]], str]) -> str:
        return f"| {label} | " + " | ".join(cell(measured[b]) for b in backends) + " |\n"

    any_m = next(iter(measured.values()))
    table = head
    table += row("database version", lambda m: str(m["version"]))
    table += row("encounters / crime reports", lambda m: f"{m['encounters']:,} / {m['crime_reports']:,}")
    table += row("generation (`generate_scale_data`)", lambda m: f"{m['generation_seconds']:.0f} s")
    table += row("database size", lambda m: f"{m['database_bytes'] / 2**30:.2f} GiB")
    table += row(
        f"**full report, {any_m['year']}**: `report(f)` (median of {args.runs})", lambda m: f"**{seconds(m['report_seconds'])}**"
    )
    table += row(
        "the same report with its queries one after the other (`SAMVERKAN_REPORT_WORKERS=1`)",
        lambda m: seconds(m["sequential_seconds"]),
    )
    table += row("floor: one SQL aggregate (median)", lambda m: seconds(m["floor_seconds"]))
    table += row("report / floor (median of the runs' ratios)", lambda m: f"{m['ratio']:.1f}×")
    table += row(
        "queries issued by the report (statements with transaction control and settings)",
        lambda m: f"{m['queries']} ({m['statements']})",
    )
    table += row(
        "the same figure by figure: `report()` and 14 breakdown calls", lambda m: seconds(m["by_figure_seconds"])
    )
    table += row("queries issued figure by figure", lambda m: str(m["by_figure_queries"]))

    parts = head.replace("| |", "| one call, figure by figure |", 1)
    def part(name: str) -> Callable[[dict[str, Any]], str]:
        return lambda m: seconds(m["part_seconds"][name])

    for name in any_m["part_seconds"]:
        parts += row(name, part(name))

    verdicts = []
    pg = measured.get("postgresql")
    if pg is not None:
        fast = pg["report_seconds"] < TARGET_SECONDS
        close = pg["ratio"] <= TARGET_RATIO
        verdicts.append(
            f"- Full report under {TARGET_SECONDS:.0f} s on PostgreSQL: **{'met' if fast else 'not met'}** "
            f"({seconds(pg['report_seconds'])})."
        )
        verdicts.append(
            f"- Within {TARGET_RATIO:.0f}× of the floor on PostgreSQL: **{'met' if close else 'not met'}** "
            f"({pg['ratio']:.2f}×)."
        )
    sqlite = measured.get("sqlite")
    if sqlite is not None:
        verdicts.append(
            f"- SQLite (no target; development only): {seconds(sqlite['report_seconds'])}, "
            f"{sqlite['ratio']:.1f}× its floor."
        )
    queries = {m["queries"] for m in measured.values()}
    verdicts.append(
        f"- Queries: the report issues {'/'.join(str(q) for q in sorted(queries))} queries whatever the data size "
        "(pinned by `samverkan/demo/tests/test_scale.py` on a small and a three times larger data set)."
    )
    info = machine()
    pg_settings = ", ".join(f"{k} = {v}" for k, v in (pg or {}).get("server_settings", {}).items())
    lines = [
        "# Benchmarks",
        "",
        "Written by `scripts/bench_report.py` (`make bench`) down to the notes; run it again rather than edit.",
        "Speed targets are checked here, never by timed unit tests.",
        "",
        "## Results statistics on national-scale data",
        "",
        f"Data: `manage.py generate_scale_data --years {args.years} --regions {args.regions} --seed {args.seed}` "
        "(synthetic: per region a police region, a municipality's social services and their collaboration). "
        f"Timed: the year {any_m['year']}, all regions (`Filter.year({any_m['year']})`).",
        "",
        "- **Full report**: `report(f)` in `samverkan.reports.tally`, what the results page and its "
        "exports call: every figure declared in `samverkan.reports.definitions` and every breakdown (shifts by area, basis and month; "
        "minors and adults by area, venue kind, basis and month; buyers by area, offence and month); "
        f"median of {args.runs} runs after a warm-up. On PostgreSQL its three queries run side by side on "
        "connections of their own, in one exported snapshot (`reports()`); the same report with the queries one "
        "after the other is timed too. Also timed: the same figures asked for one call at a time "
        "(`report()`, then each breakdown by its unit's query, `unit_counts`).",
        "- **Floor**: one hand-written SQL aggregate over the same tables — completed shifts, distinct persons in "
        "prostitution, distinct persons reported for buying sex — the least a report of these figures can cost "
        "(`FLOOR_SQL` in the script; it looks each encounter's client up by the encounter, as the report does, "
        "which is faster on PostgreSQL than joining all client links). "
        "The script checks that it gives the same shifts and buyers as the report. It runs with the session "
        "settings the report's queries set on PostgreSQL (`work_mem` 64 MB, no JIT).",
        "",
        table,
        "### Targets",
        "",
        *verdicts,
        "",
        "### Figure by figure (median; each call on its own, each reads its unit's rows once)",
        "",
        parts,
        "### Command and machine",
        "",
        f"- Command: `{command}` (run from the project root; `make bench` runs it with `DEBUG=1`), "
        f"on {today().isoformat()}.",
        f"- Machine: {info['CPU']}, {info['cores']} cores, {info['RAM']} RAM; {info['OS']}.",
        f"- Python {info['Python']}; "
        + "; ".join(f"{names[b]} {measured[b]['version']}" for b in backends)
        + (f" (server settings as installed: {pg_settings})" if pg_settings else "")
        + ".",
        "- Load average (1 minute) when the timing began and ended: "
        + "; ".join(f"{names[b]} {measured[b]['load'][0]} → {measured[b]['load'][1]}" for b in backends)
        + f" (on {info['cores']} cores: other work on the machine slows every figure alike).",
        f"- Data generated on {', '.join(sorted({m['generated_on'] for m in measured.values()}))} and reused by later runs "
        "(`--regenerate` to start again); the PostgreSQL database was `VACUUM ANALYZE`d after loading, the SQLite one `ANALYZE`d.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
