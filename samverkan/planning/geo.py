"""Where things are on the map without a tile server: the areas' outlines and the places' centres.

The outlines are the GeoJSON shipped with the project
(``static/samverkan/map/areas.geojson``, synthetic shapes for the demo's areas
written by ``scripts/synthetic_areas.py``; an authority replaces the file with
its own, keyed by the area's code). A venue without coordinates is drawn near
its area's centre, a little apart from the others (and marked approximate);
a network's city at the municipality's centre (``MUNICIPALITY_CENTRES``,
approximate public facts).
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path

from django.conf import settings

from samverkan.lib.places import normalise_city

AREAS_FILE = Path(settings.BASE_DIR) / "samverkan" / "static" / "samverkan" / "map" / "areas.geojson"
AREAS_STATIC = "samverkan/map/areas.geojson"

# Approximate centres of the municipalities of the Stockholm area (latitude, longitude).
MUNICIPALITY_CENTRES: dict[str, tuple[float, float]] = {
    normalise_city(name) or name: (lat, lon)
    for name, lat, lon in (
        ("Stockholm", 59.329, 18.068), ("Solna", 59.360, 18.001), ("Sundbyberg", 59.361, 17.971),
        ("Södertälje", 59.196, 17.626), ("Huddinge", 59.237, 17.982), ("Botkyrka", 59.200, 17.830),
        ("Nacka", 59.310, 18.164), ("Täby", 59.444, 18.069), ("Järfälla", 59.424, 17.834),
        ("Haninge", 59.168, 18.139), ("Lidingö", 59.367, 18.133), ("Sollentuna", 59.428, 17.951),
        ("Tyresö", 59.244, 18.228), ("Upplands Väsby", 59.518, 17.912), ("Norrtälje", 59.758, 18.705),
        ("Göteborg", 57.709, 11.975), ("Malmö", 55.605, 13.004), ("Uppsala", 59.859, 17.639),
    )
}


@functools.cache
def area_centres() -> dict[str, tuple[float, float]]:
    """Area code → (latitude, longitude) of its outline's centre."""
    try:
        data = json.loads(AREAS_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    centres: dict[str, tuple[float, float]] = {}
    for feature in data.get("features", []):
        code = feature.get("properties", {}).get("code")
        centre = feature.get("properties", {}).get("centre")
        if code and isinstance(centre, list) and len(centre) == 2:
            centres[code] = (float(centre[0]), float(centre[1]))
        elif code:
            ring = feature["geometry"]["coordinates"][0]
            centres[code] = (sum(p[1] for p in ring) / len(ring), sum(p[0] for p in ring) / len(ring))
    return centres


def near(centre: tuple[float, float], seed: int, *, km: float = 1.2) -> tuple[float, float]:
    """A point near ``centre``, the same for the same seed (a sunflower spiral, so points do not pile up)."""
    angle = math.radians((seed * 137.508) % 360)
    distance = km * math.sqrt((seed % 23 + 1) / 24)
    lat = centre[0] + distance / 111.32 * math.sin(angle)
    lon = centre[1] + distance / (111.32 * math.cos(math.radians(centre[0]))) * math.cos(angle)
    return round(lat, 5), round(lon, 5)


def city_centre(raw: str) -> tuple[float, float] | None:
    key = normalise_city(raw)
    return MUNICIPALITY_CENTRES.get(key) if key else None
