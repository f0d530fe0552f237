"""The linkage pipeline: items in, networks with stable ids and explained links out.

1. **Entities.** Identifiers are extracted from the list fields and the free
   text and normalised (``features``, ``normalise``).
2. **Glue and exact components** (``graph``). Identifiers that would join
   three or more otherwise-unconnected groups of items are glue and are left
   out; the others join their items. Each union is one explaining link, so a
   network of *n* items has *n − 1* identifier links, never all its pairs.
   Names are weak identifiers: they never link on their own, and a name used
   in three or more exact components is glue (not a "rare name" for the model).
3. **Records for the fuzzy part.** Items that share no (non-glue) identifier
   with any other item are records on their own; an exact component is
   represented by up to ``representatives`` of its items, one per distinct
   text (the most frequent texts first). So a network of two thousand ads
   enters the comparison as a handful of records.
4. **Splink** (``model``, ``backends``, ``blocking``) scores the candidate
   pairs: records that share a text band (MinHash LSH) and lie in different
   components, at most ``heads`` per record in a large block. The model is
   trained on a sample (u by random sampling, m from the exact components and
   by EM, λ by EM) unless a trained model is given. Pairs above ``related``
   (0.5) tell the third glue pass which groups read alike.
5. **Networks.** Pairs with a match probability of at least ``threshold``
   (0.995) join components: a component compared through a single record
   joins through its best pair only; two larger components need two agreeing
   pairs. One similar-looking ad cannot chain two networks together.
6. **Stable ids** (``assign_network_ids``). Each network of the previous run
   continues in the new network holding most of its items; a new network that
   continues several old ones keeps the oldest id and the merge is recorded;
   an old network whose items now lie in several networks is recorded as
   split. New networks get new ids.
"""

# ruff: noqa: S608 - the SQL is assembled from this module's own names and patterns; data
# values reach DuckDB as registered tables, never as SQL text (file paths are quoted).

from __future__ import annotations

import itertools
import json
import logging
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from samverkan.intel.linkage import blocking, features, frames, graph, normalise
from samverkan.intel.linkage import model as fs_model
from samverkan.intel.linkage.backends import Backend, Prediction, get_backend

__all__ = [
    "Glue",
    "Link",
    "LinkConfig",
    "LinkIndex",
    "LinkModel",
    "LinkResult",
    "Links",
    "Merge",
    "NetworkSummary",
    "Split",
    "assign_network_ids",
    "link_items",
]

logger = logging.getLogger(__name__)

NETWORK_ID = re.compile(r"^N(\d+)$")
TRAINING_SAMPLE = 50_000
TRAINING_PER_COMPONENT = 4
_NO_PAIRS = pa.table(
    {
        "unique_id_l": pa.array([], pa.string()),
        "unique_id_r": pa.array([], pa.string()),
        "match_weight": pa.array([], pa.float64()),
        "match_probability": pa.array([], pa.float64()),
        **{f"mw_{name}": pa.array([], pa.float64()) for name in fs_model.COMPARISONS},
    }
)


@dataclass(frozen=True)
class LinkConfig:
    """The few knobs of the pipeline; the defaults are what the benchmark measures."""

    min_span: int = graph.MIN_SPAN  # an identifier joining this many independent groups is glue
    min_outside: int = (
        graph.MIN_OUTSIDE
    )  # a group counts if this many of its items lack the identifier
    representatives: int = 8  # records per exact component
    threshold: float = 0.995  # match probability of a fuzzy link
    related: float = 0.5  # match probability at which content makes groups "related" for glue
    all_pairs: int = blocking.ALL_PAIRS  # a text block up to this size is compared pair by pair …
    heads: int = blocking.HEADS  # … a larger one member by member with its first records
    blocking_bands: int = 8  # text bands used as blocking keys (all 16 are compared)
    seed: int = fs_model.TRAINING_SEED
    threads: int | None = None  # DuckDB threads (default: all cores)
    memory_limit: str | None = None  # DuckDB memory limit, e.g. "6GB"


