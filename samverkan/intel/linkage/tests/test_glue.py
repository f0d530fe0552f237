"""Glue identifiers: detected from the data, reported, and never a link between networks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from samverkan.intel.linkage.api import link_items
from samverkan.intel.linkage.tests.conftest import fictional, network_ads

SWITCHBOARD = "08-465 004 00"  # PTS fiction range
HOTEL = "Fyrgatan 12, 111 22 Stockholm"


def networks_of(assignments: dict[str, str]) -> dict[str, set[str]]:
    """True network (the id's prefix) → the predicted networks its items are in."""
    found: dict[str, set[str]] = {}
    for item, network in assignments.items():
        found.setdefault(item.split("-")[0], set()).add(network)
    return found


def test_switchboard_in_many_networks_ads_does_not_merge_them(
    make_item: Callable[..., Any],
) -> None:
    def hotel(i: int) -> dict[str, Any]:
        # Every other ad prints the hotel's switchboard, in the text and as a contact number.
        if i % 2:
            return {}
        return {"text_suffix": "", "phones_extra": True}

    items = []
    for network in range(1, 9):
        ads = network_ads(make_item, network, 6)
        for i, ad in enumerate(ads):
            if i % 2 == 0:
                ad["phones"] = [*ad["phones"], SWITCHBOARD]
                ad["text"] += (
                    f" Bor på Hotell Fyren, ring receptionen {SWITCHBOARD} och fråga efter mig."
                )
        items += ads
    result = link_items(items)
    found = networks_of(result.assignments)
    assert all(len(networks) == 1 for networks in found.values()), found
    assert len({next(iter(n)) for n in found.values()}) == 8  # eight separate networks
    glue = {(g.kind, g.value) for g in result.glue}
    assert ("phone", "+46846500400") in glue
    switchboard = next(g for g in result.glue if g.value == "+46846500400")
    assert switchboard.span == 8 and switchboard.items == 24
    assert "not used as a link" in switchboard.reason


def test_a_large_networks_own_number_is_not_glue(make_item: Callable[..., Any]) -> None:
    """One number in 300 ads of one network (with its photos) is its own, however frequent."""
    own = fictional(777)
    items = network_ads(make_item, 1, 300, phone=own)
    items += network_ads(make_item, 2, 5) + network_ads(make_item, 3, 5)
    result = link_items(items)
    found = networks_of(result.assignments)
    assert len(found["n01"]) == 1
    assert not [g for g in result.glue if g.kind == "phone"]
    assert Counter(result.assignments.values()).most_common(1)[0][1] == 300


def test_hotel_switchboard_and_address_do_not_mask_each_other(
    make_item: Callable[..., Any],
) -> None:
    """Two glue identifiers of one hotel: each is judged without the other."""
    items = []
    for network in range(1, 7):
        ads = network_ads(make_item, network, 6)
        for i, ad in enumerate(ads):
            if i % 3 == 0:
                ad["phones"] = [*ad["phones"], SWITCHBOARD]
            if i % 3 == 1:
                ad["address"] = HOTEL
        items += ads
    result = link_items(items)
    assert all(len(networks) == 1 for networks in networks_of(result.assignments).values())
    assert len(set(result.assignments.values())) == 6
    glue = {(g.kind, g.value) for g in result.glue}
    assert {("phone", "+46846500400"), ("address", "fyrgatan 12")} <= glue


def test_common_first_name_is_reported_and_links_nothing(make_item: Callable[..., Any]) -> None:
    items = []
    for network in range(1, 6):
        ads = network_ads(make_item, network, 4)
        for ad in ads:
            ad["names"] = ["Anna"]
        items += ads
    result = link_items(items)
    assert len(set(result.assignments.values())) == 5
    assert ("name", "anna") in {(g.kind, g.value) for g in result.glue}
