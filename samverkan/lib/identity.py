"""Swedish identity numbers: personnummer, samordningsnummer and reserve numbers.

Pure functions, no Django: they take the reference date ("today") as an
argument, so that the caller decides which calendar day it is.

- A **personnummer** is ``YYMMDD-NNNC`` (10 digits) or ``YYYYMMDDNNNC`` (12).
  ``C`` is a Luhn check digit over the ten-digit form. In the ten-digit form
  the separator tells the century: ``-`` for people under 100, ``+`` from the
  calendar year in which the person turns 100 (Skatteverket's rule). The
  birth number ``NNN`` is never ``000`` (never issued, whatever the check digit).
- A **samordningsnummer** (co-ordination number) is the same, with 60 added
  to the day of birth.
- A **reserve number** (reservnummer) is issued locally by a health region,
  a municipality or an agency; it has no national format, so it is only
  cleaned and checked loosely.

Every number is normalised to twelve digits without separator, the form
stored and searched; ``short_form`` gives the ten-digit form back.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass

__all__ = [
    "COORDINATION_DAY_OFFSET",
    "RESERVE_MAX_LENGTH",
    "IdentityNumber",
    "InvalidIdentifier",
    "NumberKind",
    "Reason",
    "luhn_check_digit",
    "normalise_reserve",
    "parse_identity_number",
    "parse_personnummer",
    "parse_samordningsnummer",
    "short_form",
]

COORDINATION_DAY_OFFSET = 60
RESERVE_MAX_LENGTH = 40

# Optional century, date, optional separator, birth number and check digit.
_PATTERN = re.compile(
    r"^(?P<date>\d{6}|\d{8})(?P<sep>[-+]?)(?P<serial>\d{3})(?P<check>\d)$", re.ASCII
)


class NumberKind(enum.StrEnum):
    PERSONNUMMER = "personnummer"
    SAMORDNINGSNUMMER = "samordningsnummer"


class Reason(enum.StrEnum):
    """Why a number was refused: machine-readable, for messages and tests."""

    EMPTY = "empty"
    FORMAT = "format"
    DATE = "date"
    FUTURE = "future"
    CHECKSUM = "checksum"
    SERIAL = "serial"
    SEPARATOR = "separator"
    NOT_PERSONNUMMER = "not_personnummer"
    NOT_SAMORDNINGSNUMMER = "not_samordningsnummer"
    TOO_LONG = "too_long"


_MESSAGES = {
    Reason.EMPTY: "The number is empty.",
    Reason.FORMAT: "Write the number as YYMMDD-NNNN or YYYYMMDDNNNN.",
    Reason.DATE: "The number does not contain a real date of birth.",
    Reason.FUTURE: "The date of birth is in the future.",
    Reason.CHECKSUM: "The check digit is wrong.",
    Reason.SERIAL: "The birth number 000 is never issued.",
    Reason.SEPARATOR: "'+' is only used from the year a person turns 100.",
    Reason.NOT_PERSONNUMMER: "This is a co-ordination number, not a personal identity number.",
    Reason.NOT_SAMORDNINGSNUMMER: "This is a personal identity number, not a co-ordination number.",
    Reason.TOO_LONG: "The number is too long.",
}


class InvalidIdentifier(ValueError):
    """A number that cannot be accepted; ``reason`` says why."""

    def __init__(self, reason: Reason, message: str = "") -> None:
        self.reason = reason
        super().__init__(message or _MESSAGES[reason])


@dataclass(frozen=True)
class IdentityNumber:
    kind: NumberKind
    # Twelve digits, no separator; a samordningsnummer keeps its day + 60.
    normalised: str
    birth_date: dt.date

    def short_form(self, today: dt.date) -> str:
        return short_form(self.normalised, today)


def luhn_check_digit(digits: str) -> int:
    """The Luhn check digit for ``digits`` (the nine digits YYMMDDNNN)."""
    total = 0
    for i, char in enumerate(digits):
        product = int(char) * (2 if i % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def _clean(text: str) -> str:
    # People paste numbers with spaces ("850709 9805") or a trailing newline.
    return re.sub(r"\s+", "", text)


def _century_year(yy: int, plus: bool, today: dt.date) -> int:
    """The full year of birth for a ten-digit number (Skatteverket's year-based rule).

    ``-``: the person turns 0 to 99 in ``today``'s year; ``+``: 100 to 199.
    """
    newest = today.year - (100 if plus else 0)
    return newest - (newest - yy) % 100


def _parse(text: str, today: dt.date) -> IdentityNumber:
    cleaned = _clean(text)
    if not cleaned:
        raise InvalidIdentifier(Reason.EMPTY)
    match = _PATTERN.match(cleaned)
    if match is None:
        raise InvalidIdentifier(Reason.FORMAT)
    date_part, sep = match["date"], match["sep"]
    serial, check = match["serial"], match["check"]
    if len(date_part) == 6:
        year = _century_year(int(date_part[:2]), sep == "+", today)
    else:
        year = int(date_part[:4])
    month, day = int(date_part[-4:-2]), int(date_part[-2:])
    kind = NumberKind.PERSONNUMMER
    if day > COORDINATION_DAY_OFFSET:
        kind = NumberKind.SAMORDNINGSNUMMER
        day -= COORDINATION_DAY_OFFSET
    try:
        birth_date = dt.date(year, month, day)
    except ValueError:
        raise InvalidIdentifier(Reason.DATE) from None
    if birth_date > today:
        raise InvalidIdentifier(Reason.FUTURE)
    if len(date_part) == 8 and sep == "+" and today.year - year < 100:
        raise InvalidIdentifier(Reason.SEPARATOR)
    ten = f"{date_part[-6:]}{serial}"
    if luhn_check_digit(ten) != int(check):
        raise InvalidIdentifier(Reason.CHECKSUM)
    if serial == "000":
        # Skatteverket never issues birth number 000, although its check digit can be right.
        raise InvalidIdentifier(Reason.SERIAL)
    normalised = f"{year:04d}{date_part[-4:]}{serial}{check}"
    return IdentityNumber(kind=kind, normalised=normalised, birth_date=birth_date)


def parse_identity_number(text: str, *, today: dt.date) -> IdentityNumber:
    """A personnummer or a samordningsnummer, whichever ``text`` is."""
    return _parse(text, today)


def parse_personnummer(text: str, *, today: dt.date) -> IdentityNumber:
    number = _parse(text, today)
    if number.kind is not NumberKind.PERSONNUMMER:
        raise InvalidIdentifier(Reason.NOT_PERSONNUMMER)
    return number


def parse_samordningsnummer(text: str, *, today: dt.date) -> IdentityNumber:
    number = _parse(text, today)
    if number.kind is not NumberKind.SAMORDNINGSNUMMER:
        raise InvalidIdentifier(Reason.NOT_SAMORDNINGSNUMMER)
    return number


def short_form(normalised: str, today: dt.date) -> str:
    """The ten-digit form ``YYMMDD-NNNC`` of a normalised number, ``+`` from the year of 100."""
    if not re.fullmatch(r"\d{12}", normalised, re.ASCII):
        raise InvalidIdentifier(Reason.FORMAT)
    sep = "+" if today.year - int(normalised[:4]) >= 100 else "-"
    return f"{normalised[2:8]}{sep}{normalised[8:]}"


def normalise_reserve(text: str, *, max_length: int = RESERVE_MAX_LENGTH) -> str:
    """A reserve number, cleaned so that the same one is found again.

    Issuers format them differently, so only whitespace and case are
    normalised (inner spaces dropped, letters upper-cased).
    """
    cleaned = _clean(text).upper()
    if not cleaned:
        raise InvalidIdentifier(Reason.EMPTY)
    if len(cleaned) > max_length:
        raise InvalidIdentifier(
            Reason.TOO_LONG, f"The number is too long (at most {max_length} characters)."
        )
    return cleaned
