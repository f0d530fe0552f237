"""One new item against the existing networks: by identifier, by content, or none; fast."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from samverkan.demo.intel_items import GeneratedItems
from samverkan.intel.linkage.api import (
    Incremental,
    LinkageStateMissing,
    LinkResult,
    link_one,
    link_records,
)


@pytest.fixture(scope="module")
def state(
    sample: GeneratedItems, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, LinkResult, list[dict[str, Any]]]:
    rows = sample.items.to_pylist()
    held_out = [r for r in rows if r["kind"] == "ad"][-40:]
    kept = [r for r in rows if r not in held_out]
    directory = tmp_path_factory.mktemp("state")
    result = link_records(kept, state_dir=directory)
    return directory, result, held_out


def test_new_items_join_their_networks(
    state: tuple[Path, LinkResult, list[dict[str, Any]]], sample: GeneratedItems
) -> None:
    directory, result, held_out = state
    truth = sample.truth_by_id()
    incremental = Incremental.load(directory)
    members: dict[str, set[str]] = {}
    for item, network in result.assignments.items():
        members.setdefault(network, set()).add(truth[item])
    right = 0
    for row in held_out:
        answer = incremental.link(row)  # its time: make bench-intel (docs/benchmarks.md), not here
        if answer.network_id is None:
            right += truth[row["id"]] not in {truth[i] for i in result.assignments}
        else:
            right += truth[row["id"]] in members[answer.network_id]
            assert answer.kind in {"identifier", "similarity"}
            assert answer.linked_item in result.assignments
    assert right >= 0.9 * len(held_out)


def test_by_identifier_content_or_none(
    state: tuple[Path, LinkResult, list[dict[str, Any]]], sample: GeneratedItems
) -> None:
    directory, result, _held_out = state
    incremental = Incremental.load(directory)
    phone = next(e for e in result.index.entities.to_pylist() if e["kind"] == "phone")
    tip = {
        "id": "tip-new-1",
        "kind": "tip",
        "text": f"Numret {phone['value']} används av en ny kvinna.",
    }
    answer = incremental.link(tip)
    assert answer.kind == "identifier" and answer.network_id == phone["network_id"]
    assert answer.explanation["shared"] == [{"kind": "phone", "value": phone["value"]}]

    # An ad copied without any identifier is found by its text.
    record = next(r for r in result.index.records.to_pylist() if r["tb0"] is not None)
    original = next(r for r in sample.items.to_pylist() if r["id"] == record["unique_id"])
    copy = {
        **original,
        "id": "ad-copy-1",
        "text": re.sub(r"\d", "", original["text"]),
        "phones": [],
        "emails": [],
        "urls": [],
        "handles": [],
        "image_hashes": [],
        "address": None,
    }
    answer = incremental.link(copy)
    assert answer.kind == "similarity"
    assert answer.network_id == record["network_id"]
    assert answer.match_probability is not None and answer.match_probability >= 0.995
    assert {c["comparison"] for c in answer.explanation["comparisons"]} == {
        "text", "names", "city", "time", "age", "venue"
    }  # fmt: skip

    stranger = {"id": "obs-new-1", "kind": "observation", "text": "Inget känt.", "city": "Kiruna"}
    answer = incremental.link(stranger)
    assert answer.network_id is None and answer.kind == "none"


def test_link_one_uses_and_extends_the_saved_state(
    state: tuple[Path, LinkResult, list[dict[str, Any]]],
) -> None:
    directory, result, _held_out = state
    first = link_one(
        {
            "id": "ad-lone-1",
            "text": "Helt ny annons utan något gemensamt.",
            "phones": ["0741-999998"],
        },
        state_dir=directory,
    )
    assert first.created and first.assignments == {"ad-lone-1": first.network_id}
    assert first.network_id not in set(result.assignments.values())
    # A second new item with the first one's number joins it, also in another process.
    second = Incremental.load(directory).link({"id": "ad-lone-2", "phones": ["074-199 99 98"]})
    assert second.network_id == first.network_id and second.kind == "identifier"
    third = link_one({"id": "ad-lone-3", "phones": ["0741999998"]}, state_dir=directory)
    assert third.network_id == first.network_id and not third.created
    assert third.links and third.links[0].kind == "identifier"


def test_link_one_without_state(tmp_path: Path) -> None:
    with pytest.raises(LinkageStateMissing):
        link_one({"id": "x"}, state_dir=tmp_path)
