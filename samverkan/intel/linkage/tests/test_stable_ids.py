"""Network ids across runs: kept while a network lives, the oldest on a merge, splits recorded."""

from __future__ import annotations

from typing import Any

from samverkan.demo.intel_items import GeneratedItems
from samverkan.intel.linkage.api import LinkResult, link_items
from samverkan.intel.linkage.engine import Merge, Split, assign_network_ids

IDS = ["a", "b", "c", "d", "e", "f"]


def test_first_run_numbers_networks_in_id_order() -> None:
    names, merges, splits = assign_network_ids(IDS, [0, 0, 1, 1, 2, 3], None)
    assert names == ["N1", "N1", "N2", "N2", "N3", "N4"]
    assert merges == [] and splits == []


def test_same_networks_keep_their_ids() -> None:
    previous = {"a": "N7", "b": "N7", "c": "N3", "d": "N3", "e": "N9", "f": "N10"}
    names, merges, splits = assign_network_ids(IDS, [5, 5, 2, 2, 8, 9], previous)
    assert names == ["N7", "N7", "N3", "N3", "N9", "N10"]
    assert merges == [] and splits == []


def test_a_merge_keeps_the_older_id_and_is_recorded() -> None:
    previous = {"a": "N7", "b": "N7", "c": "N3", "d": "N3", "e": "N9"}
    names, merges, splits = assign_network_ids(IDS, [0, 0, 0, 0, 1, 2], previous)
    assert names[:4] == ["N3"] * 4
    assert names[4] == "N9"
    assert names[5] == "N10"  # new: after the highest id seen
    assert merges == [Merge("N3", ("N7",), 4)]
    assert splits == []


def test_a_split_is_recorded_and_the_larger_part_keeps_the_id() -> None:
    previous = {"a": "N4", "b": "N4", "c": "N4", "d": "N5"}
    names, merges, splits = assign_network_ids(IDS, [0, 0, 1, 2, 3, 3], previous)
    assert names[:3] == ["N4", "N4", "N6"]
    assert names[3] == "N5"
    assert splits == [Split("N4", ("N4", "N6"), 3)]
    assert merges == []


def test_reserved_ids_are_not_issued_again() -> None:
    names, _merges, _splits = assign_network_ids(["a", "b"], [0, 1], {"a": "N2"}, reserved=["N8"])
    assert names == ["N2", "N9"]


def test_a_rerun_keeps_every_id(sample: GeneratedItems, sample_result: LinkResult) -> None:
    again = link_items(sample.items, previous=sample_result.assignments, model=sample_result.model)
    assert again.assignments == sample_result.assignments
    assert again.merges == [] and again.splits == []
    assert all(n.previous == (n.network_id,) for n in again.networks)


def test_a_new_item_joining_two_networks_merges_them_under_the_older_id(
    sample: GeneratedItems, sample_result: LinkResult
) -> None:
    rows = sample.items.to_pylist()
    by_network: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_network.setdefault(sample_result.assignments[row["id"]], []).append(row)
    # Two networks that each have an identifier of their own: a tip naming both.
    candidates = [
        (network, members)
        for network, members in sorted(by_network.items(), key=lambda kv: int(kv[0][1:]))
        if len(members) >= 3 and any(m["phones"] for m in members)
    ]
    (old, old_members), (young, young_members) = candidates[0], candidates[-1]
    phone_old = next(m["phones"][0] for m in old_members if m["phones"])
    phone_young = next(m["phones"][0] for m in young_members if m["phones"])
    tip = {
        "id": "tip-bridge",
        "kind": "tip",
        "text": f"Båda numren {phone_old} och {phone_young} hör ihop.",
    }
    result = link_items([*rows, tip], previous=sample_result.assignments, model=sample_result.model)
    assert result.assignments["tip-bridge"] == old
    assert {m["id"] for m in young_members} <= {
        i for i, n in result.assignments.items() if n == old
    }
    assert any(m.network_id == old and young in m.absorbed for m in result.merges)
