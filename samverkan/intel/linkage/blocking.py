"""Candidate pairs for the content model: records that share a text band, with bounded cost.

Two records are compared when they share a MinHash band (``tb0 … tb15``,
locality-sensitive hashing of their texts) and lie in different exact
components. A band value shared by few records (at most ``all_pairs``) yields
all their pairs. A band value shared by many — a large network's template
recurring in hundreds of ads, or boilerplate recurring across networks —
yields only the pairs of each member with the block's ``heads`` first
records, taken from the largest components first: a member of a large
network then meets that network's representatives, and the cost of a block of
*s* records is *s × heads* instead of *s²/2*. Clustering is transitive, so
linking every record to a few of its block is enough; all pairs of a large
network are never produced.

The pairs are computed once, in DuckDB, and handed to Splink on either
backend (``register_blocked_pairs_for_predict``), so DuckDB and Spark score
exactly the same pairs.
"""

# ruff: noqa: S608 - the SQL is assembled from this module's own names and patterns; data
# values reach DuckDB as registered tables, never as SQL text (file paths are quoted).

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["ALL_PAIRS", "HEADS", "candidate_pairs"]

ALL_PAIRS = 12
HEADS = 3


def candidate_pairs(
    con: duckdb.DuckDBPyConnection,
    records: pa.Table,
    *,
    bands: int,
    all_pairs: int = ALL_PAIRS,
    heads: int = HEADS,
) -> pa.Table:
    """(match_key, join_key_l, join_key_r): the pairs to score, in Splink's blocked-pairs format."""
    columns = {
        "rid": pa.array(np.arange(records.num_rows, dtype=np.int32)),
        "component_id": records["component_id"],
    }
    for b in range(bands):
        columns[f"tb{b}"] = records[f"tb{b}"]
    con.register("candidate_records", pa.table(columns))
    unpivot = " UNION ALL ".join(
        f"SELECT rid, component_id, {b} AS band, tb{b} AS value FROM candidate_records WHERE tb{b} IS NOT NULL"
        for b in range(bands)
    )
    found = con.sql(
        f"""
        WITH sizes AS (SELECT component_id, count(*) AS records FROM candidate_records GROUP BY component_id),
        banded AS ({unpivot}),
        ranked AS (
            SELECT b.*, count(*) OVER (PARTITION BY band, value) AS block,
                   row_number() OVER (PARTITION BY band, value ORDER BY s.records DESC, b.component_id, b.rid)
                       AS position
            FROM banded b JOIN sizes s USING (component_id)),
        small AS (SELECT * FROM ranked WHERE block BETWEEN 2 AND {int(all_pairs)}),
        large AS (SELECT * FROM ranked WHERE block > {int(all_pairs)}),
        pairs AS (
            SELECT l.rid AS a, r.rid AS b
            FROM small l JOIN small r ON l.band = r.band AND l.value = r.value
            WHERE l.rid < r.rid AND l.component_id <> r.component_id
            UNION ALL
            SELECT least(m.rid, h.rid) AS a, greatest(m.rid, h.rid) AS b
            FROM large m JOIN (SELECT * FROM large WHERE position <= {int(heads)}) h
              ON m.band = h.band AND m.value = h.value
            WHERE m.rid <> h.rid AND m.component_id <> h.component_id)
        SELECT DISTINCT a, b FROM pairs
        """
    ).fetchnumpy()
    con.unregister("candidate_records")
    ids = records["unique_id"]
    left, right = np.asarray(found["a"]), np.asarray(found["b"])
    # Splink keeps the left id below the right one (as its own blocking does).
    left_ids = ids.take(pa.array(left)).combine_chunks() if len(left) else pa.array([], pa.string())
    right_ids = (
        ids.take(pa.array(right)).combine_chunks() if len(right) else pa.array([], pa.string())
    )
    swap = pc.greater(left_ids, right_ids)
    return pa.table(
        {
            "match_key": pa.array(["0"] * len(left), pa.string()),
            "join_key_l": pc.if_else(swap, right_ids, left_ids),
            "join_key_r": pc.if_else(swap, left_ids, right_ids),
        }
    )
