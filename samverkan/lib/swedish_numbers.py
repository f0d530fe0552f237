"""Numbers as Swedish newsrooms write them, and their English equivalents.

The yearly results go out as a press release whose "FAKTA" block sets the
tone: "Tio personer under 18 år …", "117 gemensamma pass …". These helpers
write counts that way, following Svenska skrivregler and TT-språket:

- **Zero to twelve in words** in running text ("noll", "tio", "tolv"), 13 and
  above in digits. One agrees with the noun: "en person" (utrum), "ett pass"
  (neutrum); the caller says which with ``gender``. Tables, measurements and
  ages are written in digits whatever their size ("under 18 år", a table
  cell "3"): use ``digits`` there.
- **Thousands are grouped with a space**: "1 250", "12 000", four-digit
  numbers included. The space is a no-break space (U+00A0), because a line
  break inside a number splits it into two numbers for the reader; it looks
  like an ordinary space. Years are not counts: write them with ``str()``.
- **A sentence may start with a number**: ``start_of_sentence`` capitalises a
  number written in words ("Tre personer …"); digits stay as they are
  ("117 gemensamma pass …"), as in the press release.
- **Percent with a decimal comma**, rounded half up (the school and SCB rule,
  not Python's round-half-even): "12,5 procent".
- **Changes are signed**, not worded: "+12", "−3" with a real minus sign
  (U+2212), and "0" without a sign. Signs fit a change column in a table and
  read the same in both languages; prose can say "ökade med" around
  ``number``.
- **English** (for the English press text): zero to twelve in words, digits
  grouped with a comma ("1,250"), a decimal point, "per cent" (British
  English, as in the EU's and the Government Offices' English style guides).

Ordinals are not needed and not offered.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Final, Literal

__all__ = [
    "LAST_IN_WORDS",
    "MINUS",
    "NO_BREAK_SPACE",
    "Gender",
    "Language",
    "digits",
    "number",
    "percent",
    "quantity",
    "signed",
]

Language = Literal["sv", "en"]
Gender = Literal["utrum", "neutrum"]

LAST_IN_WORDS: Final = 12
MINUS: Final = "\u2212"
NO_BREAK_SPACE: Final = "\u00a0"

_WORDS: Final[dict[Language, tuple[str, ...]]] = {
    "sv": (
        "noll",
        "en",
        "två",
        "tre",
        "fyra",
        "fem",
        "sex",
        "sju",
        "åtta",
        "nio",
        "tio",
        "elva",
        "tolv",
    ),
    "en": (
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
    ),
}
_THOUSANDS: Final[dict[Language, str]] = {"sv": NO_BREAK_SPACE, "en": ","}
_DECIMAL: Final[dict[Language, str]] = {"sv": ",", "en": "."}
_PERCENT: Final[dict[Language, str]] = {"sv": "procent", "en": "per cent"}


def digits(n: int, *, language: Language = "sv") -> str:
    """``n`` in digits with grouped thousands: "1 250" (no-break space), "1,250"; "−3"."""
    grouped = f"{abs(n):,}".replace(",", _THOUSANDS[language])
    return f"{MINUS}{grouped}" if n < 0 else grouped


def number(
    n: int,
    *,
    gender: Gender = "utrum",
    language: Language = "sv",
    start_of_sentence: bool = False,
) -> str:
    """A count in running text: "tio", "ett" (neutrum), "117", "1 250".

    Counts are never negative; a negative one is a bug upstream, so it raises.
    """
    if n < 0:
        raise ValueError(f"A count cannot be negative: {n}.")
    if n > LAST_IN_WORDS:
        return digits(n, language=language)
    word = _WORDS[language][n]
    if n == 1 and language == "sv" and gender == "neutrum":
        word = "ett"
    return word[:1].upper() + word[1:] if start_of_sentence else word


def quantity(
    n: int,
    singular: str,
    plural: str,
    *,
    gender: Gender = "utrum",
    language: Language = "sv",
    start_of_sentence: bool = False,
) -> str:
    """A count with its noun: "en person", "Tio personer", "ett pass", "117 pass"."""
    noun = singular if n == 1 else plural
    counted = number(n, gender=gender, language=language, start_of_sentence=start_of_sentence)
    return f"{counted} {noun}"


def signed(n: int, *, language: Language = "sv") -> str:
    """A change with its sign: "+12", "−3" (U+2212), "0", "+1 250"."""
    return f"+{digits(n, language=language)}" if n > 0 else digits(n, language=language)


def percent(
    value: Decimal | int | float,
    *,
    decimals: int = 1,
    plus_sign: bool = False,
    language: Language = "sv",
) -> str:
    """A percentage: "12,5 procent", "−3,0 procent", "+1 250,0 procent", "12.5 per cent".

    ``value`` is already in percent (12.5, not 0.125). It is rounded half up
    to ``decimals`` places; ``plus_sign`` marks a rise ("+12,5 procent") in a
    change column, and a value that rounds to zero gets no sign.
    """
    if decimals < 0:
        raise ValueError("decimals cannot be negative.")
    # str() first, so that 0.1 means the 0.1 that was written, not its binary neighbour.
    exact = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not exact.is_finite():
        raise ValueError(f"Not a percentage: {value}.")
    rounded = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    whole, _, fraction = f"{abs(rounded):f}".partition(".")
    text = digits(int(whole), language=language)
    if fraction:
        text += _DECIMAL[language] + fraction
    if rounded < 0:
        text = MINUS + text
    elif rounded > 0 and plus_sign:
        text = "+" + text
    return f"{text} {_PERCENT[language]}"
