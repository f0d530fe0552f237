"""Entities and text signatures of items, computed in DuckDB with the Python normalisers.

``load_items`` puts the canonical item table into a DuckDB connection as
``items`` with a dense integer ``idx`` (0 … n−1, in ``id`` order, so that
results never depend on the input order). ``extract_entities`` builds
``entities(idx, kind, value)``: DuckDB unnests the list fields and finds
numbers, e-mails, URLs and registrations in the free text (the same regular
expressions as ``normalise.find_*``); each *distinct* raw value is normalised
once in Python, so a number written the same way in a thousand ads costs one
call.

Text similarity uses MinHash over word pairs (shingles) of the title and text,
with identifiers and digits removed so that a shared switchboard number in two
texts does not make them look alike. ``text_bands`` cuts the signature into
``bands`` groups of ``rows`` values; two texts with Jaccard similarity *s*
share a given band with probability *s*^rows, so the number of equal bands
estimates the similarity (a comparison level in the model) and an equal band
is a blocking key (locality-sensitive hashing). The word hashes come from
DuckDB's ``hash``; the same SQL computes them for a single new item, so batch
and incremental linking agree.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from samverkan.intel.linkage import normalise

__all__ = [
    "BANDS",
    "ROWS",
    "STRONG_KINDS",
    "WEAK_KINDS",
    "extract_entities",
    "load_items",
    "text_bands",
]

# Identifiers whose sharing links items directly (unless they are glue).
STRONG_KINDS = ("phone", "email", "url", "handle", "image_hash", "address", "vehicle")
# Shared by chance too often to link on their own; compared by the model.
WEAK_KINDS = ("name",)
BANDS = 16
ROWS = 2
MINHASH_SEED = 20240601
_CHUNK_ITEMS = 200_000
_NOT_LETTER = re.compile(r"[^a-z]")


def load_items(con: duckdb.DuckDBPyConnection, table: pa.Table, *, name: str = "items") -> pa.Table:
    """``table`` with a dense ``idx`` column in ``id`` order, registered in ``con`` as ``name``."""
    order = pc.sort_indices(table["id"]).to_numpy()
    idx = np.empty(len(order), dtype=np.int32)
    idx[order] = np.arange(len(order), dtype=np.int32)
    indexed = table.add_column(0, "idx", pa.array(idx))
    con.register(name, indexed)
    return indexed


def _literal(pattern: str) -> str:
    return "'" + pattern.replace("'", "''") + "'"


_NORMALISERS: dict[tuple[str, str], Callable[[str], str | None]] = {
    ("phone", "field"): normalise.normalise_phone,
    ("phone", "text"): normalise.normalise_phone_candidate,
    ("email", "field"): normalise.normalise_email,
    ("email", "text"): normalise.normalise_email,
    ("url", "field"): normalise.normalise_url,
    ("url", "text"): normalise.normalise_url,
    ("handle", "field"): normalise.normalise_handle,
    ("name", "field"): normalise.normalise_name,
    ("image_hash", "field"): normalise.normalise_image_hash,
    ("address", "field"): normalise.normalise_address,
    ("vehicle", "text"): normalise.normalise_vehicle,
}


def extract_entities(con: duckdb.DuckDBPyConnection, *, items: str = "items", out: str = "entities") -> None:
    """Create ``out(idx, kind, value)``: every distinct normalised entity of every item."""
    free_text = "coalesce(title, '') || ' ' || coalesce(text, '')"
    parts = [
        f"SELECT idx, '{kind}' AS kind, 'field' AS origin, unnest({column}) AS raw FROM {items}"
        for kind, column in (
            ("phone", "phones"),
            ("email", "emails"),
            ("url", "urls"),
            ("handle", "handles"),
            ("name", "names"),
            ("image_hash", "image_hashes"),
        )
    ]
    parts.append(f"SELECT idx, 'address', 'field', address FROM {items} WHERE address IS NOT NULL")
    for kind, pattern in (
        ("phone", normalise.PHONE_IN_TEXT),
        ("email", normalise.EMAIL_IN_TEXT),
        ("url", normalise.URL_IN_TEXT),
        ("vehicle", normalise.VEHICLE_IN_TEXT),
    ):
        parts.append(
            f"SELECT idx, '{kind}', 'text', unnest(regexp_extract_all({free_text}, {_literal(pattern)})) FROM {items}"
        )
    con.sql(f"CREATE OR REPLACE TEMP TABLE raw_entities AS {' UNION ALL '.join(parts)}")
    distinct = con.sql(
        "SELECT DISTINCT kind, origin, raw FROM raw_entities WHERE raw IS NOT NULL"
    ).to_arrow_table()
    kinds = distinct["kind"].to_pylist()
    origins = distinct["origin"].to_pylist()
    raws = distinct["raw"].to_pylist()
    values = [
        _NORMALISERS[(kind, origin)](raw) for kind, origin, raw in zip(kinds, origins, raws, strict=True)
    ]
    mapping = pa.table(
        {"kind": kinds, "origin": origins, "raw": raws, "value": pa.array(values, pa.string())}
    )
    con.register("entity_values", mapping)
    con.sql(
        f"""CREATE OR REPLACE TABLE {out} AS
        SELECT DISTINCT r.idx, r.kind, v.value
        FROM raw_entities r JOIN entity_values v USING (kind, origin, raw)
        WHERE v.value IS NOT NULL"""
    )
    con.unregister("entity_values")
    con.sql("DROP TABLE raw_entities")


def word_pair_hashes(texts: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, hashes): the hashes of consecutive word pairs of each text, as a list array.

    Words are whitespace-separated tokens folded to lower-case ASCII letters
    (diacritics dropped, digits and punctuation removed, so phone numbers
    and prices vanish); e-mail addresses and URLs are dropped. Each distinct
    token is normalised and hashed once (BLAKE2b, stable across versions).
    A text of one word is represented by that word.
    """
    tokens = pc.ascii_split_whitespace(pc.fill_null(texts, ""))
    if isinstance(tokens, pa.ChunkedArray):
        tokens = tokens.combine_chunks()
    assert isinstance(tokens, pa.ListArray)
    offsets = tokens.offsets.to_numpy().astype(np.int64)
    encoded = pc.dictionary_encode(tokens.values)
    assert isinstance(encoded, pa.DictionaryArray)
    vocabulary = np.array([_word_hash(t) for t in encoded.dictionary.to_pylist()], dtype=np.uint64)
    word_hashes = vocabulary[encoded.indices.to_numpy(zero_copy_only=False)]
    # Drop the tokens that are no words (hash 0), then pair neighbours within each text.
    keep = word_hashes != 0
    owner = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))[keep]
    words = word_hashes[keep]
    counts = np.bincount(owner, minlength=len(offsets) - 1)
    word_offsets = np.concatenate(([0], np.cumsum(counts)))
    # Each word with its successor in the same text; a text of one word keeps that word alone.
    successor = np.zeros(len(words), dtype=np.uint64)
    same_text = np.zeros(len(words), dtype=bool)
    if len(words) > 1:
        same_text[:-1] = owner[1:] == owner[:-1]
        successor[:-1] = np.where(same_text[:-1], words[1:], 0)
    keep = same_text | (counts[owner] == 1)
    with np.errstate(over="ignore"):
        pairs = (words * np.uint64(0x9E3779B97F4A7C15) + successor)[keep]
    pair_counts = np.bincount(owner[keep], minlength=len(offsets) - 1)
    return np.concatenate(([0], np.cumsum(pair_counts))), _mix(pairs)


