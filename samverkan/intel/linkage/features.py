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

# ruff: noqa: S608 - the SQL is assembled from this module's own names and patterns; data
# values reach DuckDB as registered tables, never as SQL text (file paths are quoted).

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

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
_CHUNK_ITEMS = 250_000
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


_NORMALISERS: dict[str, Callable[[str], str | None]] = {
    "phone": normalise.normalise_phone,
    "email": normalise.normalise_email,
    "url": normalise.normalise_url,
    "handle": normalise.normalise_handle,
    "name": normalise.normalise_name,
    "image_hash": normalise.normalise_image_hash,
    "address": normalise.normalise_address,
    "vehicle": normalise.normalise_vehicle,
}

# Identifiers in free text, all kinds in one pass (leftmost match wins: a URL before the
# phone-like digits inside it). Each match is classified by ``_text_kind``.
TEXT_IDENTIFIERS = "|".join(
    f"(?:{pattern})"
    for pattern in (
        normalise.URL_IN_TEXT,
        normalise.EMAIL_IN_TEXT,
        normalise.PHONE_IN_TEXT,
        normalise.VEHICLE_IN_TEXT,
    )
)
_URL_MATCH = re.compile(normalise.URL_IN_TEXT, re.ASCII)
_EMAIL_MATCH = re.compile(normalise.EMAIL_IN_TEXT, re.ASCII)
_VEHICLE_MATCH = re.compile(normalise.VEHICLE_IN_TEXT, re.ASCII)

# Fast paths in SQL for the bulk of the values; each gives exactly what the Python
# normaliser gives for the inputs it accepts (NULL otherwise: the value goes to Python).
# A test checks the equality on many inputs.
# ``digits`` (phones) and ``hexed`` (image hashes) are computed once per value, see below.
_PHONE_NATIONAL = """CASE
    WHEN starts_with(digits, '+46') THEN ltrim(substr(digits, 4), '0')
    WHEN starts_with(digits, '0046') THEN ltrim(substr(digits, 5), '0')
    WHEN starts_with(digits, '0') AND NOT starts_with(digits, '00') THEN substr(digits, 2)
    END"""
FAST_PATHS = {
    "phone": """CASE WHEN trim(raw) <> ''
        AND NOT regexp_matches(raw, '\\pL')
        AND NOT (origin = 'text' AND regexp_full_match(trim(raw), '\\(?\\d{1,2}[-/.]\\d{1,2}[-/.]\\d{2,4}\\)?'))
        AND regexp_full_match(national, '[1-9][0-9]{6,8}')
        THEN '+46' || national END""",
    "url": """CASE WHEN regexp_full_match(raw, '(https?://)?(www\\.)?[a-z0-9-]+(\\.[a-z0-9-]+)+(/[a-z0-9._~-]*)*')
        AND NOT regexp_matches(raw, '[.]$')
        AND NOT regexp_full_match(raw, '(https?://)?www\\.[a-z0-9-]+')
        THEN rtrim(regexp_replace(raw, '^(https?://)?(www\\.)?', ''), '/') END""",
    "image_hash": """CASE WHEN regexp_full_match(hexed, '[0-9a-f]{8,128}') THEN hexed END""",
}
_FAST_INPUTS = """
    CASE WHEN kind = 'phone' THEN regexp_replace(replace(raw, '(0)', ''), '[^0-9+]', '', 'g') END AS digits,
    CASE WHEN kind = 'image_hash'
        THEN regexp_replace(regexp_replace(lower(trim(raw)), '[[:space:]:_-]', '', 'g'), '^0x', '') END AS hexed"""


def _text_kind(raw: str) -> str:
    if _URL_MATCH.fullmatch(raw):
        return "url"
    if _EMAIL_MATCH.fullmatch(raw):
        return "email"
    if _VEHICLE_MATCH.fullmatch(raw):
        return "vehicle"
    return "phone"


def _normalised(kind: str, origin: str, raw: str) -> str | None:
    """What the batch stores for a raw value of ``kind`` found in a field or in free text."""
    if kind == "phone" and origin == "text":
        return normalise.normalise_phone_candidate(raw)
    return _NORMALISERS[kind](raw)


