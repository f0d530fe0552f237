"""Linking one new item against the existing networks, in well under a second.

The index (``engine.LinkIndex``, saved by a full run) holds every identifier
that is not glue with its network and one item carrying it, the glue
identifiers, the comparison records (representatives and lone items) with
their networks, and the trained model. A new item is linked in three steps,
none of which relinks anything:

1. **Identifiers.** Its entities are extracted and normalised exactly as in a
   full run (the same DuckDB and Python code, on one row). An identifier that
   is not glue and is known names the item's network. If its identifiers name
   several networks the item would merge them: it joins the oldest, the
   explanation says so, and the next full run decides (and records the merge).
2. **Content.** Otherwise the records that share a text band with it are
   scored with the trained model (``model.Scorer``: the m and u of the
   Splink model, no database); the best one above the run's threshold names
   the network. Only ads are compared by text, as in a full run.
3. **Nothing.** Otherwise the item starts a network of its own (``None``).

``Incremental.link`` also adds the item to the in-memory index, so a second
new item can link to the first; ``save`` writes the index back.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from samverkan.intel.linkage import features, frames, normalise
from samverkan.intel.linkage.engine import LinkIndex, similarity_explanation
from samverkan.intel.linkage.model import Record, Scorer, probability

__all__ = ["ADDITIONS", "Incremental", "IncrementalLink"]

ADDITIONS = "additions.jsonl"
# The most records a new item's text is scored against (see ``_by_content``).
MAX_CANDIDATES = 256


@dataclass
class IncrementalLink:
    """The answer for one new item."""

    item_id: str
    network_id: str | None  # None: no existing network; the item starts its own
    kind: str  # "identifier", "similarity" or "none"
    match_weight: float | None
    match_probability: float | None
    linked_item: str | None  # the existing item that explains the link
    explanation: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


def _age(network_id: str) -> tuple[int, int, str]:
    from samverkan.intel.linkage.engine import _age as engine_age

    return engine_age(network_id)


class Incremental:
    def __init__(self, index: LinkIndex) -> None:
        self.index = index
        self.scorer = Scorer(index.model.splink)
        self.threshold = index.config.threshold
        self.bands = index.model.bands
        entities = index.entities
        self._entity: dict[tuple[str, str], tuple[str, str]] = {
            (kind, value): (network, item)
            for kind, value, network, item in zip(
                entities["kind"].to_pylist(),
                entities["value"].to_pylist(),
                entities["network_id"].to_pylist(),
                entities["item_id"].to_pylist(),
                strict=True,
            )
        }
        self._glue = set(
            zip(index.glue["kind"].to_pylist(), index.glue["value"].to_pylist(), strict=True)
        )
        self._glue_names = {value for kind, value in self._glue if kind == "name"}
        records = index.records
        self._records = records
        self._bands = self._band_matrix(records)
        self._added: list[tuple[Record, str, str]] = []  # (record, network, item id)
        self._next = index.next_network
        self._log: Path | None = None
        self._log_read = 0
        self.last_network: str | None = None
        # A shared identifier's weight, as in a full run, for an identifier carried by two items.
        items = max(index.items, 2)
        self.identifier_weight = self.scorer.prior_weight + math.log2(items * (items - 1) / 2)

    @classmethod
    def load(cls, directory: str | Path) -> Incremental:
        """The index saved in ``directory``, with the items linked since (``additions.jsonl``)."""
        incremental = cls(LinkIndex.load(directory))
        incremental._log = Path(directory) / ADDITIONS
        incremental.refresh()
        return incremental

    def refresh(self) -> None:
        """Replay the additions other processes logged since this one last looked."""
        if self._log is None or not self._log.exists():
            return
        with self._log.open("r", encoding="utf-8") as log:
            log.seek(self._log_read)
            for line in log:
                if not line.endswith("\n"):
                    break  # a line being written; read it next time
                self._log_read += len(line.encode("utf-8"))
                entry = json.loads(line)
                record = _record_from_json(entry["record"])
                self._remember(
                    entry["item_id"],
                    entry["network_id"],
                    [tuple(e) for e in entry["entities"]],
                    record,
                )
                self._next = max(self._next, int(entry.get("next_network", self._next)))

    def save(self, directory: str | Path) -> None:
        """Write the index with everything linked so far; the additions log starts afresh."""
        self.refresh()
        self._flush()
        self.index.next_network = self._next
        self.index.save(directory)
        log = Path(directory) / ADDITIONS
        if log.exists():
            log.unlink()
        if self._log is not None and self._log == log:
            self._log_read = 0

    @property
    def next_number(self) -> int:
        return self._next

    def new_network_id(self) -> str:
        network = f"N{self._next}"
        self._next += 1
        return network

    # --- linking ---

    def link(self, item: Mapping[str, Any]) -> IncrementalLink:
        import time

        started = time.perf_counter()
        table = frames.to_table([item]).table
        item_id = str(table["id"][0].as_py())
        con = duckdb.connect()
        con.sql("SET TimeZone = 'UTC'")
        features.load_items(con, table)
        features.extract_entities(con)
        found = con.sql("SELECT kind, value FROM entities ORDER BY kind, value").fetchall()
        con.close()
        answer = self._by_identifier(item_id, found)
        record = self._record(table, found)
        if answer is None:
            answer = self._by_content(item_id, record)
        network = answer.network_id
        if network is None:
            network = self.new_network_id()
        self.last_network = network
        self._remember(item_id, network, found, record)
        if self._log is not None:
            self._append(item_id, network, found, record)
        answer.seconds = time.perf_counter() - started
        return answer

    def _append(
        self, item_id: str, network: str, found: list[tuple[str, str]], record: Record
    ) -> None:
        assert self._log is not None
        self.refresh()
        entry = {
            "item_id": item_id,
            "network_id": network,
            "entities": [list(e) for e in found],
            "record": _record_to_json(record),
            "next_network": self._next,
        }
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._log.open("a", encoding="utf-8") as log:
            log.write(line)
        self._log_read += len(line.encode("utf-8"))

    def _by_identifier(self, item_id: str, found: list[tuple[str, str]]) -> IncrementalLink | None:
        hits: dict[str, list[tuple[str, str, str]]] = {}
        for kind, value in found:
            if kind not in features.STRONG_KINDS or (kind, value) in self._glue:
                continue
            known = self._entity.get((kind, value))
            if known is not None:
                hits.setdefault(known[0], []).append((kind, value, known[1]))
        if not hits:
            return None
        networks = sorted(hits, key=_age)
        chosen = networks[0]
        other = hits[chosen][0][2]
        explanation: dict[str, Any] = {
            "kind": "identifier",
            "shared": [{"kind": k, "value": v} for k, v, _ in hits[chosen]],
        }
        if len(networks) > 1:
            explanation["would_merge"] = networks
            explanation["note"] = (
                "the item names several networks; it joins the oldest until the next full run"
            )
        weight = self.identifier_weight
        explanation["match_weight"] = round(weight, 3)
        return IncrementalLink(
            item_id, chosen, "identifier", weight, probability(weight), other, explanation
        )

    def _record(self, table: pa.Table, found: list[tuple[str, str]]) -> Record:
        row = table.to_pylist()[0]
        is_ad = (row.get("kind") or "ad") == "ad"
        text = f"{row.get('title') or ''} {row.get('text') or ''}" if is_ad else ""
        bands = features.text_bands(pa.array([text]), bands=self.bands, rows=self.index.model.rows)[
            0
        ]
        names = sorted({value for kind, value in found if kind == "name"})
        rare = [n for n in names if n not in self._glue_names]
        observed = row.get("observed_at")
        return Record(
            bands=None if bands[0] == 0 else tuple(int(b) for b in bands),
            names_all=frozenset(names) or None,
            names_rare=frozenset(rare) or None,
            city=normalise.normalise_city(row["city"]) if row.get("city") else None,
            observed_date=observed.date() if isinstance(observed, dt.datetime) else None,
            age=row.get("age"),
            venue_kind=(row.get("venue_kind") or "").strip().lower() or None,
        )

    def _by_content(self, item_id: str, record: Record) -> IncrementalLink:
        if record.bands is None:
            return IncrementalLink(item_id, None, "none", None, None, None, {"kind": "none"})
        candidates: list[tuple[Record, str, str]] = []
        if len(self._bands):
            shared = np.zeros(len(self._bands), dtype=np.int16)
            for b, value in enumerate(record.bands):
                shared += self._bands[:, b] == value
            rows = np.flatnonzero(shared)
            if len(rows) > MAX_CANDIDATES:
                # A template shared by a large network's ads: as in a full run, a large block
                # is not compared member by member; the records sharing most bands (the most
                # alike texts) are, which bounds the time whatever the block's size.
                closest = np.argpartition(-shared[rows], MAX_CANDIDATES - 1)[:MAX_CANDIDATES]
                rows = np.sort(rows[closest])
            if len(rows):
                chosen = self._records.take(pa.array(rows)).to_pylist()
                candidates += [
                    (Record.from_row(r, self.bands), r["network_id"], r["unique_id"])
                    for r in chosen
                ]
        candidates += [c for c in self._added if c[0].bands and set(c[0].bands) & set(record.bands)]
        best: tuple[float, tuple[int, ...], str, str] | None = None
        for other, network, other_id in candidates:
            weight, chosen_levels = self.scorer.score(record, other)
            key = (weight, chosen_levels, network, other_id)
            if best is None or (weight, other_id) > (best[0], best[3]):
                best = key
        if best is None or probability(best[0]) < self.threshold:
            explanation: dict[str, Any] = {"kind": "none"}
            if best is not None:
                explanation["best"] = similarity_explanation(self.scorer, best[1], best[0])
            return IncrementalLink(item_id, None, "none", None, None, None, explanation)
        weight, chosen_levels, network, other_id = best
        return IncrementalLink(
            item_id,
            network,
            "similarity",
            weight,
            probability(weight),
            other_id,
            similarity_explanation(self.scorer, chosen_levels, weight),
        )

    def _remember(
        self, item_id: str, network: str, found: list[tuple[str, str]], record: Record
    ) -> None:
        for kind, value in found:
            if kind in features.STRONG_KINDS and (kind, value) not in self._glue:
                self._entity.setdefault((kind, value), (network, item_id))
        if record.bands is not None:
            self._added.append((record, network, item_id))

    def _flush(self) -> None:
        """Fold what was linked since loading into the index tables."""
        known = set(
            zip(
                self.index.entities["kind"].to_pylist(),
                self.index.entities["value"].to_pylist(),
                strict=True,
            )
        )
        extra = [(k, v, n, i) for (k, v), (n, i) in self._entity.items() if (k, v) not in known]
        if extra:
            kinds, values, networks, items = zip(*extra, strict=True)
            self.index.entities = pa.concat_tables(
                [
                    self.index.entities,
                    pa.table(
                        {
                            "kind": list(kinds),
                            "value": list(values),
                            "network_id": list(networks),
                            "item_id": list(items),
                        },
                        schema=self.index.entities.schema,
                    ),
                ]
            )
        if self._added:
            rows = []
            for record, network, item_id in self._added:
                row: dict[str, Any] = {
                    "unique_id": item_id,
                    "component_id": -1,
                    "network_id": network,
                }
                for b, value in enumerate(record.bands or ()):
                    row[f"tb{b}"] = value
                row["bb0"] = None
                row["names_all"] = sorted(record.names_all) if record.names_all else None
                row["names_rare"] = sorted(record.names_rare) if record.names_rare else None
                row.update(
                    city=record.city,
                    observed_date=record.observed_date,
                    age=record.age,
                    venue_kind=record.venue_kind,
                )
                rows.append(row)
            added = pa.Table.from_pylist(rows, schema=self.index.records.schema)
            self.index.records = pa.concat_tables([self.index.records, added])
            self._records = self.index.records
            self._bands = self._band_matrix(self._records)
            self._added = []

    def _band_matrix(self, records: pa.Table) -> np.ndarray:
        """(records, bands) int64, 0 where a record has no text."""
        if records.num_rows == 0:
            return np.zeros((0, self.bands), dtype=np.int64)
        return np.column_stack(
            [pc.fill_null(records[f"tb{b}"], 0).to_numpy() for b in range(self.bands)]
        ).astype(np.int64)


def _record_to_json(record: Record) -> dict[str, Any]:
    return {
        "bands": list(record.bands) if record.bands else None,
        "names_all": sorted(record.names_all) if record.names_all else None,
        "names_rare": sorted(record.names_rare) if record.names_rare else None,
        "city": record.city,
        "observed_date": record.observed_date.isoformat() if record.observed_date else None,
        "age": record.age,
        "venue_kind": record.venue_kind,
    }


def _record_from_json(data: Mapping[str, Any]) -> Record:
    return Record(
        bands=tuple(data["bands"]) if data.get("bands") else None,
        names_all=frozenset(data["names_all"]) if data.get("names_all") else None,
        names_rare=frozenset(data["names_rare"]) if data.get("names_rare") else None,
        city=data.get("city"),
        observed_date=dt.date.fromisoformat(data["observed_date"])
        if data.get("observed_date")
        else None,
        age=data.get("age"),
        venue_kind=data.get("venue_kind"),
    )
