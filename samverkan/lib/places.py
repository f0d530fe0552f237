"""Places as people write them: the one rule for cities, street addresses and venues.

Ads, tips and staff write the same place in many ways (``Stockholm``,
``STOCKHOLM``, ``Sthlm``; ``Drottninggatan 5`` and ``Drottninggatan 5,
Stockholm``; ``Sveavägen`` and ``Sveav.``). Everything that counts, shows or
matches a place goes through these functions, so that one place is one
place everywhere: the linkage (``intel.linkage.normalise`` re-exports them),
a network's figures and indicators, the venues found again, the map.

- :func:`fold`: lower case without diacritics, single spaces.
- :func:`normalise_city`: folded, punctuation dropped, common short forms
  and administrative suffixes resolved (``Sthlm``, ``Gbg``, ``Stockholms
  stad``).
- :func:`normalise_address`: the street part (before the first comma or the
  postcode), ``g.``/``v.`` written out, ``12 B`` as ``12b``.
- :func:`address_city`: the city written after a street address's comma.
- :func:`venue_key`: a venue's name and street address folded together, the
  key of an exact match.
- :func:`similarity`: how alike two venues are (0–100, rapidfuzz's token set
  ratio on name and address), for the fuzzy match that offers candidates.
- :func:`display_city`: the one spelling shown for a city among those seen.

Pure functions, no Django: they are cheap and run per distinct value.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

from rapidfuzz import fuzz

__all__ = [
    "CITY_ALIASES",
    "address_city",
    "display_city",
    "fold",
    "normalise_address",
    "normalise_city",
    "similarity",
    "venue_key",
]

_SPACES = re.compile(r"\s+")
_POSTCODE_AND_AFTER = re.compile(r"\s+\d{3}\s?\d{2}(?:\s.*)?$")
_STREET_ABBREVIATIONS = (
    (re.compile(r"(?<=[a-z])g\.(?=\s|$)"), "gatan"),
    (re.compile(r"(?<=[a-z])v\.(?=\s|$)"), "vagen"),
    (re.compile(r"\bgatan\b"), "gatan"),
)
_HOUSE_LETTER = re.compile(r"\b(\d+)\s+([a-z])\b")
_ADDRESS_JUNK = re.compile(r"[^a-z0-9\s]")
_CITY_JUNK = re.compile(r"[^a-z\s-]")
_KEY_JUNK = re.compile(r"[^0-9a-z]+")
_WEB = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|www\.)|^[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:/|$)")

CITY_ALIASES = {
    "sthlm": "stockholm",
    "stockholms stad": "stockholm",
    "stockholms kommun": "stockholm",
    "gbg": "goteborg",
    "gothenburg": "goteborg",
    "goteborgs stad": "goteborg",
    "malmo stad": "malmo",
    "uppsala kommun": "uppsala",
}
# A municipality is often written with its suffix: "Solna stad", "Huddinge kommun".
_CITY_SUFFIX = re.compile(r"\s+(?:stad|kommun)$")


def fold(value: str) -> str:
    """Lower case without diacritics, single spaces: the comparison form of free text."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped.lower()).strip()


def normalise_city(raw: str) -> str | None:
    """The comparison form of a city: ``Sthlm``, ``STOCKHOLM`` and ``stockholm`` are ``stockholm``."""
    text = _SPACES.sub(" ", _CITY_JUNK.sub(" ", fold(raw or ""))).strip(" -")
    if not text:
        return None
    if text in CITY_ALIASES:
        return CITY_ALIASES[text]
    text = _CITY_SUFFIX.sub("", text)
    return CITY_ALIASES.get(text, text)


def normalise_address(raw: str) -> str | None:
    """The street part of an address: ``Drottningg. 5 B, 111 51 Stockholm`` is ``drottninggatan 5b``."""
    text = fold(raw or "").split(",", 1)[0]
    text = _POSTCODE_AND_AFTER.sub("", text)
    for pattern, replacement in _STREET_ABBREVIATIONS:
        text = pattern.sub(replacement, text)
    text = _ADDRESS_JUNK.sub(" ", text)
    text = _HOUSE_LETTER.sub(r"\1\2", text)
    text = _SPACES.sub(" ", text).strip()
    return text or None


def address_city(address: str) -> str | None:
    """The city written after a street address's last comma (postcode dropped), normalised.

    ``Drottninggatan 5, 111 51 Stockholm`` is in ``stockholm``; an address
    without a comma names no city.
    """
    if not address or "," not in address or _is_web(address):
        return None
    tail = address.rsplit(",", 1)[1]
    return normalise_city(re.sub(r"\d{3}\s?\d{2}", " ", tail))


def _is_web(address: str) -> bool:
    return bool(_WEB.match(fold(address)))


def _name_key(name: str) -> str:
    return _KEY_JUNK.sub(" ", fold(name or "")).strip()


def _address_key(address: str) -> str:
    if not address:
        return ""
    if _is_web(address):
        # A web address keeps its host and path: a comma means nothing there.
        return _KEY_JUNK.sub(" ", re.sub(r"^www\.", "", re.sub(r"^[a-z][a-z0-9+.-]*://", "", fold(address)))).strip()
    return normalise_address(address) or ""


def venue_key(name: str, address: str) -> str:
    """Name and street address folded together: the same venue typed again has the same key.

    The city after the street's comma, a postcode, case, accents, punctuation
    and the short forms of ``gatan``/``vägen`` do not count, so ``Hotell
    Nova, Drottninggatan 5`` and ``hotell nova, Drottningg. 5, Stockholm`` are
    one venue.
    """
    return " ".join(p for p in (_name_key(name), _address_key(address)) if p)


def similarity(name_a: str, address_a: str, name_b: str, address_b: str) -> float:
    """How alike two venues are, 0–100: the mean of the names' and the addresses' token set ratios.

    When one side has no address, the names alone decide (an address typed
    later should not hide the venue); two different street addresses weigh
    as much as two different names.
    """
    names = fuzz.token_set_ratio(_name_key(name_a), _name_key(name_b))
    address_a, address_b = _address_key(address_a), _address_key(address_b)
    if not address_a or not address_b:
        return float(names)
    addresses = fuzz.token_set_ratio(address_a, address_b)
    return (names + addresses) / 2


def display_city(spellings: Iterable[str]) -> str:
    """The one spelling shown for a city: the most common written with a capital and small letters.

    ``["STOCKHOLM", "Sthlm", "stockholm", "Stockholm"]`` shows ``Stockholm``;
    a short form (``Sthlm``) is shown only when nothing else was written.
    """
    counts = Counter(s.strip() for s in spellings if s and s.strip())
    if not counts:
        return ""
    target = normalise_city(next(iter(counts)))

    def rank(item: tuple[str, int]) -> tuple[int, int, int, int, str]:
        spelling, n = item
        shown = spelling.title() if spelling.isupper() or spelling.islower() else spelling
        full = normalise_city(spelling) == target and fold(spelling) not in CITY_ALIASES
        diacritics = shown != fold(shown).title()  # Södertälje before Sodertalje
        proper = shown == spelling
        return (-int(full), -int(diacritics), -int(proper), -n, spelling)

    best = min(counts.items(), key=rank)[0]
    if best.isupper() or best.islower():
        return best.title()
    return best
