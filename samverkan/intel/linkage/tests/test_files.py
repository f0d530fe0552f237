"""Reading JSON Lines, CSV and Parquet, and the file mode that writes id,network_id."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from samverkan.demo.intel_items import generate
from samverkan.intel.linkage.api import InvalidItems, link_file, read_items
from samverkan.intel.linkage.cli import main, read_assignments

ROWS = [
    {
        "id": "a1",
        "kind": "ad",
        "observed_at": "2024-05-01T12:00:00+02:00",
        "phones": ["070-174 06 05"],
        "age": 23,
    },
    {
        "id": "a2",
        "kind": "AD",
        "observed_at": "2024-05-02",
        "phones": ["+46 70 174 06 05", "08-465 004 00"],
    },
    {
        "id": "t1",
        "kind": "gossip",
        "observed_at": "yesterday",
        "text": "ring 0701740605!",
        "age": "about 20",
    },
]


def test_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in ROWS), encoding="utf-8")
    items = read_items(path)
    table = items.table.to_pylist()
    assert [r["id"] for r in table] == ["a1", "a2", "t1"]
    assert table[0]["observed_at"].isoformat() == "2024-05-01T10:00:00+00:00"
    assert table[1]["kind"] == "ad" and table[1]["phones"] == ["+46 70 174 06 05", "08-465 004 00"]
    assert table[2]["kind"] is None and table[2]["observed_at"] is None and table[2]["age"] is None
    assert items.problems == {"unknown kind": 1, "unreadable observed_at": 1, "unreadable age": 1}


@pytest.mark.parametrize(
    "lists",
    [
        '["070-174 06 05", "08-465 004 00"]',
        "070-174 06 05; 08-465 004 00",
        "070-174 06 05|08-465 004 00",
    ],
)
def test_csv_lists_as_json_or_separated(tmp_path: Path, lists: str) -> None:
    path = tmp_path / "items.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "kind", "phones", "names"])
        writer.writerow(["x1", "ad", lists, "Åsa"])
    row = read_items(path).table.to_pylist()[0]
    assert row["phones"] == ["070-174 06 05", "08-465 004 00"]
    assert row["names"] == ["Åsa"]


def test_ids_must_be_present_and_unique(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    path.write_text('{"id": "a"}\n{"id": "a"}\n', encoding="utf-8")
    with pytest.raises(InvalidItems, match="repeated: 'a' \\(2×\\)"):
        read_items(path)
    path.write_text('{"kind": "ad"}\n', encoding="utf-8")
    with pytest.raises(InvalidItems, match="no id"):
        read_items(path)
    (tmp_path / "items.xlsx").write_bytes(b"PK")
    with pytest.raises(InvalidItems, match="unknown format"):
        read_items(tmp_path / "items.xlsx")


def test_link_file_writes_one_row_per_item(tmp_path: Path) -> None:
    generated = generate(600, seed=4)
    source = tmp_path / "items.parquet"
    pq.write_table(generated.items, source)
    output = tmp_path / "clusters.csv"
    result = link_file(source, output)
    with output.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["id", "network_id"]
    assert {r["id"]: r["network_id"] for r in rows} == result.assignments
    assert len(rows) == 600
    # Again with the previous output: the same ids; and the command line.
    again = tmp_path / "again.csv"
    report = tmp_path / "run.json"
    assert (
        main(
            [
                "--input",
                str(source),
                "--output",
                str(again),
                "--previous",
                str(output),
                "--report",
                str(report),
            ]
        )
        == 0
    )
    assert read_assignments(again) == read_assignments(output)
    assert json.loads(report.read_text(encoding="utf-8"))["stats"]["items"] == 600