@dataclass(frozen=True)
class LinkModel:
    """A trained model: Splink's settings dictionary with m, u and λ."""

    splink: dict[str, Any]
    bands: int = features.BANDS
    rows: int = features.ROWS
    trained: bool = True  # False: nothing to compare in the data it came from; no fuzzy links

    def to_json(self) -> str:
        return json.dumps(
            {"splink": self.splink, "bands": self.bands, "rows": self.rows, "trained": self.trained}
        )

    @classmethod
    def from_json(cls, text: str) -> LinkModel:
        data = json.loads(text)
        return cls(
            data["splink"], int(data["bands"]), int(data["rows"]), bool(data.get("trained", True))
        )

    @property
    def scorer(self) -> fs_model.Scorer:
        return fs_model.Scorer(self.splink)


@dataclass(frozen=True)
class Glue:
    kind: str
    value: str
    items: int  # items that carry it
    span: int  # otherwise-unconnected groups it would join

    @property
    def reason(self) -> str:
        return (
            f"would join {self.span} otherwise unconnected groups of items "
            f"(carried by {self.items} items); not used as a link"
        )


@dataclass(frozen=True)
class Link:
    """Why two items are in the same network."""

    a: str
    b: str
    network_id: str
    kind: str  # "identifier" or "similarity"
    match_weight: float
    match_probability: float | None
    explanation: dict[str, Any]


@dataclass(frozen=True)
class Merge:
    network_id: str  # the id kept (the oldest)
    absorbed: tuple[str, ...]  # ids that continue in it
    items: int


@dataclass(frozen=True)
class Split:
    network_id: str  # the old network
    parts: tuple[str, ...]  # the networks its items are in now, largest share first
    items: int


@dataclass(frozen=True)
class NetworkSummary:
    network_id: str
    size: int
    first_seen: Any
    last_seen: Any
    cities: tuple[str, ...]
    previous: tuple[str, ...]  # the previous run's networks it continues


class Links:
    """The explaining links of a run, built lazily (a national run has millions)."""

    def __init__(self, identifier: pa.Table, similarity: pa.Table, scorer: fs_model.Scorer) -> None:
        self.identifier = identifier
        self.similarity = similarity
        self._scorer = scorer

    def __len__(self) -> int:
        return int(self.identifier.num_rows + self.similarity.num_rows)

    def __iter__(self) -> Iterator[Link]:
        for row in self.identifier.to_pylist():
            weight = float(row["match_weight"])
            yield Link(
                a=row["a"],
                b=row["b"],
                network_id=row["network_id"],
                kind="identifier",
                match_weight=weight,
                match_probability=fs_model.probability(weight),
                explanation={
                    "kind": "identifier",
                    "shared": [{"kind": row["entity_kind"], "value": row["entity_value"]}],
                    "items_with_identifier": int(row["items"]),
                    "match_weight": round(weight, 3),
                },
            )
        for row in self.similarity.to_pylist():
            chosen = [
                self._scorer.level_from_weight(name, float(row[f"mw_{name}"]))
                for name in fs_model.COMPARISONS
            ]
            yield Link(
                a=row["a"],
                b=row["b"],
                network_id=row["network_id"],
                kind="similarity",
                match_weight=float(row["match_weight"]),
                match_probability=float(row["match_probability"]),
                explanation=similarity_explanation(
                    self._scorer, chosen, float(row["match_weight"])
                ),
            )


def similarity_explanation(
    scorer: fs_model.Scorer, chosen: list[int] | tuple[int, ...], weight: float
) -> dict[str, Any]:
    return {
        "kind": "similarity",
        "match_weight": round(weight, 3),
        "prior_weight": round(scorer.prior_weight, 3),
        "comparisons": [
            {"comparison": c.comparison, "level": c.label, "match_weight": round(c.match_weight, 3)}
            for c in scorer.explain(chosen)
        ],
    }


@dataclass
class LinkIndex:
    """What incremental linking needs: the model, identifiers by network, and the records."""

    model: LinkModel
    entities: (
        pa.Table
    )  # kind, value, network_id, item_id (identifiers that are not glue, an item with each)
    glue: pa.Table  # kind, value
    records: pa.Table  # the comparison records with their network_id
    config: LinkConfig
    next_network: int
    items: int = 0  # items linked in the full run

    def save(self, directory: str | Path) -> None:
        import pyarrow.parquet as pq

        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        pq.write_table(self.entities, path / "entities.parquet")
        pq.write_table(self.glue, path / "glue.parquet")
        pq.write_table(self.records, path / "records.parquet")
        meta = {
            "config": self.config.__dict__,
            "next_network": self.next_network,
            "items": self.items,
        }
        (path / "model.json").write_text(self.model.to_json(), encoding="utf-8")
        (path / "meta.json").write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, directory: str | Path) -> LinkIndex:
        import pyarrow.parquet as pq

        path = Path(directory)
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        return cls(
            model=LinkModel.from_json((path / "model.json").read_text(encoding="utf-8")),
            entities=pq.read_table(path / "entities.parquet"),
            glue=pq.read_table(path / "glue.parquet"),
            records=pq.read_table(path / "records.parquet"),
            config=LinkConfig(**meta["config"]),
            next_network=int(meta["next_network"]),
            items=int(meta.get("items", 0)),
        )


