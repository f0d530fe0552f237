"""The thin adapter between the intel app and the linkage package's normalisers.

Entities are normalised by ``samverkan.intel.linkage.normalise`` (phone
numbers to E.164 with ``phonenumbers``, e-mails, URLs, handles, names,
vehicle registrations, image hashes, addresses); this module only maps an
item's fields onto those functions. The import (``bulk``) collects the raw
values and the ones written in free text in DuckDB and normalises each
distinct value once here; the search normalises what a user types.
"""

from __future__ import annotations

import functools

from samverkan.intel.linkage import normalise as package
from samverkan.intel.models import EntityKind

# Item field → entity kind.
FIELD_KINDS: tuple[tuple[str, str], ...] = (
    ("phones", EntityKind.PHONE),
    ("emails", EntityKind.EMAIL),
    ("urls", EntityKind.URL),
    ("handles", EntityKind.HANDLE),
    ("names", EntityKind.NAME),
    ("image_hashes", EntityKind.IMAGE_HASH),
)
# Entities written in free text (a title or a text), with the package's pattern that finds them.
TEXT_PATTERNS: tuple[tuple[str, str], ...] = (
    (EntityKind.PHONE, package.PHONE_IN_TEXT),
    (EntityKind.EMAIL, package.EMAIL_IN_TEXT),
    (EntityKind.URL, package.URL_IN_TEXT),
    (EntityKind.VEHICLE, package.VEHICLE_IN_TEXT),
)
MAX_VALUE = 500
CACHE_SIZE = 500_000


@functools.lru_cache(maxsize=CACHE_SIZE)
def normalise(kind: str, raw: str) -> str | None:
    """The normalised value of ``raw`` as an entity of ``kind``, or None if it is not one."""
    value = package.normalise(kind, raw)
    if not value:
        return None
    return str(value)[:MAX_VALUE]


def normalise_distinct(kind: str, in_text: bool, raws: list[str]) -> list[str | None]:
    """The normalised values of many distinct raw values of one kind (``in_text``: found in free text).

    For the bulk import, whose values are already distinct: the package's
    normaliser is called directly, without the per-value cache.
    """
    normaliser = package.normalise_phone_candidate if in_text and kind == EntityKind.PHONE else package.NORMALISERS[kind]
    values: list[str | None] = []
    append = values.append
    for raw in raws:
        value = normaliser(raw)
        append(str(value)[:MAX_VALUE] if value else None)
    return values


def search_values(text: str) -> set[str]:
    """What ``text`` would be stored as, for each kind it can be: to search entities by it."""
    values: set[str] = set()
    for kind in EntityKind.values:
        try:
            value = normalise(kind, text)
        except ValueError:
            continue
        if value:
            values.add(value)
    return values
