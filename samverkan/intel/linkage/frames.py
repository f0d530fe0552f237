"""Reading intelligence items into one Arrow table, whatever the file format.

One item per record (DESIGN.md §7): ``id`` (unique, required), ``kind``
(``ad``, ``observation``, ``tip``), ``observed_at`` (ISO 8601), ``source``,
``title``, ``text``, ``phones``, ``emails``, ``urls``, ``handles``, ``names``,
``image_hashes`` (lists of strings), ``age`` (stated, may be null), ``city``,
``address``, ``venue_kind``.

Files are JSON Lines (``.jsonl``, ``.ndjson``, ``.json``), CSV or Parquet. In
CSV a list is a JSON array (``["070-174 06 05", "…"]``) or values separated by
``;`` or ``|``. DuckDB reads the files (fast, in parallel); Python records
(dicts, as the Django app hands them over) are converted directly.

``read_items`` and ``to_table`` return the canonical table (``ITEM_SCHEMA``,
``observed_at`` in UTC) and refuse the input (``InvalidItems``) when an id is
missing or repeated, which would make the output meaningless. Other bad values
(an unknown kind, an unparseable time or age) become null and are counted in
``ItemsTable.problems``: one bad field must not stop a national import.
"""

# ruff: noqa: S608 - the SQL is assembled from this module's own names and patterns; data
# values reach DuckDB as registered tables, never as SQL text (file paths are quoted).

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "ITEM_KINDS",
    "ITEM_SCHEMA",
    "LIST_FIELDS",
    "InvalidItems",
    "ItemsTable",
    "read_items",
    "to_table",
]

ITEM_KINDS = ("ad", "observation", "tip")
LIST_FIELDS = ("phones", "emails", "urls", "handles", "names", "image_hashes")
TEXT_FIELDS = ("source", "title", "text", "city", "address", "venue_kind")
ITEM_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("kind", pa.string()),
        pa.field("observed_at", pa.timestamp("us", tz="UTC")),
        pa.field("source", pa.string()),
        pa.field("title", pa.string()),
        pa.field("text", pa.string()),
        *(pa.field(name, pa.list_(pa.string())) for name in LIST_FIELDS),
        pa.field("age", pa.int32()),
        pa.field("city", pa.string()),
        pa.field("address", pa.string()),
        pa.field("venue_kind", pa.string()),
    ]
)
MAX_AGE = 120
MAX_ERRORS_SHOWN = 10


class InvalidItems(ValueError):
    """The items cannot be linked: ids missing or repeated, or the file unreadable."""


@dataclass
class ItemsTable:
    table: pa.Table
    problems: Counter[str] = field(default_factory=Counter)

    def __len__(self) -> int:
        return int(self.table.num_rows)


