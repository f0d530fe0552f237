"""Indicators on a network, each with its evidence: signs for a person to review, never a verdict.

- possible minor: a stated age under 18, or wording that often signals youth
  ("ny" or "ung" next to "18", "nyss fyllt 18", "tonåring", …). These wait in the review
  queue first, and nothing else is shown about them until a person looked.
- third-party control: one phone number used with many names, or the same
  text written for different names (texts written by the same hand).
- rotation between cities: the same network advertises in several cities in turn
  (cities compared by the one rule for places, ``samverkan.lib.places``, so
  ``Sthlm`` and ``STOCKHOLM`` are one city): at least ``MIN_CITIES`` cities
  and ``MIN_MOVES`` moves between them.
- the same images in many ads: one image in ``MANY_ADS_PER_IMAGE`` ads or
  more, or one image under different names (a photo reused for another
  person). A person's own photos in a handful of her own ads are not a sign.

The thresholds are calibrated so that each indicator fires on a minority of
the demo's and the generator's networks (``manage.py indicator_rates``; the
rates are in docs/benchmarks.md): an indicator that fires on almost every
network signals nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import timezone

from samverkan.intel.models import (
    EntityKind,
    Indicator,
    IndicatorKind,
    IndicatorStatus,
    IntelItem,
    ItemEntity,
    Network,
)
from samverkan.lib.places import display_city, normalise_city

# The phrases, each with what a reviewer is told it may mean. Words alone ("ny")
# are weak; they are evidence to read, not a finding.
YOUTH_WORDING: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:just|nyss|precis)\s+(?:fyllt|fyllda|turned)?\s*18\b", re.I), "just turned 18"),
    (re.compile(r"\b18\b[^.\n]{0,20}\b(?:ny|nya|ung|unga|young|new|fresh)\b", re.I), "18 next to new/young"),
    (re.compile(r"\b(?:ny|nya|ung|unga|young|new|fresh)\b[^.\n]{0,20}\b18\b", re.I), "new/young next to 18"),
    (re.compile(r"\b(?:teen|teenager|tonåring|tonårstjej|skoltjej|schoolgirl|barely\s+legal|minderårig)\b", re.I), "words for a minor"),
)
MANY_NAMES = 3
SAME_HAND_MIN_CHARS = 60
MIN_CITIES = 3
MIN_MOVES = 3
MANY_ADS_PER_IMAGE = 6
NAMES_PER_IMAGE = 2


@dataclass
class Found:
    kind: str
    evidence: dict[str, Any]


def _text_fingerprint(text: str) -> str:
    """Texts that differ only in names, numbers, case and spacing get the same fingerprint."""
    words = re.findall(r"[a-zåäöéü]+", text.casefold())
    return hashlib.sha1(" ".join(words).encode("utf-8"), usedforsecurity=False).hexdigest() if len(words) >= 8 else ""


def youth_wording(text: str) -> list[str]:
    return [label for pattern, label in YOUTH_WORDING if pattern.search(text)]


def detect(items: list[IntelItem], entities: dict[int, list[tuple[str, str]]]) -> list[Found]:
    """The indicators for one network's items; ``entities`` is item id → [(kind, value)]."""
    found: list[Found] = []

    minor_evidence = []
    for item in items:
        why = []
        if item.states_a_minor:
            why.append(f"stated age {item.age}")
        why += youth_wording(f"{item.title}\n{item.text}")
        if why:
            minor_evidence.append({"item": item.pk, "external_id": item.external_id, "why": ", ".join(why)})
    if minor_evidence:
        found.append(Found(IndicatorKind.POSSIBLE_MINOR, {"items": minor_evidence[:100], "count": len(minor_evidence)}))

    names_by_phone: dict[str, set[str]] = defaultdict(set)
    items_by_phone: dict[str, set[int]] = defaultdict(set)
    for item_id, values in entities.items():
        phones = [v for k, v in values if k == EntityKind.PHONE]
        names = [v for k, v in values if k == EntityKind.NAME]
        for phone in phones:
            names_by_phone[phone].update(names)
            items_by_phone[phone].add(item_id)
    control: list[dict[str, Any]] = [
        {"phone": phone, "names": sorted(names)[:20], "name_count": len(names), "items": len(items_by_phone[phone])}
        for phone, names in names_by_phone.items()
        if len(names) >= MANY_NAMES
    ]
    by_fingerprint: dict[str, list[IntelItem]] = defaultdict(list)
    for item in items:
        if len(item.text) >= SAME_HAND_MIN_CHARS:
            fingerprint = _text_fingerprint(item.text)
            if fingerprint:
                by_fingerprint[fingerprint].append(item)
    same_hand: list[dict[str, Any]] = []
    for group in by_fingerprint.values():
        group_names = {n for i in group for k, n in entities.get(i.pk, []) if k == EntityKind.NAME}
        if len(group) >= 2 and len(group_names) >= 2:
            same_hand.append({
                "items": [i.pk for i in group[:20]],
                "external_ids": [i.external_id for i in group[:20]],
                "names": sorted(group_names)[:20],
            })
    if control or same_hand:
        found.append(Found(IndicatorKind.THIRD_PARTY_CONTROL, {
            "phones": sorted(control, key=lambda c: -int(c["name_count"]))[:20],
            "same_hand": same_hand[:20],
            "items": [{"item": pk} for group in same_hand[:5] for pk in group["items"]],
        }))

    dated = sorted((i for i in items if i.city and i.observed_at), key=lambda i: (i.observed_at, i.pk))
    spellings: dict[str, list[str]] = defaultdict(list)
    steps: list[tuple[str, IntelItem]] = []
    for item in dated:
        city = normalise_city(item.city)
        if city:
            spellings[city].append(item.city)
            steps.append((city, item))
    route: list[dict[str, Any]] = []
    for city, item in steps:
        if not route or route[-1]["key"] != city:
            assert item.observed_at is not None
            route.append({"key": city, "from": timezone.localtime(item.observed_at).date().isoformat(), "item": item.pk})
    for step in route:
        step["city"] = display_city(spellings[step.pop("key")])
    cities = {r["city"] for r in route}
    moves = len(route) - 1
    if len(cities) >= MIN_CITIES and moves >= max(MIN_MOVES, len(cities)):
        found.append(Found(IndicatorKind.CITY_ROTATION, {
            "route": route[:50], "cities": len(cities), "moves": moves,
            "items": [{"item": r["item"]} for r in route[:50]],
        }))

    items_by_image: dict[str, set[int]] = defaultdict(set)
    names_by_image: dict[str, set[str]] = defaultdict(set)
    for item_id, values in entities.items():
        item_names = {v for k, v in values if k == EntityKind.NAME}
        for kind, value in values:
            if kind == EntityKind.IMAGE_HASH:
                items_by_image[value].add(item_id)
                names_by_image[value].update(item_names)
    shared: list[dict[str, Any]] = [
        {"image_hash": value, "ads": len(ids), "names": len(names_by_image[value])}
        for value, ids in items_by_image.items()
        if len(ids) >= MANY_ADS_PER_IMAGE or (len(ids) >= 2 and len(names_by_image[value]) >= NAMES_PER_IMAGE)
    ]
    if shared:
        shared.sort(key=lambda s: (-int(s["names"]), -int(s["ads"]), str(s["image_hash"])))
        image_items = sorted({i for s in shared[:5] for i in items_by_image[str(s["image_hash"])]})[:50]
        found.append(Found(IndicatorKind.SHARED_IMAGES, {"images": shared[:20], "items": [{"item": i} for i in image_items]}))
    return found


