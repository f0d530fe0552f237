"""``manage.py indicator_rates``: on how many networks each indicator fires (docs/benchmarks.md).

Two sources, both computed afresh with ``intel.indicators.detect`` and
nothing saved:

- the networks in the database (after ``make demo``: the demo's);
- ``--generated N``: the true networks of N items from the demo's generator
  (``demo.intel_items``), entities normalised as at an import (glue, which the
  linkage sets aside, is not removed here: the rates are an upper bound).

An indicator that fires on most networks signals nothing; each should fire
on a minority. Prints a Markdown table.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from samverkan.demo import intel_items
from samverkan.intel import indicators
from samverkan.intel.entities import normalise
from samverkan.intel.models import EntityKind, IndicatorKind, IntelItem, Network, NetworkStatus

ENTITY_FIELDS = (("phones", EntityKind.PHONE), ("names", EntityKind.NAME), ("image_hashes", EntityKind.IMAGE_HASH))


def generated_rates(n_items: int, seed: int) -> tuple[int, dict[str, int]]:
    """(networks of two items or more, {kind: networks it fires on}) over the generator's true networks."""
    generated = intel_items.generate(n_items, seed=seed)
    truth = generated.truth_by_id()
    by_network: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in generated.items.to_pylist():
        by_network[truth[str(row["id"])]].append(row)
    fired: dict[str, int] = dict.fromkeys(IndicatorKind.values, 0)
    counted = 0
    serial = 0
    for rows in by_network.values():
        if len(rows) < 2:
            continue  # a single item is no network
        counted += 1
        items: list[IntelItem] = []
        entities: dict[int, list[tuple[str, str]]] = {}
        for row in rows:
            serial += 1
            observed = row["observed_at"]
            items.append(IntelItem(
                pk=serial, external_id=str(row["id"]), age=row["age"], title=row["title"] or "", text=row["text"] or "",
                city=row["city"] or "", observed_at=observed if isinstance(observed, dt.datetime) else None,
            ))
            values = []
            for field, kind in ENTITY_FIELDS:
                for raw in row[field] or []:
                    value = normalise(kind, raw)
                    if value:
                        values.append((str(kind), value))
            entities[serial] = values
        for found in indicators.detect(items, entities):
            fired[found.kind] += 1
    return counted, fired


class Command(BaseCommand):
    help = "On how many networks each indicator fires: the database's networks, and with --generated the generator's."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--generated", type=int, default=0, help="also the true networks of this many generated items")
        parser.add_argument("--seed", type=int, default=1, help="the generator's seed (default 1)")

    def handle(self, *args: Any, **options: Any) -> None:
        rows: list[tuple[str, int, dict[str, int]]] = []
        networks = Network.objects.filter(status=NetworkStatus.ACTIVE).order_by("pk")
        if networks.exists():
            total, fired = indicators.rates(networks)
            rows.append(("database (active networks)", total, fired))
        if options["generated"]:
            total, fired = generated_rates(options["generated"], options["seed"])
            rows.append((f"generator, {options['generated']} items, seed {options['seed']} (true networks of 2+ items)", total, fired))
        kinds = list(IndicatorKind)
        self.stdout.write("| networks | count | " + " | ".join(k.value for k in kinds) + " |")
        self.stdout.write("|---|---:|" + "---:|" * len(kinds))
        for label, total, fired in rows:
            cells = [f"{fired[k.value]} ({100 * fired[k.value] / total:.0f} %)" if total else "–" for k in kinds]
            self.stdout.write(f"| {label} | {total} | " + " | ".join(cells) + " |")