def extract_entities(
    con: duckdb.DuckDBPyConnection, *, items: str = "items", out: str = "entities"
) -> None:
    """Create ``out(idx, kind, value)``: every distinct normalised entity of every item."""
    free_text = "coalesce(title, '') || ' ' || coalesce(text, '')"
    parts = [
        f"SELECT idx, '{kind}' AS kind, unnest({column}) AS raw FROM {items}"
        for kind, column in (
            ("phone", "phones"),
            ("email", "emails"),
            ("url", "urls"),
            ("handle", "handles"),
            ("name", "names"),
            ("image_hash", "image_hashes"),
        )
    ]
    parts.append(f"SELECT idx, 'address', address FROM {items} WHERE address IS NOT NULL")
    parts.append(
        f"SELECT idx, 'text', unnest(regexp_extract_all({free_text}, {_literal(TEXT_IDENTIFIERS)})) FROM {items}"
    )
    con.sql(f"CREATE OR REPLACE TEMP TABLE raw_entities AS {' UNION ALL '.join(parts)}")
    con.sql(
        "CREATE OR REPLACE TEMP TABLE raw_values AS SELECT DISTINCT kind, raw FROM raw_entities WHERE raw IS NOT NULL"
    )
    # Text matches: classify once per distinct match (cheap), then treat them like fields.
    texts = con.sql("SELECT raw FROM raw_values WHERE kind = 'text'").fetchnumpy()["raw"]
    classified = pa.table(
        {
            "raw": pa.array(list(texts), pa.string()),
            "as_kind": pa.array([_text_kind(r) for r in texts], pa.string()),
        }
    )
    con.register("text_kinds", classified)
    con.sql(
        """CREATE OR REPLACE TEMP TABLE typed AS
        SELECT v.kind AS source, coalesce(t.as_kind, v.kind) AS kind,
               CASE WHEN v.kind = 'text' THEN 'text' ELSE 'field' END AS origin, v.raw
        FROM raw_values v LEFT JOIN text_kinds t ON v.kind = 'text' AND t.raw = v.raw"""
    )
    con.unregister("text_kinds")
    cases = " ".join(f"WHEN kind = '{kind}' THEN {sql}" for kind, sql in FAST_PATHS.items())
    con.sql(
        f"""CREATE OR REPLACE TEMP TABLE fast AS
        WITH prepared AS (SELECT *, {_FAST_INPUTS} FROM typed),
        national AS (SELECT *, {_PHONE_NATIONAL} AS national FROM prepared)
        SELECT source, kind, origin, raw, CASE {cases} END AS value FROM national"""
    )
    slow = con.sql(
        "SELECT source, kind, origin, raw FROM fast WHERE value IS NULL"
    ).to_arrow_table()
    values = [
        _normalised(kind, origin, raw)
        for kind, origin, raw in zip(
            slow["kind"].to_pylist(),
            slow["origin"].to_pylist(),
            slow["raw"].to_pylist(),
            strict=True,
        )
    ]
    con.register("slow_values", slow.append_column("value", pa.array(values, pa.string())))
    con.sql(
        f"""CREATE OR REPLACE TABLE {out} AS
        WITH mapping AS (
            SELECT source, kind, raw, value FROM fast WHERE value IS NOT NULL
            UNION ALL SELECT source, kind, raw, value FROM slow_values WHERE value IS NOT NULL)
        SELECT DISTINCT r.idx, m.kind, m.value
        FROM raw_entities r JOIN mapping m ON m.source = r.kind AND m.raw = r.raw"""
    )
    con.unregister("slow_values")
    for table in ("raw_entities", "raw_values", "typed", "fast"):
        con.sql(f"DROP TABLE {table}")


