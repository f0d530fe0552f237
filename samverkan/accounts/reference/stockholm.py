"""Reference data for the Stockholm case (shared/reference/stockholm.md).

Kept as plain data so that a migration seeds it and tests read it. Dates
are validity periods; ``None`` means "since before the system's records"
or "still valid". Verify against the organisations' own registers before
production use.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

POLICE = ("polisregion-stockholm", "Polisregion Stockholm", "police")
SOCIAL = ("stockholms-stad", "Stockholms stad, socialtjänsten", "social_services")
COLLABORATION = ("stockholm", "Samverkan mot prostitution och människohandel i Stockholm", dt.date(2020, 4, 1))


class AreaRow(NamedTuple):
    code: str
    name: str
    kind: str
    parent: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    note: str = ""


_UNTIL_2024 = dt.date(2024, 12, 31)
_FROM_2025 = dt.date(2025, 1, 1)

POLICE_AREAS: tuple[AreaRow, ...] = (
    AreaRow("po-stockholm-city", "Stockholm city", "police_district", None, None, None),
    AreaRow("po-stockholm-nord", "Stockholm nord", "police_district", None, None, None),
    AreaRow("po-stockholm-syd", "Stockholm syd", "police_district", None, None, None),
    AreaRow("po-gotland", "Gotland", "police_district", None, None, None),
    # Stockholm city: split into new local police areas on 2025-01-01.
    AreaRow("lpo-norrmalm", "Norrmalm", "local_police_area", "po-stockholm-city", None, _UNTIL_2024, "inkl. Lidingö"),
    AreaRow("lpo-sodermalm", "Södermalm", "local_police_area", "po-stockholm-city", None, _UNTIL_2024),
    AreaRow("lpo-lidingo-kungsholmen", "Lidingö-Kungsholmen", "local_police_area", "po-stockholm-city", _FROM_2025, None),
    AreaRow("lpo-norra-innerstaden", "Norra innerstaden", "local_police_area", "po-stockholm-city", _FROM_2025, None),
    AreaRow("lpo-sodermalm-2025", "Södermalm", "local_police_area", "po-stockholm-city", _FROM_2025, None),
    *(
        AreaRow(f"lpo-{code}", name, "local_police_area", "po-stockholm-nord", None, None)
        for code, name in (
            ("jarfalla", "Järfälla"), ("jarva", "Järva"), ("norrtalje", "Norrtälje"),
            ("sollentuna", "Sollentuna"), ("solna", "Solna"), ("sodra-roslagen", "Södra Roslagen"),
            ("vallingby", "Vällingby"),
        )
    ),
    *(
        AreaRow(f"lpo-{code}", name, "local_police_area", "po-stockholm-syd", None, None)
        for code, name in (
            ("botkyrka", "Botkyrka"), ("farsta", "Farsta"), ("globen", "Globen"), ("haninge", "Haninge"),
            ("huddinge", "Huddinge"), ("nacka", "Nacka"), ("skarholmen", "Skärholmen"),
            ("sodertalje", "Södertälje"),
        )
    ),
    AreaRow("lpo-gotland", "Gotland", "local_police_area", "po-gotland", None, None),
)

_MERGE_2023 = dt.date(2023, 7, 1)
_UNTIL_2023 = dt.date(2023, 6, 30)
_MERGE_2020 = dt.date(2020, 1, 1)
_UNTIL_2019 = dt.date(2019, 12, 31)

CITY_DISTRICTS: tuple[AreaRow, ...] = (
    *(
        AreaRow(f"sdo-{code}", name, "city_district", None, None, None)
        for code, name in (
            ("bromma", "Bromma"), ("enskede-arsta-vantor", "Enskede-Årsta-Vantör"), ("farsta", "Farsta"),
            ("hasselby-vallingby", "Hässelby-Vällingby"), ("kungsholmen", "Kungsholmen"),
            ("skarpnack", "Skarpnäck"), ("skarholmen", "Skärholmen"), ("sodermalm", "Södermalm"),
        )
    ),
    AreaRow("sdo-hagersten-liljeholmen", "Hägersten-Liljeholmen", "city_district", None, None, _UNTIL_2019),
    AreaRow("sdo-alvsjo", "Älvsjö", "city_district", None, None, _UNTIL_2019),
    AreaRow("sdo-hagersten-alvsjo", "Hägersten-Älvsjö", "city_district", None, _MERGE_2020, None),
    AreaRow("sdo-rinkeby-kista", "Rinkeby-Kista", "city_district", None, None, _UNTIL_2023),
    AreaRow("sdo-spanga-tensta", "Spånga-Tensta", "city_district", None, None, _UNTIL_2023),
    AreaRow("sdo-norrmalm", "Norrmalm", "city_district", None, None, _UNTIL_2023),
    AreaRow("sdo-ostermalm", "Östermalm", "city_district", None, None, _UNTIL_2023),
    AreaRow("sdo-jarva", "Järva", "city_district", None, _MERGE_2023, None),
    AreaRow("sdo-norra-innerstaden", "Norra innerstaden", "city_district", None, _MERGE_2023, None),
)

# Police area ↔ city district overlaps. Only the one documented in the
# reference (LPO Globen) and areas sharing a name; the rest must be entered
# by the agencies themselves.
AREA_MAPPINGS: tuple[tuple[str, str, dt.date | None, dt.date | None], ...] = (
    ("lpo-globen", "sdo-enskede-arsta-vantor", None, None),
    ("lpo-globen", "sdo-skarpnack", None, None),
    ("lpo-globen", "sdo-hagersten-alvsjo", _MERGE_2020, None),
    ("lpo-farsta", "sdo-farsta", None, None),
    ("lpo-skarholmen", "sdo-skarholmen", None, None),
    ("lpo-sodermalm", "sdo-sodermalm", None, _UNTIL_2024),
    ("lpo-sodermalm-2025", "sdo-sodermalm", _FROM_2025, None),
    ("lpo-norra-innerstaden", "sdo-norra-innerstaden", _FROM_2025, None),
    ("lpo-jarva", "sdo-rinkeby-kista", None, _UNTIL_2023),
    ("lpo-jarva", "sdo-spanga-tensta", None, _UNTIL_2023),
    ("lpo-jarva", "sdo-jarva", _MERGE_2023, None),
)
