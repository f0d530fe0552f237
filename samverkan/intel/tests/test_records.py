"""The record specification's two spellings agree: what the SQL vouches for, Python accepts alike.

Records of every awkward shape are checked in DuckDB as the bulk lane checks
them (from JSON Lines, and from a table of text as CSV is read); each record
the SQL vouches for must be accepted by ``validate_record`` with exactly the
same values. Records the SQL does not vouch for go to Python anyway.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samverkan.intel import bulk
from samverkan.intel.records import (
    COLUMNS,
    FIELDS,
    MAX_AGE,
    MAX_LIST_LENGTH,
    MAX_LIST_VALUE,
    Field,
    FieldType,
    Invalid,
    ItemRecord,
    validate_record,
)

SPACES = st.sampled_from(["", " ", "\t", "\u00a0", "\u3000"])
WORDS = st.sampled_from(["ad", "tip", "observation", "hotel", "Ada", "x" * 121, "070-174 06 05", "a|b", "[1]", ""])
TEXTS = st.builds(lambda a, w, b: a + w + b, SPACES, WORDS, SPACES)
MOMENTS = st.one_of(
    st.datetimes(min_value=dt.datetime(1989, 12, 31), max_value=dt.datetime(2101, 1, 1)).map(
        lambda m: m.isoformat(timespec="seconds")
    ),
    st.sampled_from([
        "2024-03-31T02:30:00", "2024-10-27T02:30:00", "2024-10-27T01:30:00", "2024-05-01 21:15",
        "2024-05-01T21:15:00Z", "2024-05-01T21:15:00.5+02:00", "1990-01-01T00:30:00+05:00",
        "2100-12-31T23:30:00-05:00", "2024-05-01", "2024-13-01", "01/05/2024", "",
    ]),
    TEXTS,
)
VALUES: dict[FieldType, st.SearchStrategy[Any]] = {
    FieldType.ID: st.one_of(TEXTS, st.integers(-5, 10**6), st.booleans(), st.none()),
    FieldType.CHOICE: st.one_of(TEXTS, st.none(), st.integers(0, 3)),
    FieldType.MOMENT: st.one_of(MOMENTS, st.none(), st.integers(0, 3)),
    FieldType.TEXT: st.one_of(TEXTS, st.none(), st.integers(-3, 3), st.floats(0, 2, allow_nan=False)),
    FieldType.LIST: st.one_of(st.none(), TEXTS, st.lists(st.one_of(TEXTS, st.none(), st.integers(0, 2)), max_size=4)),
    FieldType.AGE: st.one_of(st.none(), st.integers(-2, 130), TEXTS, st.sampled_from(["17", " 17", "017", "1.0"]), st.floats(0, 130)),
}
PLAIN: dict[FieldType, Any] = {
    FieldType.ID: "r-1", FieldType.MOMENT: "2024-05-01T21:15:00+02:00", FieldType.TEXT: "Ada",
    FieldType.LIST: ["0701740605", "ada@example.test"], FieldType.AGE: 24,
}


def awkward(field: Field) -> st.SearchStrategy[Any]:
    """Values of every shape for ``field``, its limits and their neighbours among them."""
    edges: list[Any] = []
    if field.limit:
        edges += ["x" * field.limit, "x" * (field.limit + 1)]
    if field.type is FieldType.CHOICE:
        edges += [*field.choices, f" {field.choices[0]}", field.choices[0].upper()]
    if field.type is FieldType.LIST:
        edges += [["a", "a"], ["x" * MAX_LIST_VALUE], ["x" * (MAX_LIST_VALUE + 1)], [str(n) for n in range(MAX_LIST_LENGTH + 1)]]
    if field.type is FieldType.AGE:
        edges += [MAX_AGE, MAX_AGE + 1, 0, -1]
    return st.one_of(st.sampled_from(edges), VALUES[field.type]) if edges else VALUES[field.type]


@st.composite
def records(draw: st.DrawFn, text_only: bool = False) -> dict[str, Any]:
    """A plain valid record with one to three of its fields given awkward values (or left out)."""
    raw = {f.name: f.choices[0] if f.type is FieldType.CHOICE else PLAIN[f.type] for f in FIELDS}
    for field in draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=3, unique=True)):
        value = draw(st.one_of(st.none(), awkward(field)))
        if text_only and value is not None:
            value = value if isinstance(value, str) else json.dumps(value) if isinstance(value, list) else str(value)
        raw[field.name] = value
    if text_only:
        raw = {name: value if isinstance(value, str) or value is None else json.dumps(value) if isinstance(value, list) else str(value) for name, value in raw.items()}
    return raw


def vouched(con: Any) -> dict[int, dict[str, Any]]:
    """The rows of ``valid_all`` the SQL vouched for, by line."""
    bulk.split_candidates(con)
    rows = con.sql("SELECT * FROM valid_all WHERE ok").to_arrow_table().to_pylist()
    return {row["line"]: row for row in rows}


def vouched_json(raws: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """``vouched`` for the records written as a JSON Lines file."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "items.jsonl"
        path.write_text("".join(json.dumps(raw) + "\n" for raw in raws), encoding="utf-8")
        con = bulk.connect()
        try:
            bulk.load_json_lines(con, path)
            bulk.candidates_from_json(con)
            return vouched(con)
        finally:
            con.close()


def expected(raw: dict[str, Any], line: int) -> dict[str, Any] | None:
    try:
        record = validate_record(raw, line)
    except Invalid:
        return None
    values = dataclasses.asdict(record)
    if values["observed_at"] is not None:
        values["observed_at"] = values["observed_at"].astimezone(dt.UTC)
    return values


def agree(raws: list[dict[str, Any]], rows: dict[int, dict[str, Any]]) -> None:
    for line, row in rows.items():
        want = expected(raws[line - 1], line)
        assert want is not None, (raws[line - 1], "vouched for by SQL, refused by Python")
        got = {name: row[name] for name in ("line", *COLUMNS)}
        assert got == want, raws[line - 1]


def test_the_record_has_the_specified_columns() -> None:
    assert [f.name for f in dataclasses.fields(ItemRecord)] == ["line", *COLUMNS]
    assert bulk.VALID_SCHEMA.names == ["line", *COLUMNS]


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(records(), min_size=1, max_size=12))
def test_json_lines_the_sql_vouches_for_python_accepts_alike(raws: list[dict[str, Any]]) -> None:
    agree(raws, vouched_json(raws))


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(records(text_only=True), min_size=1, max_size=12))
def test_csv_text_the_sql_vouches_for_python_accepts_alike(raws: list[dict[str, Any]]) -> None:
    # As a CSV file is read: every column text, an empty cell an empty string (None to Python).
    table = pa.table({f.name: pa.array([raw.get(f.name) or "" for raw in raws], pa.string()) for f in FIELDS})
    as_read = [{f.name: raw.get(f.name) or None for f in FIELDS} for raw in raws]
    con = bulk.connect()
    try:
        bulk.candidates_from_table(con, table, 0)
        agree(as_read, vouched(con))
    finally:
        con.close()


def test_plain_records_take_the_fast_lane() -> None:
    raws = [
        {"id": "a-1", "kind": "ad", "observed_at": "2024-05-01T21:15:00+02:00", "phones": ["0701740605"], "age": 24},
        {"id": 7, "kind": "tip", "observed_at": "2024-05-01 21:15", "city": "Malmö", "venue_kind": "hotel"},
    ]
    rows = vouched_json(raws)
    assert set(rows) == {1, 2}
    agree(raws, rows)
