"""The map's points: only what the user may see, through the same querysets as every page.

- venues: the collaboration's venues (``Venue.objects.visible_to``), at their
  coordinates or, without them, near their area's centre (``approximate``);
- encounters: counts per venue in the period (``Encounter.objects.visible_to``,
  grouped; never a person, never an encounter's own fields);
- tips: the tips the user reads (analysts: their agency's; coordinators: a
  summary of their collaborations'), at the tip's venue, else its shift's
  area; the label is the tip's number and status only;
- networks: the networks the user reads, one point per network and city their
  items name in the period, at the city's centre, with the number of items.

Every point links to its record's own page, which opens it through the access
functions (``access_or_404``): a click shows what the user may see of it, no
more. The JSON carries no free text of a tip or an item.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import Count
from django.urls import reverse

from samverkan.accounts.models import Area, User
from samverkan.accounts.policy import Action, RecordType, can
from samverkan.intel.models import IntelItem, Network, Tip
from samverkan.operations.models import Encounter, Venue
from samverkan.planning.geo import area_centres, city_centre, near


@dataclass(frozen=True)
class Point:
    layer: str
    lat: float
    lon: float
    label: str
    count: int
    url: str
    approximate: bool


def _venue_position(venue: Venue, centres: dict[str, tuple[float, float]]) -> tuple[float, float, bool] | None:
    if venue.latitude is not None and venue.longitude is not None:
        return float(venue.latitude), float(venue.longitude), False
    if venue.area is not None and venue.area.code in centres:
        lat, lon = near(centres[venue.area.code], venue.pk)
        return lat, lon, True
    return None


def build(
    user: User, *, layers: list[str], start: dt.datetime, end: dt.datetime, area: Area | None, kind: str,
) -> dict[str, Any]:
    centres = area_centres()
    points: list[Point] = []
    venues = Venue.objects.visible_to(user, Action.LIST).select_related("area")
    if area is not None:
        venues = venues.filter(area=area)
    if kind:
        venues = venues.filter(kind=kind)
    positions: dict[int, tuple[float, float, bool]] = {}
    names: dict[int, str] = {}
    for venue in venues:
        position = _venue_position(venue, centres)
        if position is not None:
            positions[venue.pk] = position
            names[venue.pk] = venue.name
    if "venues" in layers:
        points += [
            Point("venues", lat, lon, names[pk], 0, reverse("operations:venue_detail", args=[pk]), approx)
            for pk, (lat, lon, approx) in positions.items()
        ]
    heat = "heat" in layers
    if ("encounters" in layers or heat) and can(user, RecordType.ENCOUNTER, Action.LIST):
        counts = (
            Encounter.objects.visible_to(user, Action.LIST)
            .filter(occurred_at__gte=start, occurred_at__lt=end, venue__in=list(positions))
            .values("venue").annotate(n=Count("pk")).order_by("venue")
        )
        for row in counts:
            lat, lon, approx = positions[row["venue"]]
            points.append(Point("encounters", lat, lon, names[row["venue"]], row["n"], reverse("operations:venue_detail", args=[row["venue"]]), approx))
    if ("tips" in layers or heat) and can(user, RecordType.TIP, Action.LIST):
        tips = Tip.objects.visible_to(user, Action.LIST).filter(submitted_at__gte=start, submitted_at__lt=end)
        for pk, status, venue_id, shift_area in tips.values_list("pk", "status", "venue", "shift__area__code"):
            if venue_id in positions:
                lat, lon, approx = positions[venue_id]
            elif area is None and not kind and shift_area in centres:
                lat, lon = near(centres[shift_area], pk, km=0.8)
                approx = True
            else:
                continue
            points.append(Point("tips", lat, lon, f"#{pk} ({status})", 1, reverse("intel:tip_detail", args=[pk]), approx))
    if "networks" in layers and area is None and can(user, RecordType.NETWORK, Action.LIST):
        networks = dict(Network.objects.visible_to(user, Action.LIST).active().values_list("pk", "key"))
        items = IntelItem.objects.filter(membership__network__in=list(networks), observed_at__gte=start, observed_at__lt=end)
        if kind:
            items = items.filter(venue_kind=kind)
        by_network: dict[int, Counter[tuple[float, float]]] = defaultdict(Counter)
        for network_id, city in items.exclude(city="").values_list("membership__network", "city").iterator():
            centre = city_centre(city)
            if centre is not None:
                by_network[network_id][centre] += 1
        for network_id, cities in by_network.items():
            key = networks[network_id]
            for centre, n in cities.items():
                lat, lon = near(centre, network_id, km=1.5)
                points.append(Point("networks", lat, lon, key, n, reverse("intel:network_detail", args=[key]), True))
    if not heat:
        points = [p for p in points if p.layer in layers]
    counts_by_layer = Counter(p.layer for p in points)
    return {
        "points": [asdict(p) for p in points],
        "counts": dict(counts_by_layer),
        "layers": layers,
    }
