"""The linkage package's API for the intel app (imports the engine: Splink, DuckDB, NumPy).

Items are records in the import format (``frames``): ``id`` (str, unique),
``kind``, ``observed_at``, ``source``, ``title``, ``text``, ``phones``,
``emails``, ``urls``, ``handles``, ``names``, ``image_hashes`` (lists),
``age``, ``city``, ``address``, ``venue_kind``. Network ids are strings
``N1``, ``N2``, … (a smaller number is older).

``link_records(records, *, backend="duckdb", previous=None, model=None,
config=None, state_dir=None, reserved=()) -> LinkResult``
    Link all items (an iterable of dicts, an Arrow table, or a file path).
    ``previous`` maps item id → network id from the last run, so networks
    keep their ids (a merge keeps the oldest id, a split keeps it on the
    largest part); ``reserved`` are ids never to issue again (pass every
    network key the agency has ever had, merged and dissolved ones included).
    With ``state_dir`` the index for incremental linking is saved there (use
    one directory per agency). The result:

    - ``assignments``: dict item id → network id (every item; a lone item is
      a network of one).
    - ``networks``: ``NetworkSummary(network_id, size, first_seen, last_seen,
      cities, previous)`` per network.
    - ``links``: iterable of ``Link(a, b, network_id, kind, match_weight,
      match_probability, explanation)`` that explain every network:
      ``kind="identifier"`` (the shared identifier, ``n − 1`` links for
      ``n`` items, never all pairs) or ``kind="similarity"`` (each
      comparison's level and match weight). ``explanation`` is a JSON-able dict.
    - ``glue``: ``Glue(kind, value, items, span)`` with ``.reason``.
    - ``merges``: ``Merge(network_id, absorbed, items)``; ``splits``:
      ``Split(network_id, parts, items)``.
    - ``model`` (``LinkModel``, reusable: pass it back as ``model=`` to skip
      training), ``index`` (``LinkIndex``, ``.save(dir)``), ``stats``
      (timings, comparisons, comparisons per second).

``link_one(record, *, state_dir=None, previous=None) -> OneLink``
    Link one new item against the networks of the last full run saved in
    ``state_dir``, in well under a second, without relinking. The answer has
    ``assignments`` ({item id: network id}), ``links`` (at most one ``Link``
    explaining it), ``glue`` (empty), ``network_id``, ``created`` (True when
    the item starts a new network) and ``link`` (the ``IncrementalLink``).
    ``previous`` is accepted for symmetry with ``link_records`` and unused:
    the ids come from the saved state.

``Incremental.load(state_dir).link(item) -> IncrementalLink`` is the same
without the convenience (``network_id`` is None when no network matches).

``link_file(input, output, backend="duckdb")`` (``cli``) links a JSON Lines,
CSV or Parquet file and writes ``id,network_id``: what ``manage.py
link_intel --input FILE --output clusters.csv`` calls.

Also: ``normalise`` (``normalise_phone`` … ``find_vehicles``, one raw value
at a time) and ``read_items`` / ``to_table`` (``frames``). Synthetic items
with ground truth and their scores (pairwise and B-cubed precision, recall
and F1) are development tools: ``samverkan.demo.intel_items`` and
``samverkan.demo.linkage_quality``.

When no ``state_dir`` is given, ``$SAMVERKAN_LINKAGE_STATE`` is used, if set.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from samverkan.intel.linkage import normalise
from samverkan.intel.linkage.cli import link_file
from samverkan.intel.linkage.engine import (
    Glue,
    Link,
    LinkConfig,
    LinkIndex,
    LinkModel,
    LinkResult,
    Merge,
    NetworkSummary,
    Split,
    link_items,
)
from samverkan.intel.linkage.frames import InvalidItems, read_items, to_table
from samverkan.intel.linkage.incremental import Incremental, IncrementalLink

__all__ = [
    "STATE_ENVIRONMENT",
    "Glue",
    "Incremental",
    "IncrementalLink",
    "InvalidItems",
    "Link",
    "LinkConfig",
    "LinkIndex",
    "LinkModel",
    "LinkResult",
    "LinkageStateMissing",
    "Merge",
    "NetworkSummary",
    "OneLink",
    "Split",
    "link_file",
    "link_items",
    "link_one",
    "link_records",
    "normalise",
    "read_items",
    "to_table",
]

STATE_ENVIRONMENT = "SAMVERKAN_LINKAGE_STATE"


class LinkageStateMissing(FileNotFoundError):
    """No saved state to link one item against: run a full linkage with a state directory."""


@dataclass
class OneLink:
    """The answer of ``link_one``, shaped like a ``LinkResult`` for one item."""

    network_id: str
    created: bool
    link: IncrementalLink
    assignments: dict[str, str] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    glue: list[Glue] = field(default_factory=list)


def _state_dir(state_dir: str | Path | None) -> Path | None:
    if state_dir is not None:
        return Path(state_dir)
    configured = os.environ.get(STATE_ENVIRONMENT)
    return Path(configured) if configured else None


def link_records(
    records: Iterable[Mapping[str, Any]] | pa.Table | str | Path,
    *,
    backend: str = "duckdb",
    previous: Mapping[Any, Any] | None = None,
    model: LinkModel | None = None,
    config: LinkConfig | None = None,
    state_dir: str | Path | None = None,
    reserved: Iterable[str] = (),
) -> LinkResult:
    """Link all items; see the module docstring."""
    directory = _state_dir(state_dir)
    issued = list(reserved)
    if directory is not None and (directory / "meta.json").exists():
        # Ids issued since the last full run (by link_one) must not be issued twice.
        issued.append(f"N{Incremental.load(directory).next_number - 1}")
    result = link_items(
        records, backend=backend, previous=previous, model=model, config=config, reserved=issued
    )
    if directory is not None:
        result.index.save(directory)
        _loaded.pop(str(directory), None)
    return result


_loaded: dict[str, Incremental] = {}
_lock = threading.Lock()


def link_one(
    record: Mapping[str, Any],
    *,
    state_dir: str | Path | None = None,
    previous: Mapping[Any, Any] | None = None,
) -> OneLink:
    """Link one new item against the saved state; see the module docstring."""
    del previous  # the network ids come from the saved state
    directory = _state_dir(state_dir)
    if directory is None or not (directory / "meta.json").exists():
        raise LinkageStateMissing(
            f"no linkage state in {directory}; run a full linkage with a state directory"
        )
    with _lock:
        incremental = _loaded.get(str(directory))
        if incremental is None:
            incremental = Incremental.load(directory)
            _loaded[str(directory)] = incremental
        else:
            incremental.refresh()
        answer = incremental.link(record)
        network = answer.network_id or incremental.last_network
    assert network is not None
    links = []
    if answer.linked_item is not None and answer.match_weight is not None:
        links.append(
            Link(
                a=answer.linked_item,
                b=answer.item_id,
                network_id=network,
                kind=answer.kind,
                match_weight=answer.match_weight,
                match_probability=answer.match_probability,
                explanation=answer.explanation,
            )
        )
    return OneLink(
        network_id=network,
        created=answer.network_id is None,
        link=answer,
        assignments={answer.item_id: network},
        links=links,
    )
