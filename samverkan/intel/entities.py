"""The thin adapter between the intel app and the linkage package's normalisers.

Entities are normalised by ``samverkan.intel.linkage.normalise`` (phone
numbers to E.164 with ``phonenumbers``, e-mails, URLs, handles, names,
vehicle registrations, image hashes, addresses); this module only maps an
item's fields onto those functions and caches their answers for one process,
since the same identifiers recur across a large import.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from samverkan.intel.models import EntityKind

if TYPE_CHECKING:
    from samverkan.intel.importing import ItemRecord


@dataclass(frozen=True)
class Extracted:
    kind: str
    value: str
    raw: str


# Item field → entity kind.
FIELD_KINDS: tuple[tuple[str, str], ...] = (
    ("phones", EntityKind.PHONE),
    ("emails", EntityKind.EMAIL),
    ("urls", EntityKind.URL),
    ("handles", EntityKind.HANDLE),
    ("names", EntityKind.NAME),
    ("image_hashes", EntityKind.IMAGE_HASH),
)
CACHE_SIZE = 500_000


@functools.lru_cache(maxsize=CACHE_SIZE)
def normalise(kind: str, raw: str) -> str | None:
    """The normalised value of ``raw`` as an entity of ``kind``, or None if it is not one."""
    from samverkan.intel.linkage import normalise as package

    value = package.normalise(kind, raw)
    if not value:
        return None
    return str(value)[:500]


def normalise_found(kind: str, raw: str) -> str | None:
    """The normalised value of ``raw`` found in free text by the package's patterns."""
    return _normalise_found(str(kind), raw)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _normalise_found(kind: str, raw: str) -> str | None:
    from samverkan.intel.linkage import normalise as package

    if kind == EntityKind.PHONE:
        value = package.normalise_phone_candidate(raw)
    else:
        value = package.normalise(kind, raw)
    return str(value)[:500] if value else None


def normalise_distinct(kind: str, in_text: bool, raws: list[str]) -> list[str | None]:
    """``normalise_found`` (``in_text``) or ``normalise`` of many distinct values of one kind.

    For the bulk import, whose values are already distinct: the package's
    normaliser is called directly, without the per-value cache.
    """
    from samverkan.intel.linkage import normalise as package

    normaliser = package.normalise_phone_candidate if in_text and kind == EntityKind.PHONE else package.NORMALISERS[kind]
    values: list[str | None] = []
    append = values.append
    for raw in raws:
        value = normaliser(raw)
        append(str(value)[:500] if value else None)
    return values


def _in_text(text: str) -> list[Extracted]:
    """Phone numbers, e-mails, web addresses and vehicle registrations written in free text."""
    from samverkan.intel.linkage import normalise as package

    finders: tuple[tuple[str, Callable[[str], list[tuple[str, str]]]], ...] = (
        (EntityKind.PHONE, package.find_phones),
        (EntityKind.EMAIL, package.find_emails),
        (EntityKind.URL, package.find_urls),
        (EntityKind.VEHICLE, package.find_vehicles),
    )
    found = []
    for kind, finder in finders:
        found += [Extracted(kind, str(value)[:500], str(raw)[:500]) for raw, value in finder(text)]
    return found


def extract(record: ItemRecord) -> list[Extracted]:
    """Every entity in one item: its listed identifiers, its address, and those in its text."""
    found: list[Extracted] = []
    for field_name, kind in FIELD_KINDS:
        for raw in getattr(record, field_name):
            value = normalise(kind, raw)
            if value:
                found.append(Extracted(kind, value, raw))
    if record.address:
        value = normalise(EntityKind.ADDRESS, record.address)
        if value:
            found.append(Extracted(EntityKind.ADDRESS, value, record.address))
    text = f"{record.title}\n{record.text}".strip()
    if text:
        found += _in_text(text)
    return found


def search_values(text: str) -> set[str]:
    """What ``text`` would be stored as, for each kind it can be: to search entities by it."""
    values: set[str] = set()
    for kind in EntityKind.values:
        try:
            value = normalise(kind, text)
        except (ImportError, AttributeError):
            return values
        except ValueError:
            continue
        if value:
            values.add(value)
    return values