@functools.lru_cache(maxsize=1_000_000)
def _word_hash(token: str) -> int:
    if "@" in token or "://" in token or token.startswith("www."):
        return 0
    word = _NOT_LETTER.sub("", normalise.fold(token))
    if len(word) < 2:
        return 0
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little") or 1


def _mix(values: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: every input bit affects every output bit."""
    with np.errstate(over="ignore"):
        x = values ^ (values >> np.uint64(30))
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return x


def text_bands(texts: pa.ChunkedArray | pa.Array, *, bands: int = BANDS, rows: int = ROWS) -> np.ndarray:
    """(n, bands) int64 MinHash band values per text; 0 where there is no text.

    One-permutation MinHash: the top bits of each pair hash choose one of
    ``bands × rows`` bins and each bin keeps its minimum, which estimates the
    Jaccard similarity like ``bands × rows`` independent permutations at the
    cost of one pass; an empty bin borrows from the next non-empty one
    (densification), so short texts still get full signatures. Zero stands
    for "no text" (a band value is never 0 in practice: 1 in 2⁶⁴).
    """
    n = len(texts)
    bins = bands * rows
    assert bins & (bins - 1) == 0, "bands × rows must be a power of two"
    shift = np.uint64(64 - (bins.bit_length() - 1))
    result = np.zeros((n, bands), dtype=np.uint64)
    for start in range(0, n, _CHUNK_ITEMS):
        chunk = texts.slice(start, min(_CHUNK_ITEMS, n - start))
        offsets, hashes = word_pair_hashes(chunk)
        m = len(offsets) - 1
        owner = np.repeat(np.arange(m), np.diff(offsets))
        empty = np.iinfo(np.uint64).max
        signature = np.full(m * bins, empty, dtype=np.uint64)
        slot = owner * bins + (hashes >> shift).astype(np.int64)
        np.minimum.at(signature, slot, hashes << np.uint64(bins.bit_length() - 1))
        signature = signature.reshape(m, bins)
        has_text = np.diff(offsets) > 0
        # Densification: an empty bin takes the next non-empty bin's value, marked by the distance.
        missing = (signature == empty) & has_text[:, None]
        if missing.any():
            filled = signature.copy()
            for step in range(1, bins):
                todo = missing & (filled == empty)
                if not todo.any():
                    break
                neighbour = np.roll(signature, -step, axis=1)
                with np.errstate(over="ignore"):
                    candidate = np.where(neighbour == empty, empty, neighbour + np.uint64(step))
                filled[todo] = candidate[todo]
            signature = filled
        with np.errstate(over="ignore"):
            for b in range(bands):
                value = np.zeros(m, dtype=np.uint64)
                for r in range(rows):
                    value = value * np.uint64(0x9E3779B97F4A7C15) + signature[:, b * rows + r]
                value = _mix(value)
                value[value == 0] = 1
                value[~has_text] = 0
                result[start : start + m, b] = value
    return result.view(np.int64)