def word_pair_hashes(texts: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(owner, hashes): the hash of each pair of neighbouring words, and the text it is from.

    Words are whitespace-separated tokens folded to lower-case ASCII letters
    (diacritics dropped, digits and punctuation removed, so phone numbers
    and prices vanish); e-mail addresses and URLs are dropped. Each distinct
    token is normalised and hashed once (BLAKE2b, stable across versions).
    A pair spanning a dropped token is not formed; a text without any pair is
    represented by its words.
    """
    tokens = pc.ascii_split_whitespace(pc.fill_null(texts, ""))
    if isinstance(tokens, pa.ChunkedArray):
        tokens = tokens.combine_chunks()
    assert isinstance(tokens, pa.ListArray)
    offsets = tokens.offsets.to_numpy()
    n = len(offsets) - 1
    encoded = pc.dictionary_encode(tokens.values)
    assert isinstance(encoded, pa.DictionaryArray)
    vocabulary = np.fromiter(
        (_word_hash(t) for t in encoded.dictionary.to_pylist()),
        dtype=np.uint64,
        count=len(encoded.dictionary),
    )
    words = vocabulary[encoded.indices.to_numpy(zero_copy_only=False)]
    owner = np.repeat(np.arange(n, dtype=np.int64), np.diff(offsets))
    valid = words[:-1] != 0
    valid &= words[1:] != 0
    valid &= owner[:-1] == owner[1:]
    with np.errstate(over="ignore"):
        pairs = words[:-1][valid] * np.uint64(0x9E3779B97F4A7C15) + words[1:][valid]
    pair_owner = owner[:-1][valid]
    # Texts without a single pair keep their words.
    lonely = np.bincount(pair_owner, minlength=n) == 0
    if lonely.any():
        single = lonely[owner] & (words != 0)
        pair_owner = np.concatenate((pair_owner, owner[single]))
        pairs = np.concatenate((pairs, words[single]))
    return pair_owner, _mix(pairs)


@functools.lru_cache(maxsize=1_000_000)
def _word_hash(token: str) -> int:
    if "@" in token or "://" in token or token.startswith("www."):
        return 0
    word = token.lower()
    if not word.isascii():
        word = normalise.fold(word)
    word = _NOT_LETTER.sub("", word)
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
    mixed: np.ndarray = x
    return mixed


def text_bands(
    texts: pa.ChunkedArray | pa.Array, *, bands: int = BANDS, rows: int = ROWS
) -> np.ndarray:
    """(n, bands) int64 MinHash band values per text; 0 where there is no text.

    One-permutation MinHash: the top bits of each pair hash choose one of
    ``bands × rows`` bins and each bin keeps its minimum, which estimates the
    Jaccard similarity like ``bands × rows`` independent permutations at the
    cost of one pass; an empty bin borrows from the next non-empty one
    (densification), so short texts still get full signatures. Zero stands
    for "no text" (a band value is never 0 in practice: 1 in 2⁶⁴). Chunks of
    texts are hashed on two threads (Arrow and NumPy release the GIL).
    """
    n = len(texts)
    bins = bands * rows
    assert bins & (bins - 1) == 0, "bands × rows must be a power of two"
    result = np.zeros((n, bands), dtype=np.uint64)

    def chunk(start: int) -> None:
        m = min(_CHUNK_ITEMS, n - start)
        result[start : start + m] = _chunk_bands(texts.slice(start, m), m, bands, rows)

    starts = list(range(0, n, _CHUNK_ITEMS))
    if len(starts) > 1:
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(chunk, starts))
    else:
        for start in starts:
            chunk(start)
    return result.view(np.int64)


def _chunk_bands(texts: pa.ChunkedArray | pa.Array, m: int, bands: int, rows: int) -> np.ndarray:
    bins = bands * rows
    bits = bins.bit_length() - 1
    empty = np.uint64(np.iinfo(np.uint64).max)
    owner, hashes = word_pair_hashes(texts)
    signature = np.full(m * bins, empty, dtype=np.uint64)
    slot = owner * bins + (hashes >> np.uint64(64 - bits)).astype(np.int64)
    np.minimum.at(signature, slot, hashes << np.uint64(bits))
    signature = _densify(signature.reshape(m, bins), empty)
    has_text = np.bincount(owner, minlength=m) > 0
    with np.errstate(over="ignore"):
        grouped = signature.reshape(m, bands, rows)
        value = np.zeros((m, bands), dtype=np.uint64)
        for r in range(rows):
            value = value * np.uint64(0x9E3779B97F4A7C15) + grouped[:, :, r]
        value = _mix(value)
    value[value == 0] = 1
    value[~has_text] = 0
    return value


def _densify(signature: np.ndarray, empty: np.uint64) -> np.ndarray:
    """Fill each empty bin from the next non-empty one (circularly), marked by the distance."""
    bins = signature.shape[1]
    gaps = np.flatnonzero((signature == empty).any(axis=1) & (signature != empty).any(axis=1))
    if len(gaps) == 0:
        return signature
    part = signature[gaps]
    filled = part.copy()
    todo = part == empty
    step = 1
    while todo.any() and step < bins:
        source = np.roll(part, -step, axis=1)
        take = todo & (source != empty)
        with np.errstate(over="ignore"):
            filled[take] = source[take] + np.uint64(step)
        todo &= ~take
        step += 1
    signature[gaps] = filled
    return signature