def refresh(networks: Iterable[Network], *, chunk: int = 2000) -> int:
    """Recompute the indicators of ``networks``; reviews already made are kept."""
    count = 0
    pending = list(networks)
    for start in range(0, len(pending), chunk):
        count += _refresh_chunk(pending[start : start + chunk])
    return count


def _load(ids: list[int]) -> tuple[dict[int, list[IntelItem]], dict[int, list[tuple[str, str]]]]:
    """The networks' items and each item's entities (kind, value), glue left out."""
    items_by_network: dict[int, list[IntelItem]] = defaultdict(list)
    for item in IntelItem.objects.filter(membership__network__in=ids).only(
        "pk", "external_id", "age", "title", "text", "city", "observed_at"
    ).annotate(network_id=models.F("membership__network")):
        items_by_network[item.network_id].append(item)  # type: ignore[attr-defined]
    entities: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for item_id, kind, value in (
        ItemEntity.objects.filter(item__membership__network__in=ids)
        .exclude(entity__glue__isnull=False)
        .values_list("item_id", "entity__kind", "entity__value")
    ):
        entities[item_id].append((kind, value))
    return items_by_network, entities


def rates(networks: Iterable[Network], *, chunk: int = 2000) -> tuple[int, dict[str, int]]:
    """(networks, {indicator kind: networks it fires on}), computed afresh without saving anything."""
    pending = list(networks)
    fired: dict[str, int] = dict.fromkeys(IndicatorKind.values, 0)
    for start in range(0, len(pending), chunk):
        part = pending[start : start + chunk]
        items_by_network, entities = _load([n.pk for n in part])
        for network in part:
            items = items_by_network.get(network.pk, [])
            for f in detect(items, {i.pk: entities.get(i.pk, []) for i in items}):
                fired[f.kind] += 1
    return len(pending), fired


def _refresh_chunk(networks: list[Network]) -> int:
    ids = [n.pk for n in networks]
    items_by_network, entities = _load(ids)
    existing: dict[int, dict[str, Indicator]] = defaultdict(dict)
    for indicator in Indicator.objects.filter(network__in=ids):
        existing[indicator.network_id][indicator.kind] = indicator
    count = 0
    for network in networks:
        items = items_by_network.get(network.pk, [])
        found = {f.kind: f for f in detect(items, {i.pk: entities.get(i.pk, []) for i in items})}
        mine = existing.get(network.pk, {})
        for kind, indicator in mine.items():
            if kind not in found and not indicator.reviewed:
                indicator.delete()
        for kind, f in found.items():
            current = mine.get(kind)
            if current is None:
                status = IndicatorStatus.AWAITING_REVIEW if kind == IndicatorKind.POSSIBLE_MINOR else IndicatorStatus.OPEN
                Indicator.objects.create(network=network, kind=kind, status=status, evidence=f.evidence)
            elif current.evidence != f.evidence:
                current.evidence = f.evidence
                current.save(update_fields=["evidence"])
            count += 1
    return count
