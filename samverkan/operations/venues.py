"""Venues found again: by an exact key, and by a fuzzy match offered before a new one is made.

A venue typed again (``Hotell Nova, Drottningg. 5`` for ``Hotell Nova,
Drottninggatan 5, Stockholm``) has the same key (``lib.places.venue_key``)
and is found again without asking. A near miss (a typo, a word more or
less) is not decided by the machine: :func:`similar_venues` returns the
candidates the user may see, and the form asks "Did you mean …?" before a
new venue is made.

The collaboration's own cities (:func:`own_cities`) are where it works: the
cities of its venues' addresses and of the areas its shifts and venues lie in.
A plan proposes existing venues there and never creates one elsewhere unless
asked.
"""

from __future__ import annotations

from dataclasses import dataclass

from samverkan.accounts.models import Area, Collaboration
from samverkan.lib.places import address_city, normalise_city, similarity, venue_key
from samverkan.operations.models import Shift, Venue, VenueQuerySet

# Name and address together at least this alike (0–100) to be offered as the same venue.
SIMILAR = 80.0
CANDIDATES = 5


@dataclass(frozen=True)
class Candidate:
    venue: Venue
    score: float


def similar_venues(
    venues: VenueQuerySet, *, name: str, address: str = "", kind: str = "", limit: int = CANDIDATES, threshold: float = SIMILAR,
) -> list[Candidate]:
    """The venues of ``venues`` most like ``name`` and ``address`` (a kind given: that kind only), best first."""
    if kind:
        venues = venues.filter(kind=kind)
    key = venue_key(name, address)
    found: list[Candidate] = []
    for venue in venues.select_related("area").only("pk", "kind", "name", "address", "area__name", "collaboration_id", "search_key"):
        score = 100.0 if venue.search_key == key else similarity(name, address, venue.name, venue.address)
        if score >= threshold:
            found.append(Candidate(venue, round(score, 1)))
    found.sort(key=lambda c: (-c.score, c.venue.name, c.venue.pk))
    return found[:limit]


def venue_city(venue: Venue) -> str | None:
    """The normalised city a venue lies in: its address's city, else its area's name."""
    return address_city(venue.address) or (normalise_city(venue.area.name) if venue.area_id and venue.area else None)


def own_areas(collaboration: Collaboration) -> list[Area]:
    """The areas where the collaboration works: those of its venues and shifts."""
    ids = set(Venue.objects.filter(collaboration=collaboration, area__isnull=False).values_list("area", flat=True))
    ids |= set(Shift.objects.filter(collaboration=collaboration).values_list("area", flat=True).distinct())
    return list(Area.objects.filter(pk__in=ids).order_by("name"))


def own_cities(collaboration: Collaboration) -> set[str]:
    """The normalised cities where the collaboration works (its venues' addresses, its areas' names)."""
    cities = {c for a in Venue.objects.filter(collaboration=collaboration).values_list("address", flat=True) if (c := address_city(a))}
    cities |= {c for a in own_areas(collaboration) if (c := normalise_city(a.name))}
    return cities