def read_items(path: str | Path) -> ItemsTable:
    """Read a JSON Lines, CSV or Parquet file of items."""
    path = Path(path)
    if not path.exists():
        raise InvalidItems(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        try:
            schema = pq.read_schema(path)
        except (OSError, pa.ArrowInvalid) as exc:
            raise InvalidItems(f"{path}: {exc}") from exc
        if _has_item_schema(schema.empty_table()):
            return _validated(pq.read_table(path, columns=ITEM_SCHEMA.names))
    con = _connection()
    quoted = str(path).replace("'", "''")
    if suffix in (".jsonl", ".ndjson", ".json"):
        columns = {
            "id": "VARCHAR",
            "kind": "VARCHAR",
            "observed_at": "VARCHAR",
            **dict.fromkeys(TEXT_FIELDS, "VARCHAR"),
            **dict.fromkeys(LIST_FIELDS, "JSON"),
            "age": "VARCHAR",
        }
        spec = ", ".join(f"'{name}': '{kind}'" for name, kind in columns.items())
        relation = f"read_json('{quoted}', format='newline_delimited', columns={{{spec}}})"
    elif suffix == ".csv":
        relation = f"read_csv('{quoted}', header=true, all_varchar=true)"
    elif suffix in (".parquet", ".pq"):
        relation = f"read_parquet('{quoted}')"
    else:
        raise InvalidItems(f"{path}: unknown format {suffix!r} (use .jsonl, .csv or .parquet)")
    return _canonical(con, relation)


def to_table(items: ItemsTable | pa.Table | Iterable[Mapping[str, Any]] | str | Path) -> ItemsTable:
    """Items in any accepted form (file path, Arrow table, records) as the canonical table."""
    if isinstance(items, ItemsTable):
        return items
    if isinstance(items, (str, Path)):
        return read_items(items)
    if isinstance(items, pa.Table):
        if _has_item_schema(items):
            return _validated(items.select(ITEM_SCHEMA.names))
        con = _connection()
        con.register("items_arrow", items)
        return _canonical(con, "items_arrow")
    return _from_records(items)


def _has_item_schema(table: pa.Table) -> bool:
    """True when ``table`` already has the canonical columns and types (e.g. our own Parquet)."""
    for wanted in ITEM_SCHEMA:
        if wanted.name not in table.column_names:
            return False
        actual = table.schema.field(wanted.name).type
        if wanted.name == "observed_at":
            if not pa.types.is_timestamp(actual) or actual.tz is None:
                return False
        elif actual != wanted.type:
            return False
    return True


def _validated(table: pa.Table) -> ItemsTable:
    """The checks of ``_canonical`` on a table that needs no conversion, in Arrow."""
    ids = table["id"]
    if ids.null_count:
        raise InvalidItems(f"{ids.null_count} items have no id")
    if pc.count_distinct(ids).as_py() != table.num_rows:
        counts = (
            pc.value_counts(ids).combine_chunks()
            if isinstance(ids, pa.ChunkedArray)
            else pc.value_counts(ids)
        )
        repeated = [(v["values"], v["counts"]) for v in counts.to_pylist() if v["counts"] > 1][
            :MAX_ERRORS_SHOWN
        ]
        shown = ", ".join(f"{value!r} ({count}×)" for value, count in sorted(repeated))
        raise InvalidItems(f"ids must be unique; repeated: {shown}")
    problems: Counter[str] = Counter()
    kinds = table["kind"]
    unknown = pc.and_(pc.is_valid(kinds), pc.invert(pc.is_in(kinds, pa.array(ITEM_KINDS))))
    bad_kinds = pc.sum(unknown).as_py() or 0
    if bad_kinds:
        problems["unknown kind"] = bad_kinds
        table = table.set_column(
            table.schema.get_field_index("kind"), "kind", pc.if_else(unknown, None, kinds)
        )
    ages = table["age"]
    out_of_range = pc.or_(pc.less(ages, 0), pc.greater(ages, MAX_AGE))
    bad_ages = pc.sum(pc.fill_null(out_of_range, False)).as_py() or 0
    if bad_ages:
        problems["unreadable age"] = bad_ages
        table = table.set_column(
            table.schema.get_field_index("age"), "age", pc.if_else(out_of_range, None, ages)
        )
    observed = table["observed_at"]
    if observed.type != ITEM_SCHEMA.field("observed_at").type:
        table = table.set_column(
            table.schema.get_field_index("observed_at"),
            "observed_at",
            observed.cast(ITEM_SCHEMA.field("observed_at").type),
        )
    return ItemsTable(table, problems)


def _connection() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.sql("SET TimeZone = 'UTC'")
    return con


def _list_sql(name: str, column_type: str) -> str:
    """A list column as VARCHAR[]: from a list, a JSON array, or ';'/'|'-separated text."""
    if column_type.endswith("[]"):
        return f"list_filter(CAST({name} AS VARCHAR[]), lambda x: x IS NOT NULL AND trim(x) <> '')"
    if column_type == "JSON":
        return f"""CASE WHEN json_type({name}) = 'ARRAY'
            THEN list_filter(CAST({name} AS VARCHAR[]), lambda x: x IS NOT NULL AND trim(x) <> '')
            WHEN json_type({name}) = 'VARCHAR' THEN {_split_sql(f"({name} ->> '$')")}
            END"""
    text = f"CAST({name} AS VARCHAR)"
    return f"""CASE WHEN trim({text}) LIKE '[%'
        THEN list_filter(CAST(try_cast({text} AS JSON) AS VARCHAR[]), lambda x: x IS NOT NULL AND trim(x) <> '')
        ELSE {_split_sql(text)} END"""


def _split_sql(expression: str) -> str:
    return (
        f"list_filter(list_transform(regexp_split_to_array({expression}, '[;|]'), lambda x: trim(x)),"
        " lambda x: x <> '')"
    )


def _canonical(con: duckdb.DuckDBPyConnection, relation: str) -> ItemsTable:
    try:
        described = con.sql(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    except duckdb.Error as exc:
        raise InvalidItems(str(exc)) from exc
    types = {str(row[0]): str(row[1]) for row in described}
    present = set(types)
    if "id" not in present:
        raise InvalidItems("the items have no 'id' column")

    def text(name: str) -> str:
        return f"nullif(trim(CAST({name} AS VARCHAR)), '')" if name in present else "NULL::VARCHAR"

    lists = []
    for name in LIST_FIELDS:
        expression = _list_sql(name, types[name]) if name in present else "NULL"
        lists.append(f"CAST({expression} AS VARCHAR[]) AS {name}")
    observed = (
        "try_cast(nullif(trim(CAST(observed_at AS VARCHAR)), '') AS TIMESTAMPTZ)"
        if "observed_at" in present
        else "NULL::TIMESTAMPTZ"
    )
    age = f"try_cast(try_cast({text('age')} AS DOUBLE) AS INTEGER)" if "age" in present else "NULL"
    kind = f"lower({text('kind')})"
    sql = f"""
        SELECT {text("id")} AS id,
               {kind} AS kind_raw,
               {observed} AS observed_at,
               {text("observed_at")} AS observed_raw,
               {", ".join(f"{text(name)} AS {name}" for name in TEXT_FIELDS)},
               {", ".join(lists)},
               {age} AS age,
               {text("age")} AS age_raw
        FROM {relation}
    """
    try:
        con.sql(f"CREATE TEMP TABLE canonical AS {sql}")
    except duckdb.Error as exc:
        raise InvalidItems(str(exc)) from exc
    missing = con.sql("SELECT count(*) FROM canonical WHERE id IS NULL").fetchall()[0][0]
    if missing:
        raise InvalidItems(f"{missing} items have no id")
    repeated = con.sql(
        "SELECT id, count(*) FROM canonical GROUP BY id HAVING count(*) > 1 ORDER BY id "
        f"LIMIT {MAX_ERRORS_SHOWN}"
    ).fetchall()
    if repeated:
        shown = ", ".join(f"{row[0]!r} ({row[1]}×)" for row in repeated)
        raise InvalidItems(f"ids must be unique; repeated: {shown}")
    kinds = ", ".join(f"'{k}'" for k in ITEM_KINDS)
    problems: Counter[str] = Counter()
    for label, condition in (
        ("unknown kind", f"kind_raw IS NOT NULL AND kind_raw NOT IN ({kinds})"),
        ("unreadable observed_at", "observed_raw IS NOT NULL AND observed_at IS NULL"),
        ("unreadable age", f"age_raw IS NOT NULL AND (age IS NULL OR age < 0 OR age > {MAX_AGE})"),
    ):
        count = con.sql(f"SELECT count(*) FROM canonical WHERE {condition}").fetchall()[0][0]
        if count:
            problems[label] = int(count)
    table = con.sql(
        f"""
        SELECT id,
               CASE WHEN kind_raw IN ({kinds}) THEN kind_raw END AS kind,
               observed_at,
               source, title, text,
               {", ".join(LIST_FIELDS)},
               CASE WHEN age BETWEEN 0 AND {MAX_AGE} THEN age END AS age,
               city, address, venue_kind
        FROM canonical
        """
    ).to_arrow_table()
    return ItemsTable(table.cast(ITEM_SCHEMA), problems)


def _from_records(records: Iterable[Mapping[str, Any]]) -> ItemsTable:
    rows: list[dict[str, Any]] = []
    for record in records:
        row: dict[str, Any] = {}
        for name in ITEM_SCHEMA.names:
            value = record.get(name)
            if name in LIST_FIELDS:
                row[name] = _as_list(value)
            elif name == "observed_at":
                row[name] = (
                    _as_text(value) if not isinstance(value, dt.datetime) else value.isoformat()
                )
            elif name == "age":
                row[name] = None if value is None or value == "" else str(value)
            else:
                row[name] = _as_text(value)
        rows.append(row)
    schema = pa.schema(
        [
            pa.field(name, pa.list_(pa.string()) if name in LIST_FIELDS else pa.string())
            for name in ITEM_SCHEMA.names
        ]
    )
    table = pa.Table.from_pylist(rows, schema=schema)
    con = _connection()
    con.register("items_records", table)
    return _canonical(con, "items_records")


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)


def _as_list(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            try:
                parsed = json.loads(stripped)
            except json.JSONDecodeError:
                parsed = None
            if isinstance(parsed, list):
                return [str(v) for v in parsed if v is not None and str(v).strip()]
        return [part.strip() for part in stripped.replace("|", ";").split(";") if part.strip()]
    if isinstance(value, Iterable):
        return [str(v) for v in value if v is not None and str(v).strip()]
    return [str(value)]