@dataclass
class LinkResult:
    assignments: dict[str, str]  # item id → network id
    networks: list[NetworkSummary]
    links: Links
    glue: list[Glue]
    merges: list[Merge]
    splits: list[Split]
    model: LinkModel
    index: LinkIndex
    stats: dict[str, Any] = field(default_factory=dict)


class _Timer:
    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.last = self.started
        self.last_cpu = time.process_time()
        self.stages: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        cpu = time.process_time()
        self.stages[stage] = round(now - self.last, 3)
        self.cpu[stage] = round(cpu - self.last_cpu, 3)
        self.last, self.last_cpu = now, cpu

    @property
    def total(self) -> float:
        return round(time.perf_counter() - self.started, 3)


def link_items(
    items: frames.ItemsTable | pa.Table | Iterable[Mapping[str, Any]] | str | Path,
    *,
    backend: str | Backend = "duckdb",
    previous: Mapping[Any, Any] | None = None,
    model: LinkModel | None = None,
    config: LinkConfig | None = None,
    reserved: Iterable[str] = (),
) -> LinkResult:
    """Link items into networks. See the module docstring for the steps.

    ``previous`` maps item id → network id of the last run; ``reserved`` are
    network ids that must not be issued again (networks merged away or
    dissolved earlier, which ``previous`` no longer shows).
    """
    config = config or LinkConfig()
    timer = _Timer()
    frame = frames.to_table(items)
    timer.lap("read")
    con = duckdb.connect()
    con.sql("SET TimeZone = 'UTC'")
    con.sql("SET enable_progress_bar = false")
    if config.threads:
        con.sql(f"SET threads = {int(config.threads)}")
    if config.memory_limit:
        con.sql(f"SET memory_limit = '{config.memory_limit}'")
    table = features.load_items(con, frame.table)
    n = table.num_rows
    order = np.argsort(table["idx"].to_numpy(), kind="stable")  # order[idx] = row position
    ids = table["id"].take(pa.array(order)).to_pylist()
    features.extract_entities(con)
    timer.lap("entities")

    # --- identifiers: suspects (candidate glue) and exact components ---
    con.sql(
        f"""CREATE TABLE strong AS
        SELECT kind, value, count(*) AS df,
               CAST(row_number() OVER (ORDER BY count(*), kind, value) - 1 AS INTEGER) AS sid
        FROM entities WHERE kind IN {tuple(features.STRONG_KINDS)}
        GROUP BY kind, value HAVING count(*) >= 2"""
    )
    incidences = con.sql(
        "SELECT s.sid, e.idx FROM entities e JOIN strong s USING (kind, value) ORDER BY s.sid, e.idx"
    ).to_arrow_table()
    strong = con.sql("SELECT sid, kind, value, df FROM strong ORDER BY sid").to_arrow_table()
    m = strong.num_rows
    ptr = np.concatenate(
        ([0], np.cumsum(np.bincount(incidences["sid"].to_numpy(), minlength=m)))
    ).astype(np.int64)
    identifiers = graph.IdentifierGraph(n, ptr, incidences["idx"].to_numpy())
    suspects = identifiers.structural_passes(
        np.arange(m), min_span=config.min_span, min_outside=config.min_outside
    )
    component = identifiers.components()
    comp_size = np.bincount(component, minlength=n)[component]
    timer.lap("glue_and_components")

    con.register(
        "components",
        pa.table(
            {"idx": np.arange(n, dtype=np.int32), "component_id": component, "comp_size": comp_size}
        ),
    )
    # A name never links on its own; it is glue (not "rare") when it names items of three or
    # more separate components: in separate networks, as far as identifiers tell.
    name_rows = con.sql(
        f"""SELECT e.value, count(*) AS items, count(DISTINCT c.component_id) AS span
        FROM entities e JOIN components c USING (idx) WHERE e.kind = 'name'
        GROUP BY e.value HAVING count(DISTINCT c.component_id) >= {int(config.min_span)}
        ORDER BY e.value"""
    ).fetchall()
    name_glue = [
        Glue("name", str(value), int(count), int(span)) for value, count, span in name_rows
    ]
    con.register(
        "name_glue", pa.table({"value": pa.array([g.value for g in name_glue], pa.string())})
    )
    timer.lap("name_glue")

    # --- records for Splink ---
    # Only ads are compared by text: tips and observations are written in a fixed style by
    # others, so two of them look alike whoever they are about.
    is_ad = pc.fill_null(pc.equal(pc.fill_null(table["kind"], "ad"), "ad"), True)
    texts = pc.if_else(
        is_ad,
        pc.binary_join_element_wise(
            pc.fill_null(table["title"], ""), pc.fill_null(table["text"], ""), " "
        ),
        "",
    )
    bands = features.text_bands(texts, bands=features.BANDS, rows=features.ROWS)[order]
    timer.lap("text_bands")
    item_features = _item_features(con, n)
    records, representatives = _records(item_features, component, comp_size, bands, config)
    candidates = blocking.candidate_pairs(
        con, records, bands=config.blocking_bands, all_pairs=config.all_pairs, heads=config.heads
    )
    timer.lap("records_and_candidates")

    # --- the model and the fuzzy links ---
    if model is None:
        if candidates.num_rows:
            sample = _training_sample(item_features, component, bands, config)
            model = LinkModel(fs_model.train(records, candidates, sample, seed=config.seed))
        else:
            model = LinkModel(fs_model.untrained(), trained=False)
    timer.lap("training")
    engine = get_backend(backend) if isinstance(backend, str) else backend
    try:
        if config.threads or config.memory_limit:
            from samverkan.intel.linkage.backends import DuckDBBackend

            if isinstance(engine, DuckDBBackend):
                engine.threads, engine.memory_limit = config.threads, config.memory_limit
        if candidates.num_rows and model.trained:
            prediction = engine.predict(
                records, candidates, model.splink, min(config.related, config.threshold)
            )
        else:
            prediction = Prediction(_NO_PAIRS, 0, 0.0)
    finally:
        if isinstance(backend, str):
            engine.close()
    timer.lap("prediction")

    # --- glue confirmed against identifiers and content, networks ---
    related = _pairs_with_items(prediction.pairs, representatives, records)
    glue_ids, glue_spans = identifiers.content_pass(
        suspects,
        (related["idx_l"].to_numpy(), related["idx_r"].to_numpy()),
        min_span=config.min_span,
        min_outside=config.min_outside,
    )
    # Fuzzy links are chosen against the components as they stand after the glue decisions.
    final_component = identifiers.components()
    pairs = _with_components(
        related.filter(pa.array(related["match_probability"].to_numpy() >= config.threshold)),
        final_component,
    )
    records_per_component = np.bincount(final_component[representatives], minlength=n)
    used = _fuzzy_links_used(pairs, records_per_component)
    clusters = identifiers.components(
        identifiers.joined((used["idx_l"].to_numpy(), used["idx_r"].to_numpy()))
    )
    kinds = strong["kind"].to_pylist()
    values = strong["value"].to_pylist()
    frequency = strong["df"].to_pylist()
    glue = [
        Glue(kinds[e], values[e], int(frequency[e]), int(span))
        for e, span in zip(glue_ids, glue_spans, strict=True)
    ] + name_glue
    timer.lap("clustering")

    assignment_ids, merges, splits = assign_network_ids(ids, clusters, previous, reserved)
    assignments = dict(zip(ids, assignment_ids, strict=True))
    timer.lap("stable_ids")

    network_ids = np.array(assignment_ids, dtype=object)
    scorer = model.scorer
    identifier_links = _identifier_links(identifiers, strong, ids, network_ids, n, scorer)
    similarity_links = _similarity_links(used, ids, network_ids)
    links = Links(identifier_links, similarity_links, scorer)
    networks = _network_summaries(con, network_ids, order, table, previous)
    index = _index(con, network_ids, records, representatives, glue, model, config, assignment_ids)
    timer.lap("explanations")
    con.close()
    stats: dict[str, Any] = {
        "items": n,
        "backend": engine.name,
        "identifiers": int(m),
        "suspects": len(suspects),
        "glue": len(glue),
        "exact_components": len(np.unique(final_component)),
        "records": records.num_rows,
        "comparisons": prediction.comparisons,
        "comparisons_per_second": round(prediction.comparisons / prediction.seconds, 1)
        if prediction.seconds > 0
        else None,
        "fuzzy_pairs": pairs.num_rows,
        "related_pairs": related.num_rows,
        "fuzzy_links_used": used.num_rows,
        "networks": len({*assignment_ids}),
        "seconds": timer.total,
        "stages": timer.stages,
        "cpu_seconds": timer.cpu,
        "problems": dict(frame.problems),
    }
    return LinkResult(assignments, networks, links, glue, merges, splits, model, index, stats)


