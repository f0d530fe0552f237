"""Write the synthetic area outlines the map shows without a tile server (samverkan/static/samverkan/map/areas.geojson).

The shapes are NOT the areas' real boundaries: a hexagon around an approximate
centre of each local police area and city district of the Stockholm reference
data (accounts/reference/stockholm.py), sized by hand so that neighbours do not
overlap much. They let the map work offline and in the demo; an authority
replaces the file with its own (public-domain or licensed) outlines, keyed by
the area's code. Run: python3 scripts/synthetic_areas.py
"""

from __future__ import annotations

import json
import math
from pathlib import Path

# code: (latitude, longitude, radius in km) - approximate centres, synthetic sizes.
CENTRES: dict[str, tuple[float, float, float]] = {
    "lpo-norrmalm": (59.338, 18.060, 2.2),
    "lpo-sodermalm": (59.314, 18.066, 2.0),
    "lpo-lidingo-kungsholmen": (59.333, 18.020, 2.0),
    "lpo-norra-innerstaden": (59.341, 18.075, 2.0),
    "lpo-sodermalm-2025": (59.314, 18.066, 2.0),
    "lpo-jarfalla": (59.425, 17.835, 4.0),
    "lpo-jarva": (59.405, 17.930, 3.0),
    "lpo-norrtalje": (59.758, 18.700, 8.0),
    "lpo-sollentuna": (59.430, 17.950, 3.0),
    "lpo-solna": (59.365, 18.000, 2.5),
    "lpo-sodra-roslagen": (59.445, 18.070, 4.5),
    "lpo-vallingby": (59.363, 17.872, 3.0),
    "lpo-botkyrka": (59.200, 17.830, 4.5),
    "lpo-farsta": (59.243, 18.090, 3.0),
    "lpo-globen": (59.285, 18.060, 3.0),
    "lpo-haninge": (59.168, 18.140, 5.0),
    "lpo-huddinge": (59.237, 17.980, 3.5),
    "lpo-nacka": (59.310, 18.165, 4.0),
    "lpo-skarholmen": (59.277, 17.907, 2.8),
    "lpo-sodertalje": (59.195, 17.625, 5.0),
    "lpo-gotland": (57.500, 18.500, 25.0),
    "sdo-bromma": (59.340, 17.940, 3.0),
    "sdo-enskede-arsta-vantor": (59.285, 18.060, 2.5),
    "sdo-farsta": (59.243, 18.090, 2.5),
    "sdo-hasselby-vallingby": (59.363, 17.872, 3.0),
    "sdo-kungsholmen": (59.333, 18.030, 1.5),
    "sdo-skarpnack": (59.268, 18.130, 2.0),
    "sdo-skarholmen": (59.277, 17.907, 2.5),
    "sdo-sodermalm": (59.314, 18.066, 2.0),
    "sdo-hagersten-liljeholmen": (59.300, 17.990, 2.2),
    "sdo-alvsjo": (59.278, 18.010, 1.8),
    "sdo-hagersten-alvsjo": (59.292, 17.995, 2.5),
    "sdo-rinkeby-kista": (59.395, 17.930, 2.2),
    "sdo-spanga-tensta": (59.390, 17.880, 2.2),
    "sdo-norrmalm": (59.338, 18.055, 1.5),
    "sdo-ostermalm": (59.340, 18.085, 1.6),
    "sdo-jarva": (59.395, 17.905, 3.0),
    "sdo-norra-innerstaden": (59.341, 18.070, 2.0),
}
OUT = Path(__file__).resolve().parent.parent / "samverkan" / "static" / "samverkan" / "map" / "areas.geojson"


def hexagon(lat: float, lon: float, km: float) -> list[list[float]]:
    ring = []
    for i in range(7):
        angle = math.radians(60 * (i % 6) + 30)
        dlat = km / 111.32 * math.sin(angle)
        dlon = km / (111.32 * math.cos(math.radians(lat))) * math.cos(angle)
        ring.append([round(lon + dlon, 5), round(lat + dlat, 5)])
    return ring


def main() -> None:
    features = [
        {
            "type": "Feature",
            "properties": {"code": code, "centre": [lat, lon], "synthetic": True},
            "geometry": {"type": "Polygon", "coordinates": [hexagon(lat, lon, km)]},
        }
        for code, (lat, lon, km) in CENTRES.items()
    ]
    collection = {
        "type": "FeatureCollection",
        "name": "samverkan-areas-synthetic",
        "description": "Synthetic hexagons around approximate centres; not real boundaries (scripts/synthetic_areas.py).",
        "features": features,
    }
    OUT.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
