"""Small hand-made worlds for the linkage tests, and one generated sample linked once."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

import pytest

from samverkan.demo.intel_items import GeneratedItems, generate
from samverkan.intel.linkage.api import LinkResult, link_items

Item = dict[str, Any]
WORDS = [
    "sol",
    "regn",
    "hav",
    "skog",
    "stad",
    "natt",
    "morgon",
    "kaffe",
    "te",
    "vin",
    "musik",
    "jazz",
    "film",
    "bok",
    "resa",
    "sommar",
    "vinter",
    "höst",
    "vår",
    "stjärna",
    "måne",
    "blomma",
    "ros",
    "choklad",
    "bad",
    "spa",
    "yoga",
    "dans",
    "sång",
    "konst",
    "foto",
    "mode",
    "skor",
    "klänning",
    "parfym",
    "ljus",
    "värme",
    "lugn",
    "energi",
    "glädje",
    "leende",
    "blick",
    "röst",
    "hud",
    "hår",
    "kropp",
    "själ",
    "hjärta",
    "dröm",
    "äventyr",
    "fantasi",
    "lek",
]


def fictional(n: int) -> str:
    """A mobile number in 074-1xx xx xx, a series not used for subscribers."""
    return f"0741-{n:06d}"


@pytest.fixture
def make_item() -> Callable[..., Item]:
    def make(item_id: str, **fields: Any) -> Item:
        item: Item = {
            "id": item_id,
            "kind": "ad",
            "observed_at": "2024-05-01T12:00:00+00:00",
            "source": "annonsportalen.example",
            "title": "",
            "text": "",
            "phones": [],
            "emails": [],
            "urls": [],
            "handles": [],
            "names": [],
            "image_hashes": [],
            "age": None,
            "city": "Stockholm",
            "address": None,
            "venue_kind": "hotel",
        }
        item.update(fields)
        return item

    return make


def template(seed: int) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(40))


def edited(text: str, seed: int) -> str:
    rng = random.Random(seed)
    words = text.split()
    for _ in range(2):
        words[rng.randrange(len(words))] = rng.choice(WORDS)
    return " ".join(words)


def network_ads(
    make_item: Callable[..., Item],
    network: int,
    count: int,
    *,
    phone: str | None = None,
    extra: Callable[[int], dict[str, Any]] | None = None,
) -> list[Item]:
    """``count`` ads of one actor: its number, its photos, its texts with small edits."""
    base = template(network)
    ads = []
    for i in range(count):
        fields: dict[str, Any] = {
            "text": edited(base, network * 1000 + i),
            "phones": [phone or fictional(network)],
            "image_hashes": [f"{network:08x}{i % 3:08x}"],
            "names": [f"Namn{network}"],
            "observed_at": (
                dt.datetime(2024, 5, 1, tzinfo=dt.UTC) + dt.timedelta(days=i)
            ).isoformat(),
        }
        if extra is not None:
            fields.update(extra(i))
        ads.append(make_item(f"n{network:02d}-{i:03d}", **fields))
    return ads


@pytest.fixture(scope="session")
def sample() -> GeneratedItems:
    return generate(3000, seed=5)


@pytest.fixture(scope="session")
def sample_result(sample: GeneratedItems) -> LinkResult:
    return link_items(sample.items)