# --- records ---------------------------------------------------------------------------------------


def _item_features(con: duckdb.DuckDBPyConnection, n: int) -> pa.Table:
    """Per item (in idx order): id, names, normalised city, date, age, venue kind."""
    table = con.sql(
        """WITH names AS (
            SELECT e.idx,
                   list(e.value ORDER BY e.value) AS names_all,
                   list(e.value ORDER BY e.value) FILTER (WHERE g.value IS NULL) AS names_rare
            FROM entities e LEFT JOIN name_glue g ON g.value = e.value
            WHERE e.kind = 'name' GROUP BY e.idx)
        SELECT i.idx, i.id AS unique_id, i.city AS city_raw,
               CAST(i.observed_at AS DATE) AS observed_date,
               CAST(i.age AS INTEGER) AS age,
               nullif(lower(trim(i.venue_kind)), '') AS venue_kind,
               n.names_all,
               CASE WHEN len(n.names_rare) > 0 THEN n.names_rare END AS names_rare
        FROM items i LEFT JOIN names n USING (idx)
        ORDER BY i.idx"""
    ).to_arrow_table()
    assert table.num_rows == n
    cities = pc.dictionary_encode(table["city_raw"]).combine_chunks()
    assert isinstance(cities, pa.DictionaryArray)
    normalised = pa.array(
        [normalise.normalise_city(c) for c in cities.dictionary.to_pylist()], pa.string()
    )
    city = pc.take(normalised, cities.indices)
    return table.drop_columns(["city_raw"]).append_column("city", city)


