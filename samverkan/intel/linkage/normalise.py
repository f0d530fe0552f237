"""Normalising the identifiers found in intelligence items.

Every function takes one raw value as written in an ad, an observation or a
tip and returns its normalised form, or None when the value is not an
identifier of that kind. Two raw values name the same entity exactly when
their normalised forms are equal, so these functions decide what "shared"
means for the whole linkage.

- **Phone numbers** become E.164 (``+46701740605``). Swedes write them in many
  ways: ``070-174 06 05``, ``+46 70 174 06 05``, ``0046701740605``,
  ``070 1740605``, ``(08) 465 004 00``, ``+46 (0)8-465 004 00``, and inside
  text ("ring 0701740605!"). Numbers with an unambiguous Swedish prefix
  (``0``, ``+46``, ``0046``) and a national number of 7 to 9 digits are
  converted directly, which is exactly what ``phonenumbers`` answers for them
  (a test checks that); everything else (foreign numbers, other lengths, no
  prefix) goes through ``phonenumbers`` itself. A number is accepted when its
  length is possible for its country, valid range or not: ranges change, and
  an intelligence identifier must not be dropped because it is unusual.
- **E-mail addresses**: lower case, ``mailto:`` dropped, the written-out
  ``(at)``/``[snabel-a]``/``(dot)`` forms resolved.
- **URLs**: lower case, without scheme, ``www.``, fragment, tracking
  parameters (``utm_*``) and trailing slashes.
- **Handles**: lower case, without the leading ``@`` and spaces.
- **Names**: lower case, without diacritics (Åsa, Asa and ÅSA are one name),
  single spaces.
- **Vehicle registrations** (Swedish): ``ABC 123`` and ``ABC 12A`` (the 2019
  format) become ``ABC123``/``ABC12A``; the letters I, Q, V, Å, Ä and Ö are
  not used on Swedish plates.
- **Image hashes**: lower-case hex without ``0x`` or separators.
- **Addresses**: the street part (before the first comma or the postcode),
  lower case without diacritics, ``g.``/``v.`` written out as ``gatan`` and
  ``vagen``, ``12 B`` as ``12b``.
- **Cities**: lower case without diacritics, common short forms expanded
  (``Sthlm``, ``Gbg``).

Addresses and cities follow the one rule for places, ``samverkan.lib.places``
(also used by the venues, a network's figures and indicators, and the map);
they are re-exported here.

The functions are pure and cheap; the batch linkage calls them once per
distinct raw value.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable

import phonenumbers

from samverkan.lib.places import CITY_ALIASES, fold, normalise_address, normalise_city

__all__ = [
    "CITY_ALIASES",
    "NORMALISERS",
    "PHONE_IN_TEXT",
    "VEHICLE_IN_TEXT",
    "find_emails",
    "find_phones",
    "find_urls",
    "find_vehicles",
    "fold",
    "normalise",
    "normalise_address",
    "normalise_city",
    "normalise_email",
    "normalise_handle",
    "normalise_image_hash",
    "normalise_name",
    "normalise_phone",
    "normalise_phone_candidate",
    "normalise_url",
    "normalise_vehicle",
]

# A phone number inside free text: a Swedish prefix (+46, 0046, (0, 0) then
# digits with the usual separators. The same pattern runs in DuckDB (RE2) in
# the batch, so it keeps to the syntax both engines share; ASCII word
# boundaries as in RE2.
PHONE_IN_TEXT = r"(?:\+ ?46|\b00 ?46|\(0|\b0)[0-9 ()./-]{6,17}[0-9]"
# Swedish registrations in running text, upper case as on the plate.
VEHICLE_IN_TEXT = r"\b[A-HJ-PR-UW-Z]{3} ?[0-9]{2}[A-HJ-PR-UW-Z0-9]\b"
EMAIL_IN_TEXT = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
URL_IN_TEXT = r"(?:https?://|www\.)[^\s<>\"']+"

_PHONE_IN_TEXT = re.compile(PHONE_IN_TEXT, re.ASCII)
_VEHICLE_IN_TEXT = re.compile(VEHICLE_IN_TEXT, re.ASCII)
_EMAIL_IN_TEXT = re.compile(EMAIL_IN_TEXT, re.ASCII)
_URL_IN_TEXT = re.compile(URL_IN_TEXT, re.ASCII)

_NOT_PHONE_CHAR = re.compile(r"[^0-9+]")
_LETTER = re.compile(r"[^\W\d_]")
# A date is not a phone number: 01-05-2024, 01/05/24, 01.05.2024.
_DATE = re.compile(r"\(?\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\)?")
_SWEDISH_NATIONAL = re.compile(r"[1-9][0-9]{6,8}")

_EMAIL = re.compile(r"[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}")
_EMAIL_AT = re.compile(r"\s*[\[(]\s*(?:at|snabel-a)\s*[\])]\s*")
_EMAIL_DOT = re.compile(r"\s*[\[(]\s*(?:dot|punkt)\s*[\])]\s*")
_URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")
_URL_TRACKING = re.compile(r"(?:utm_[a-z_]+|fbclid|gclid)=[^&]*&?")
_URL_HOST = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+(?::\d+)?(?:[/?].*)?")
_SPACES = re.compile(r"\s+")
_NAME_JUNK = re.compile(r"[^a-z\s'-]")
_HEX_SEPARATORS = re.compile(r"[\s:_-]")
_HEX = re.compile(r"[0-9a-f]{8,128}")
_VEHICLE = re.compile(r"[A-HJ-PR-UW-Z]{3}[0-9]{2}[A-HJ-PR-UW-Z0-9]")

# --- Phones --------------------------------------------------------------------------------------


def normalise_phone(raw: str, region: str = "SE") -> str | None:
    """E.164 form of a phone number as written anywhere, or None.

    >>> normalise_phone("070-174 06 05")
    '+46701740605'
    """
    text = raw.strip()
    if not text:
        return None
    if _LETTER.search(text):
        found = find_phones(text, region)
        return found[0][1] if found else None
    return _phone_digits_to_e164(text, region)


def normalise_phone_candidate(raw: str, region: str = "SE") -> str | None:
    """E.164 form of a number found in free text by ``PHONE_IN_TEXT``; dates are refused."""
    if _DATE.fullmatch(raw.strip()):
        return None
    return _phone_digits_to_e164(raw, region)


def _phone_digits_to_e164(text: str, region: str) -> str | None:
    digits = _NOT_PHONE_CHAR.sub("", text.replace("(0)", ""))
    national: str | None = None
    if region == "SE":
        if digits.startswith("+46"):
            national = digits[3:].lstrip("0")
        elif digits.startswith("0046"):
            national = digits[4:].lstrip("0")
        elif digits.startswith("0") and not digits.startswith("00"):
            national = digits[1:]
    if national is not None and _SWEDISH_NATIONAL.fullmatch(national):
        return "+46" + national
    return _phone_by_phonenumbers(text, region)


@functools.lru_cache(maxsize=65_536)
def _phone_by_phonenumbers(text: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def find_phones(text: str, region: str = "SE") -> list[tuple[str, str]]:
    """(raw, E.164) for every phone number written in ``text``, in order."""
    found: list[tuple[str, str]] = []
    for match in _PHONE_IN_TEXT.finditer(text):
        value = normalise_phone_candidate(match.group(0), region)
        if value:
            found.append((match.group(0), value))
    return found


# --- Other identifiers ---------------------------------------------------------------------------


def normalise_email(raw: str) -> str | None:
    text = unicodedata.normalize("NFKC", raw).strip().lower()
    text = text.removeprefix("mailto:")
    text = _EMAIL_AT.sub("@", text)
    text = _EMAIL_DOT.sub(".", text)
    text = text.strip(" .,;:<>()[]")
    return text if _EMAIL.fullmatch(text) else None


def find_emails(text: str) -> list[tuple[str, str]]:
    found = []
    for match in _EMAIL_IN_TEXT.finditer(text):
        value = normalise_email(match.group(0))
        if value:
            found.append((match.group(0), value))
    return found


def normalise_url(raw: str) -> str | None:
    text = unicodedata.normalize("NFKC", raw).strip().lower().rstrip(".,;:!?)")
    text = _URL_SCHEME.sub("", text)
    text = text.removeprefix("www.")
    text = text.split("#", 1)[0]
    path, _, query = text.partition("?")
    path = path.rstrip("/")
    query = _URL_TRACKING.sub("", query).rstrip("&")
    text = f"{path}?{query}" if query else path
    return text if _URL_HOST.fullmatch(text) else None


def find_urls(text: str) -> list[tuple[str, str]]:
    found = []
    for match in _URL_IN_TEXT.finditer(text):
        value = normalise_url(match.group(0))
        if value:
            found.append((match.group(0), value))
    return found


def normalise_handle(raw: str) -> str | None:
    text = _SPACES.sub("", unicodedata.normalize("NFKC", raw).lower())
    if ":" in text:
        platform, _, name = text.partition(":")
        name = name.lstrip("@")
        return f"{platform}:{name}" if platform and name else (name or None)
    text = text.lstrip("@")
    return text or None


def normalise_name(raw: str) -> str | None:
    text = _NAME_JUNK.sub(" ", fold(raw))
    text = _SPACES.sub(" ", text).strip(" '-")
    return text or None


def normalise_vehicle(raw: str) -> str | None:
    text = re.sub(r"[\s-]", "", raw.strip().upper())
    return text if _VEHICLE.fullmatch(text) else None


def find_vehicles(text: str) -> list[tuple[str, str]]:
    """(raw, normalised) for every Swedish registration written in ``text``."""
    found = []
    for match in _VEHICLE_IN_TEXT.finditer(text):
        value = normalise_vehicle(match.group(0))
        if value:
            found.append((match.group(0), value))
    return found


def normalise_image_hash(raw: str) -> str | None:
    text = _HEX_SEPARATORS.sub("", raw.strip().lower()).removeprefix("0x")
    return text if _HEX.fullmatch(text) else None


NORMALISERS: dict[str, Callable[[str], str | None]] = {
    "phone": normalise_phone,
    "email": normalise_email,
    "url": normalise_url,
    "handle": normalise_handle,
    "name": normalise_name,
    "vehicle": normalise_vehicle,
    "image_hash": normalise_image_hash,
    "address": normalise_address,
}


def normalise(kind: str, raw: str) -> str | None:
    """The normalised value of ``raw`` as an entity of ``kind`` (see ``NORMALISERS``)."""
    try:
        normaliser = NORMALISERS[kind]
    except KeyError:
        raise ValueError(f"unknown entity kind {kind!r}") from None
    return normaliser(raw)
