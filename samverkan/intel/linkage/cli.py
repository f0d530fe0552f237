"""File mode: link the items of a file and write one row per item, ``id,network_id``.

``link_file`` is what ``manage.py link_intel --input FILE --output clusters.csv
[--backend duckdb|spark]`` calls; the same is available without Django::

    python -m samverkan.intel.linkage.cli --input items.parquet --output clusters.csv \\
        [--backend spark] [--previous clusters-before.csv] [--state DIR] [--report run.json]

``--previous`` is an earlier output (``id,network_id``): networks keep their
ids, merges keep the oldest; ``--state`` saves the index for incremental
linking; ``--report`` writes the run's figures, glue identifiers, merges and
splits as JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from samverkan.intel.linkage.backends import BACKENDS
from samverkan.intel.linkage.engine import LinkConfig, LinkResult, link_items

__all__ = ["link_file", "main", "read_assignments", "write_assignments"]


def read_assignments(path: str | Path) -> dict[str, str]:
    """An ``id,network_id`` CSV (an earlier output) as a mapping."""
    with Path(path).open(newline="", encoding="utf-8") as handle:
        return {row["id"]: row["network_id"] for row in csv.DictReader(handle)}


def write_assignments(assignments: dict[str, str], path: str | Path) -> None:
    ids = sorted(assignments)
    table = pa.table({"id": ids, "network_id": [assignments[i] for i in ids]})
    pacsv.write_csv(table, str(path), pacsv.WriteOptions(quoting_style="needed"))


def link_file(
    input: str | Path,
    output: str | Path,
    backend: str = "duckdb",
    *,
    previous: str | Path | dict[str, str] | None = None,
    state_dir: str | Path | None = None,
    config: LinkConfig | None = None,
) -> LinkResult:
    """Link the items in ``input`` (JSON Lines, CSV or Parquet) and write ``output`` (CSV)."""
    before = read_assignments(previous) if isinstance(previous, (str, Path)) else previous
    result = link_items(Path(input), backend=backend, previous=before, config=config)
    write_assignments(result.assignments, output)
    if state_dir is not None:
        result.index.save(state_dir)
    return result


def report(result: LinkResult) -> dict[str, Any]:
    return {
        "stats": result.stats,
        "glue": [
            {"kind": g.kind, "value": g.value, "items": g.items, "span": g.span, "reason": g.reason}
            for g in result.glue
        ],
        "merges": [
            {"network_id": m.network_id, "absorbed": list(m.absorbed), "items": m.items}
            for m in result.merges
        ],
        "splits": [
            {"network_id": s.network_id, "parts": list(s.parts), "items": s.items}
            for s in result.splits
        ],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, help="items: .jsonl, .csv or .parquet")
    parser.add_argument("--output", required=True, help="CSV to write: id,network_id")
    parser.add_argument("--backend", choices=BACKENDS, default="duckdb")
    parser.add_argument("--previous", help="an earlier output, to keep network ids stable")
    parser.add_argument("--state", help="directory to save the index for incremental linking")
    parser.add_argument("--report", help="JSON file for the run's figures, glue, merges and splits")
    args = parser.parse_args(argv)
    result = link_file(
        args.input, args.output, args.backend, previous=args.previous, state_dir=args.state
    )
    if args.report:
        Path(args.report).write_text(
            json.dumps(report(result), indent=2, default=str), encoding="utf-8"
        )
    stats = result.stats
    print(
        f"{stats['items']} items → {stats['networks']} networks in {stats['seconds']} s "
        f"({stats['comparisons']} comparisons, {len(result.glue)} glue identifiers)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