def _records(
    item_features: pa.Table,
    component: np.ndarray,
    comp_size: np.ndarray,
    bands: np.ndarray,
    config: LinkConfig,
) -> tuple[pa.Table, np.ndarray]:
    """The Splink records (a few per component) and their item indices."""
    n = len(component)
    # One item per (component, first text band), the most frequent texts first.
    key = np.where(bands[:, 0] == 0, np.int64(0), bands[:, 0])
    idx = np.arange(n)
    sort = np.lexsort((idx, key, component))
    c_sorted, k_sorted = component[sort], key[sort]
    first = np.ones(n, dtype=bool)
    first[1:] = (c_sorted[1:] != c_sorted[:-1]) | (k_sorted[1:] != k_sorted[:-1])
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, n))
    candidate = sort[starts]  # smallest idx of each (component, text)
    cand_comp = component[candidate]
    rank_order = np.lexsort((candidate, -counts, cand_comp))
    ranked = candidate[rank_order]
    ranked_comp = cand_comp[rank_order]
    position = np.arange(len(ranked)) - np.searchsorted(ranked_comp, ranked_comp, side="left")
    chosen = np.sort(ranked[position < config.representatives])
    records = _comparison_table(item_features, component, bands, chosen)
    logger.info("records: %d of %d items", len(chosen), n)
    return records, chosen


def _comparison_table(
    item_features: pa.Table, component: np.ndarray, bands: np.ndarray, chosen: np.ndarray
) -> pa.Table:
    """The comparison columns of the items ``chosen``.

    ``bb0`` repeats ``tb0`` where at most ``blocking.ALL_PAIRS`` records share
    the value: the blocks of bounded size that EM training samples.
    """
    chosen_bands = bands[chosen]
    base = item_features.take(pa.array(chosen))
    table = base.select(["unique_id"]).append_column(
        "component_id", pa.array(component[chosen].astype(np.int64))
    )
    for b in range(chosen_bands.shape[1]):
        values = chosen_bands[:, b]
        table = table.append_column(f"tb{b}", pa.array(values, pa.int64(), mask=values == 0))
    first = chosen_bands[:, 0]
    _, inverse, block = np.unique(first, return_inverse=True, return_counts=True)
    table = table.append_column(
        "bb0",
        pa.array(first, pa.int64(), mask=(block[inverse] > blocking.ALL_PAIRS) | (first == 0)),
    )
    for name in ("names_all", "names_rare", "city", "observed_date", "age", "venue_kind"):
        table = table.append_column(name, base[name])
    return table


