"""Benchmark of the intelligence linkage: quality, time and memory (``make bench-intel``).

Generates synthetic items with ground truth (``samverkan.demo.intel_items``;
cached under ``bench-data/intel/``), then links them in a fresh child process per
run, exactly as ``manage.py link_intel --input FILE --output clusters.csv`` does
(``link_file``: read the Parquet file, link, write ``id,network_id``):

- DuckDB at 100,000 and 1,000,000 items, Spark (local mode) at 100,000;
- quality against the ground truth: pairwise precision, recall and F1 and
  B-cubed F1 (``evaluate.score``; not part of the timed run);
- wall time, CPU time, and the peak resident memory of the run's whole process
  tree (sampled every 0.2 s from /proc, so the Spark JVM counts);
- comparisons scored and comparisons per second (a regression shows there);
- whether Spark gives exactly the same clusters as DuckDB.

The results go to ``bench-data/intel/results.json`` and, as a Markdown table, to
standard output (for docs/benchmarks.md, "Intelligence linkage").

    python scripts/bench_intel.py [--sizes 100000 1000000] [--spark-size 100000] [--seed 2024]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA = ROOT / "bench-data" / "intel"
TARGET_SECONDS = 120
TARGET_MEMORY_GB = 8


def _tree_rss(root: int) -> int:
    """Resident memory (bytes) of ``root`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            for line in (Path("/proc") / str(pid) / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


class _PeakMemory(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak = max(self.peak, _tree_rss(os.getpid()))
            self._stop_event.wait(0.2)

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        self.peak = max(self.peak, _tree_rss(os.getpid()))
        return self.peak


def child(args: argparse.Namespace) -> None:
    """One timed run in this (fresh) process; results as JSON to ``args.result``."""
    import pyarrow.parquet as pq

    from samverkan.demo.linkage_quality import score
    from samverkan.intel.linkage.api import link_file

    monitor = _PeakMemory()
    monitor.start()
    load_before = os.getloadavg()[0]
    started, cpu_started = time.perf_counter(), time.process_time()
    result = link_file(args.input, args.output, args.backend)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    peak = monitor.stop()
    load_after = os.getloadavg()[0]
    truth_table = pq.read_table(args.truth)
    truth = dict(
        zip(truth_table["id"].to_pylist(), truth_table["network"].to_pylist(), strict=True)
    )
    scores = score(result.assignments, truth)
    incremental = _incremental(result, args) if args.backend == "duckdb" else None
    report = {
        "incremental": incremental,
        "backend": args.backend,
        "items": result.stats["items"],
        "seconds": round(seconds, 1),
        "cpu_seconds_python_process": round(cpu, 1),
        "peak_memory_bytes": peak,
        "max_rss_python_process_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "load_average": [round(load_before, 1), round(load_after, 1)],
        "scores": scores.as_dict(),
        "stats": result.stats,
        "glue": {
            "total": len(result.glue),
            "by_kind": {
                k: sum(1 for g in result.glue if g.kind == k)
                for k in sorted({g.kind for g in result.glue})
            },
        },
    }
    Path(args.result).write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")


INCREMENTAL_ITEMS = 200


def _incremental(result: Any, args: argparse.Namespace) -> dict[str, Any]:
    """Link new items one at a time against the run's saved index (``Incremental``), untimed above.

    Half are copies of items of the run under new ids (each must join its original's
    network), half come from another seed (mostly new actors). Reported: the time to
    load the index, and the median, 95th percentile and largest time to link one item.
    """
    import statistics
    import tempfile

    import pyarrow.parquet as pq

    from samverkan.demo.intel_items import generate
    from samverkan.intel.linkage.api import Incremental

    rows = pq.read_table(args.input).slice(0, INCREMENTAL_ITEMS // 2).to_pylist()
    copies = [{**row, "id": f"{row['id']}-again"} for row in rows]
    strangers = generate(INCREMENTAL_ITEMS // 2, seed=args.seed + 1).items.to_pylist()
    strangers = [{**row, "id": f"new-{row['id']}"} for row in strangers]
    with tempfile.TemporaryDirectory() as directory:
        result.index.save(directory)
        started = time.perf_counter()
        linker = Incremental.load(directory)
        load_seconds = time.perf_counter() - started
        times, rejoined = [], 0
        for row in copies + strangers:
            started = time.perf_counter()
            answer = linker.link(row)
            times.append(time.perf_counter() - started)
            original = row["id"].removesuffix("-again")
            rejoined += answer.network_id is not None and answer.network_id == result.assignments.get(original)
    times.sort()
    return {
        "items": len(times),
        "load_seconds": round(load_seconds, 2),
        "median_seconds": round(statistics.median(times), 4),
        "p95_seconds": round(times[int(0.95 * (len(times) - 1))], 4),
        "max_seconds": round(times[-1], 4),
        "copies_rejoined": f"{rejoined} of {len(copies)}",
    }


def _dataset(size: int, seed: int) -> tuple[Path, Path]:
    import pyarrow.parquet as pq

    from samverkan.demo.intel_items import generate

    DATA.mkdir(parents=True, exist_ok=True)
    items = DATA / f"items-{size}-seed{seed}.parquet"
    truth = DATA / f"truth-{size}-seed{seed}.parquet"
    if not (items.exists() and truth.exists()):
        print(f"generating {size:,} items (seed {seed}) …", file=sys.stderr)
        started = time.perf_counter()
        generated = generate(size, seed=seed)
        pq.write_table(generated.items, items)
        pq.write_table(generated.truth, truth)
        print(
            f"  {time.perf_counter() - started:.0f} s, {generated.networks:,} true networks",
            file=sys.stderr,
        )
    return items, truth


def _run(items: Path, truth: Path, backend: str, tag: str) -> dict[str, Any]:
    output = DATA / f"clusters-{tag}.csv"
    result = DATA / f"result-{tag}.json"
    command = [
        sys.executable,
        __file__,
        "--child",
        "--input",
        str(items),
        "--truth",
        str(truth),
        "--backend",
        backend,
        "--output",
        str(output),
        "--result",
        str(result),
    ]
    print(f"linking {tag} …", file=sys.stderr)
    subprocess.run(command, check=True, cwd=ROOT)  # noqa: S603 - our own script
    report: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
    report["clusters"] = str(output.relative_to(ROOT))
    print(f"  {report['seconds']} s, F1 {report['scores']['pairwise_f1']:.4f}", file=sys.stderr)
    return report


def _same_clusters(a: str, b: str) -> bool:
    return (ROOT / a).read_bytes() == (ROOT / b).read_bytes()


def _machine() -> dict[str, Any]:
    import duckdb
    import pyspark
    import splink

    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    java_path = shutil.which("java")
    java: list[str] = []
    if java_path:
        command = [java_path, "-version"]
        version = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603  our own fixed command line
        java = version.stderr.splitlines()
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": round(memory / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "splink": splink.__version__,
        "pyspark": pyspark.__version__,
        "java": java[0] if java else None,
    }


def _markdown(results: dict[str, Any]) -> str:
    rows = [
        "| run | items | pairwise P | pairwise R | pairwise F1 | B³ F1 | wall | CPU (Python process) | peak memory (process tree) | comparisons | comparisons/s | load avg |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for tag, r in results["runs"].items():
        s = r["scores"]
        rows.append(
            f"| {tag} | {r['items']:,} | {s['pairwise_precision']:.4f} | {s['pairwise_recall']:.4f} | "
            f"**{s['pairwise_f1']:.4f}** | {s['bcubed_f1']:.4f} | **{r['seconds']:.0f} s** | "
            f"{r['cpu_seconds_python_process']:.0f} s | {r['peak_memory_bytes'] / 2**30:.2f} GiB | "
            f"{r['stats']['comparisons']:,} | {r['stats']['comparisons_per_second']:,.0f} | "
            f"{r['load_average'][0]} → {r['load_average'][1]} |"
        )
    lines = ["\n".join(rows), ""]
    incremental = [(tag, r["incremental"]) for tag, r in results["runs"].items() if r.get("incremental")]
    if incremental:
        lines += [
            "Linking one new item against the run's networks (`Incremental`, after the run; "
            f"{INCREMENTAL_ITEMS} items: copies of the run's items under new ids, and items of another seed):",
            "",
            "| run | index load | median | 95th percentile | largest | copies that rejoined their network |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {tag} | {i['load_seconds']:.2f} s | {i['median_seconds'] * 1000:.0f} ms | "
            f"{i['p95_seconds'] * 1000:.0f} ms | {i['max_seconds'] * 1000:.0f} ms | {i['copies_rejoined']} |"
            for tag, i in incremental
        ]
        lines.append("")
    if "spark_equals_duckdb" in results:
        lines.append(f"Spark clusters identical to DuckDB's: **{results['spark_equals_duckdb']}**")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--spark-size", type=int, default=100_000, help="0: no Spark run")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--input", help=argparse.SUPPRESS)
    parser.add_argument("--truth", help=argparse.SUPPRESS)
    parser.add_argument("--backend", default="duckdb", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    results: dict[str, Any] = {"date": time.strftime("%Y-%m-%d"), "machine": _machine(), "runs": {}}
    for size in sorted({*args.sizes, *([args.spark_size] if args.spark_size else [])}):
        items, truth = _dataset(size, args.seed)
        if size in args.sizes:
            results["runs"][f"duckdb {size:,}"] = _run(items, truth, "duckdb", f"duckdb-{size}")
        if size == args.spark_size:
            spark = _run(items, truth, "spark", f"spark-{size}")
            results["runs"][f"spark {size:,}"] = spark
            duckdb_run = results["runs"].get(f"duckdb {size:,}")
            if duckdb_run is None:
                duckdb_run = _run(items, truth, "duckdb", f"duckdb-{size}")
            results["spark_equals_duckdb"] = _same_clusters(
                duckdb_run["clusters"], spark["clusters"]
            )
    results["command"] = "python " + " ".join(
        [str(Path(__file__).relative_to(ROOT)), *sys.argv[1:]]
    )
    (DATA / "results.json").write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    print(_markdown(results))
    print(f"\nMachine: {json.dumps(results['machine'])}")


if __name__ == "__main__":
    main()
