"""A network's places as one picture: each city and each venue once, in one spelling.

The items write a place in many ways (``Sthlm``, ``STOCKHOLM``; ``Sjögatan
38`` and ``Sjög. 38, Sundbyberg``). Grouped here by the one rule
(``samverkan.lib.places``), shown in the most common proper spelling, so a
network's page, its figures and the shift planned from it count one place
once.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from samverkan.accounts.models import Area
from samverkan.intel.models import IntelItem, Network
from samverkan.lib.places import display_city, normalise_address, normalise_city, similarity
from samverkan.operations.models import Venue, VenueQuerySet
from samverkan.operations.venues import SIMILAR, venue_city


@dataclass(frozen=True)
class Place:
    """A venue the items name: its kind, city and address as shown, and how many items name it."""

    kind: str
    city: str
    address: str
    items: int
    city_key: str
    address_key: str

    @property
    def label(self) -> str:
        return f"{self.address}, {self.city}" if self.city else self.address


def city_names(raws: Iterable[str]) -> dict[str, str]:
    """normalised city → the one spelling shown, for all the spellings in ``raws``."""
    spellings: dict[str, list[str]] = defaultdict(list)
    for raw in raws:
        key = normalise_city(raw)
        if key:
            spellings[key].append(raw)
    return {key: display_city(values) for key, values in spellings.items()}


def show_city(names: dict[str, str], raw: str) -> str:
    """``raw`` in the spelling ``names`` shows for its city (``raw`` itself if unknown)."""
    key = normalise_city(raw)
    return names.get(key, raw) if key else raw


def network_cities(network: Network) -> list[tuple[str, int]]:
    """(city as shown, items) for each city the network's items name, most items first."""
    counts: Counter[str] = Counter()
    raws = list(IntelItem.objects.filter(membership__network=network).exclude(city="").values_list("city", flat=True))
    names = city_names(raws)
    for raw in raws:
        counts[show_city(names, raw)] += 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def network_places(network: Network, *, limit: int = 200) -> list[Place]:
    """Each distinct venue the network's items name (kind and street address), most items first."""
    rows = list(
        IntelItem.objects.filter(membership__network=network)
        .exclude(address="")
        .values_list("venue_kind", "city", "address")[:20_000]
    )
    names = city_names(city for _k, city, _a in rows if city)
    # One address is one venue whatever city an ad names (an ad moves, the hotel does not): the
    # city shown is the one most items name with it.
    groups: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    cities: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for kind, city, address in rows:
        address_key = normalise_address(address)
        if not address_key:
            continue
        key = (kind or "other", address_key)
        groups[key][address.split(",", 1)[0].strip()] += 1
        cities[key][show_city(names, city) if city else ""] += 1
    places = []
    for (kind, address_key), spellings in groups.items():
        city = max(cities[(kind, address_key)].items(), key=lambda kv: (kv[1], kv[0] != "", kv[0]))[0]
        places.append(Place(
            kind=kind, city=city, address=max(spellings.items(), key=lambda kv: (kv[1], kv[0]))[0],
            items=sum(spellings.values()), city_key=normalise_city(city) or "", address_key=address_key,
        ))
    places.sort(key=lambda p: (-p.items, p.city, p.address))
    return places[:limit]


# --- A shift planned from a network -------------------------------------------------------------

# Existing venues of the network's kinds in its cities, offered beside the ones its items name.
NEARBY = 5


@dataclass
class Proposal:
    """What a shift planned from a network may visit: existing venues first, new ones only if asked.

    ``existing``: choice value → (venue, why); ``new``: choice value → (place, inside the
    collaboration's cities); ``initial``: the venues proposed (existing ones the items name).
    """

    existing: dict[str, tuple[Venue, str]]
    new: dict[str, tuple[Place, bool]]
    initial: list[str]
    area: Area | None

    def choices(self) -> list[tuple[str, str]]:
        out = [(value, f"{venue.name}{', ' + venue.address if venue.address else ''} – {why}") for value, (venue, why) in self.existing.items()]
        for value, (place, inside) in self.new.items():
            note = _("new venue") if inside else _("new venue outside the collaboration's areas")
            out.append((value, f"{place.label} ({place.items}) – {note}"))
        return out


def propose(network: Network, venues: VenueQuerySet, cities: set[str]) -> Proposal:
    """Existing venues (of ``venues``: the collaboration's that the user may see) for a shift at the network's places.

    A place the items name is matched to an existing venue by the fuzzy match
    (the street address weighs, the kind need not agree: a hotel may be
    filed as a short-term rental); a place with no venue is offered as a new
    one, marked when it lies outside ``cities`` (the collaboration's own).
    Existing venues of the network's kinds in its cities inside the
    collaboration's are offered too, not ticked.
    """
    places = network_places(network)
    existing: dict[str, tuple[Venue, str]] = {}
    new: dict[str, tuple[Place, bool]] = {}
    initial: list[str] = []
    candidates = list(venues.select_related("area"))
    for index, place in enumerate(places):
        best: tuple[float, Venue] | None = None
        for venue in candidates:
            city = venue_city(venue)
            if place.city_key and city and city != place.city_key:
                continue
            score = similarity(place.address, place.address, venue.address or venue.name, venue.address or venue.name)
            if score >= SIMILAR and (best is None or score > best[0]):
                best = (score, venue)
        if best is not None:
            value = f"v{best[1].pk}"
            if value not in existing:
                why = _("named in %(n)s items") % {"n": place.items}
                existing[value] = (best[1], why)
                initial.append(value)
        else:
            new[f"p{index}"] = (place, not place.city_key or place.city_key in cities)
    kinds = {p.kind for p in places} | set(
        IntelItem.objects.filter(membership__network=network).exclude(venue_kind="").values_list("venue_kind", flat=True).distinct()
    )
    network_cities = {c for raw in IntelItem.objects.filter(membership__network=network).exclude(city="").values_list("city", flat=True).distinct() if (c := normalise_city(raw))}
    nearby = [
        v for v in candidates
        if v.kind in kinds and f"v{v.pk}" not in existing and (city := venue_city(v)) and city in network_cities & cities
    ]
    nearby.sort(key=lambda v: (v.name, v.pk))
    for venue in nearby[:NEARBY]:
        existing[f"v{venue.pk}"] = (venue, _("%(kind)s in %(city)s, where the network advertises") % {
            "kind": venue.get_kind_display(),
            "city": venue.address.rsplit(",", 1)[-1].strip() if "," in venue.address else (venue.area.name if venue.area else ""),
        })
    chosen_areas = [existing[v][0].area for v in (initial or list(existing)) if existing[v][0].area is not None]
    area = Counter(chosen_areas).most_common(1)[0][0] if chosen_areas else None
    return Proposal(existing=existing, new=new, initial=initial, area=area)