def _training_sample(
    item_features: pa.Table, component: np.ndarray, bands: np.ndarray, config: LinkConfig
) -> pa.Table:
    """A random sample of items for u and m: at most a few per exact component.

    Capping the items per component keeps the pairs inside large networks
    (quadratic in their size) from dominating the m estimates: every
    component speaks with about the same weight, as in the records compared.
    """
    n = len(component)
    rng = np.random.default_rng(config.seed)
    shuffled = rng.permutation(n)
    by_component = np.lexsort((np.arange(n), component[shuffled]))
    ordered = shuffled[by_component]
    comps = component[ordered]
    first = np.searchsorted(comps, comps, side="left")
    rank = np.arange(n) - first
    eligible = ordered[rank < TRAINING_PER_COMPONENT]
    chosen = np.sort(rng.choice(eligible, size=min(len(eligible), TRAINING_SAMPLE), replace=False))
    return _comparison_table(item_features, component, bands, chosen)


# --- clustering ----------------------------------------------------------------------------------


def _pairs_with_items(pairs: pa.Table, representatives: np.ndarray, records: pa.Table) -> pa.Table:
    """Scored record pairs with the item index of each side (``idx_l``, ``idx_r``)."""
    ids = records["unique_id"]
    left = representatives[
        pc.index_in(pairs["unique_id_l"], value_set=ids).to_numpy(zero_copy_only=False)
    ]
    right = representatives[
        pc.index_in(pairs["unique_id_r"], value_set=ids).to_numpy(zero_copy_only=False)
    ]
    return pairs.append_column("idx_l", pa.array(left, pa.int64())).append_column(
        "idx_r", pa.array(right, pa.int64())
    )


def _with_components(pairs: pa.Table, component: np.ndarray) -> pa.Table:
    left, right = pairs["idx_l"].to_numpy(), pairs["idx_r"].to_numpy()
    return pairs.append_column(
        "comp_l", pa.array(component[left].astype(np.int64), pa.int64())
    ).append_column("comp_r", pa.array(component[right].astype(np.int64), pa.int64()))


def _fuzzy_links_used(pairs: pa.Table, records_per_component: np.ndarray) -> pa.Table:
    """The pairs that join components.

    A component compared through a single record (an item without
    identifiers, or a component whose items all read alike) joins through its
    best pair only, so one similar-looking ad cannot chain two networks
    together. Two components compared through several records each join when
    at least two of their pairs agree and involve two different records on
    one side: a large network meets many records, and a single chance
    resemblance among them must not merge it with another.
    """
    if pairs.num_rows == 0:
        return pairs
    weight = pairs["match_weight"].to_numpy()
    left, right = pairs["idx_l"].to_numpy(), pairs["idx_r"].to_numpy()
    comp_l, comp_r = pairs["comp_l"].to_numpy(), pairs["comp_r"].to_numpy()
    lone_l = records_per_component[comp_l] <= 1
    lone_r = records_per_component[comp_r] <= 1
    keep = np.zeros(pairs.num_rows, dtype=bool)
    # Best pair of each lone component, over both sides (ties: the smaller other item).
    ends = np.concatenate((np.flatnonzero(lone_l), np.flatnonzero(lone_r)))
    if len(ends):
        lone_comp = np.concatenate((comp_l[lone_l], comp_r[lone_r]))
        other = np.concatenate((right[lone_l], left[lone_r]))
        ranked = np.lexsort((other, -weight[ends], lone_comp))
        first = np.ones(len(ranked), dtype=bool)
        first[1:] = lone_comp[ranked][1:] != lone_comp[ranked][:-1]
        keep[ends[ranked[first]]] = True
    # Between components with several records: at least two agreeing pairs.
    both = np.flatnonzero(~lone_l & ~lone_r)
    if len(both):
        low = np.minimum(comp_l[both], comp_r[both])
        high = np.maximum(comp_l[both], comp_r[both])
        key = low * (int(records_per_component.shape[0]) + 1) + high
        _, group, count = np.unique(key, return_inverse=True, return_counts=True)
        records_l = _distinct_per_group(group, left[both])
        records_r = _distinct_per_group(group, right[both])
        supported = (count >= 2) & ((records_l >= 2) | (records_r >= 2))
        keep[both[supported[group]]] = True
    return pairs.filter(pa.array(keep))


def _distinct_per_group(group: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Number of distinct ``values`` in each group (groups numbered 0…k−1)."""
    unique_pairs = np.unique(np.stack((group, values), axis=1), axis=0)
    return np.bincount(unique_pairs[:, 0], minlength=int(group.max()) + 1 if len(group) else 0)


# --- stable ids ----------------------------------------------------------------------------------


def _age(network_id: str) -> tuple[int, int, str]:
    match = NETWORK_ID.match(network_id)
    return (0, int(match.group(1)), "") if match else (1, 0, network_id)


def assign_network_ids(
    ids: list[str],
    clusters: np.ndarray | list[int],
    previous: Mapping[Any, Any] | None,
    reserved: Iterable[str] = (),
) -> tuple[list[str], list[Merge], list[Split]]:
    """Network id per item, keeping the previous run's ids (see the module docstring).

    Clusters are visited in the order of their first item id, so new ids are
    issued deterministically, after the highest id of ``previous`` and
    ``reserved``.
    """
    labels, cluster = np.unique(np.asarray(clusters), return_inverse=True)
    count = len(labels)
    sizes = np.bincount(cluster, minlength=count)
    keys = np.asarray(ids, dtype=object)
    is_sorted = all(a <= b for a, b in itertools.pairwise(ids))
    rank = (
        np.arange(len(ids))
        if is_sorted
        else np.argsort(np.argsort(keys, kind="stable"), kind="stable")
    )
    first = np.full(count, len(ids), dtype=np.int64)
    np.minimum.at(first, cluster, rank)
    old = {str(k): str(v) for k, v in (previous or {}).items()}
    overlap: dict[str, dict[int, int]] = {}
    if old:
        before = [old.get(i) for i in ids]
        known = np.flatnonzero(np.array([b is not None for b in before], dtype=bool))
        if len(known):
            networks, network_code = np.unique(
                np.array([before[k] for k in known], dtype=object), return_inverse=True
            )
            pair, counted = np.unique(network_code * count + cluster[known], return_counts=True)
            for code, target, n in zip(
                (pair // count).tolist(), (pair % count).tolist(), counted.tolist(), strict=True
            ):
                overlap.setdefault(str(networks[code]), {})[target] = n
    # Where each old network continues: the cluster with most of its items (ties: the earlier one).
    heirs: dict[int, list[str]] = defaultdict(list)
    for network, counts in overlap.items():
        heirs[min(counts, key=lambda c: (-counts[c], first[c]))].append(network)
    used_numbers = [_age(v)[1] for v in {*old.values(), *reserved} if _age(v)[0] == 0]
    next_number = max(used_numbers, default=0) + 1
    name = np.empty(count, dtype=object)
    merges: list[Merge] = []
    for c in np.argsort(first, kind="stable").tolist():
        candidates = sorted(heirs.get(c, []), key=_age)
        if candidates:
            name[c] = candidates[0]
            if len(candidates) > 1:
                merges.append(Merge(candidates[0], tuple(candidates[1:]), int(sizes[c])))
        else:
            name[c] = f"N{next_number}"
            next_number += 1
    splits = [
        Split(
            network,
            tuple(str(name[c]) for c in sorted(counts, key=lambda c: (-counts[c], first[c]))),
            sum(counts.values()),
        )
        for network, counts in sorted(overlap.items(), key=lambda kv: _age(kv[0]))
        if len(counts) > 1
    ]
    merges.sort(key=lambda m: _age(m.network_id))
    return list(name[cluster]), merges, splits


# --- explanations and summaries --------------------------------------------------------------------


def _identifier_links(
    identifiers: graph.IdentifierGraph,
    strong: pa.Table,
    ids: list[str],
    network_ids: np.ndarray,
    n: int,
    scorer: fs_model.Scorer,
) -> pa.Table:
    entity = np.array(identifiers.link_entity, dtype=np.int64)
    link_item = np.array(identifiers.link_item, dtype=np.int64)
    link_anchor = np.array(identifiers.link_anchor, dtype=np.int64)
    df = strong["df"].to_numpy()[entity].astype(np.float64)
    # Evidence of a shared identifier: how unlikely two unrelated items are to share it by chance.
    chance = df * (df - 1) / max(n * (n - 1), 1)
    weight = scorer.prior_weight - np.log2(np.maximum(chance, 1e-300))
    ids_array = np.array(ids, dtype=object)
    return pa.table(
        {
            "a": pa.array(ids_array[link_anchor], pa.string()),
            "b": pa.array(ids_array[link_item], pa.string()),
            "network_id": pa.array(network_ids[link_item], pa.string()),
            "entity_kind": strong["kind"].take(pa.array(entity)),
            "entity_value": strong["value"].take(pa.array(entity)),
            "items": pa.array(df.astype(np.int64)),
            "match_weight": pa.array(weight),
        }
    )


def _similarity_links(used: pa.Table, ids: list[str], network_ids: np.ndarray) -> pa.Table:
    left = used["idx_l"].to_numpy() if used.num_rows else np.zeros(0, dtype=np.int64)
    right = used["idx_r"].to_numpy() if used.num_rows else np.zeros(0, dtype=np.int64)
    ids_array = np.array(ids, dtype=object)
    table = pa.table(
        {
            "a": pa.array(ids_array[left], pa.string()),
            "b": pa.array(ids_array[right], pa.string()),
            "network_id": pa.array(network_ids[left], pa.string()),
        }
    )
    for column in ("match_weight", "match_probability", *(f"mw_{c}" for c in fs_model.COMPARISONS)):
        table = table.append_column(
            column, used[column] if used.num_rows else pa.array([], pa.float64())
        )
    return table


def _network_summaries(
    con: duckdb.DuckDBPyConnection,
    network_ids: np.ndarray,
    order: np.ndarray,
    table: pa.Table,
    previous: Mapping[Any, Any] | None,
) -> list[NetworkSummary]:
    con.register(
        "assignment",
        pa.table(
            {
                "idx": np.arange(len(network_ids), dtype=np.int32),
                "network_id": pa.array(network_ids, pa.string()),
            }
        ),
    )
    rows = con.sql(
        """SELECT a.network_id, count(*) AS size, min(i.observed_at), max(i.observed_at),
                  list(DISTINCT i.city ORDER BY i.city) FILTER (WHERE i.city IS NOT NULL)
           FROM assignment a JOIN items i USING (idx) GROUP BY a.network_id ORDER BY a.network_id"""
    ).fetchall()
    before: dict[str, set[str]] = defaultdict(set)
    if previous:
        ids = table["id"].take(pa.array(order)).to_pylist()
        old = {str(k): str(v) for k, v in previous.items()}
        for item_id, network in zip(ids, network_ids.tolist(), strict=True):
            if item_id in old:
                before[network].add(old[item_id])
    return [
        NetworkSummary(
            str(r[0]),
            int(r[1]),
            r[2],
            r[3],
            tuple(r[4] or ()),
            tuple(sorted(before.get(str(r[0]), ()), key=_age)),
        )
        for r in rows
    ]


def _index(
    con: duckdb.DuckDBPyConnection,
    network_ids: np.ndarray,
    records: pa.Table,
    representatives: np.ndarray,
    glue: list[Glue],
    model: LinkModel,
    config: LinkConfig,
    assignment_ids: list[str],
) -> LinkIndex:
    glue_table = pa.table(
        {
            "kind": pa.array([g.kind for g in glue], pa.string()),
            "value": pa.array([g.value for g in glue], pa.string()),
        }
    )
    con.register("glue_table", glue_table)
    entities = con.sql(
        f"""SELECT e.kind, e.value, min(a.network_id) AS network_id, min(i.id) AS item_id
            FROM entities e JOIN assignment a USING (idx) JOIN items i USING (idx)
            ANTI JOIN glue_table g ON g.kind = e.kind AND g.value = e.value
            WHERE e.kind IN {tuple(features.STRONG_KINDS)}
            GROUP BY e.kind, e.value"""
    ).to_arrow_table()
    indexed_records = records.append_column(
        "network_id", pa.array(network_ids[representatives], pa.string())
    )
    numbers = [_age(v)[1] for v in set(assignment_ids) if _age(v)[0] == 0]
    return LinkIndex(
        model,
        entities,
        glue_table,
        indexed_records,
        config,
        max(numbers, default=0) + 1,
        len(network_ids),
    )
