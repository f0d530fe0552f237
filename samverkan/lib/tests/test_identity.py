"""Identity numbers: hand-picked cases and properties over generated numbers.

Every number here is synthetic: generated or computed in the test, never a real person's.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from samverkan.lib.identity import (
    COORDINATION_DAY_OFFSET,
    RESERVE_MAX_LENGTH,
    InvalidIdentifier,
    NumberKind,
    Reason,
    luhn_check_digit,
    normalise_reserve,
    parse_identity_number,
    parse_personnummer,
    parse_samordningsnummer,
    short_form,
)

TODAY = dt.date(2025, 6, 1)


def make(birth: dt.date, serial: int, *, coordination: bool = False) -> str:
    """A valid twelve-digit number for ``birth`` and the three-digit ``serial``."""
    day = birth.day + (COORDINATION_DAY_OFFSET if coordination else 0)
    nine = f"{birth:%y%m}{day:02d}{serial:03d}"
    return f"{birth.year:04d}{nine[2:]}{luhn_check_digit(nine)}"


# --- Hand cases --------------------------------------------------------------------


def test_luhn_of_the_textbook_example() -> None:
    assert luhn_check_digit("811218987") == 6


@pytest.mark.parametrize(
    "text",
    ["811218-9876", "8112189876", "19811218-9876", "198112189876", " 811218 9876\n"],
)
def test_the_same_number_in_every_accepted_spelling(text: str) -> None:
    number = parse_personnummer(text, today=TODAY)
    assert number.normalised == "198112189876"
    assert number.birth_date == dt.date(1981, 12, 18)
    assert number.kind is NumberKind.PERSONNUMMER
    assert number.short_form(TODAY) == "811218-9876"


def test_ten_digits_without_separator_means_under_100() -> None:
    number = make(dt.date(2010, 3, 4), 123)
    assert parse_personnummer(number[2:], today=TODAY).normalised == number


def test_plus_means_100_or_older() -> None:
    number = make(dt.date(1920, 3, 4), 123)
    short = f"{number[2:8]}+{number[8:]}"
    assert parse_personnummer(short, today=TODAY).birth_date == dt.date(1920, 3, 4)
    # With a dash the same digits are a child born in 2020.
    dashed = short.replace("+", "-")
    assert parse_personnummer(dashed, today=TODAY).birth_date == dt.date(2020, 3, 4)
    assert short_form(number, TODAY) == short


def test_plus_from_the_year_of_the_hundredth_birthday() -> None:
    # Born in December 1925: on 1 June 2025 still 99, but the separator is already '+'.
    number = make(dt.date(1925, 12, 1), 5)
    assert short_form(number, TODAY) == f"{number[2:8]}+{number[8:]}"
    with pytest.raises(InvalidIdentifier) as caught:
        parse_personnummer(f"{number[2:8]}-{number[8:]}", today=TODAY)
    assert caught.value.reason is Reason.FUTURE


def test_born_today_is_accepted_and_tomorrow_is_not() -> None:
    assert parse_personnummer(make(TODAY, 1), today=TODAY).birth_date == TODAY
    with pytest.raises(InvalidIdentifier) as caught:
        parse_personnummer(make(TODAY + dt.timedelta(days=1), 1), today=TODAY)
    assert caught.value.reason is Reason.FUTURE


def test_twelve_digits_with_plus_for_someone_under_100() -> None:
    number = make(dt.date(1990, 1, 2), 42)
    with pytest.raises(InvalidIdentifier) as caught:
        parse_personnummer(f"{number[:8]}+{number[8:]}", today=TODAY)
    assert caught.value.reason is Reason.SEPARATOR
    old = make(dt.date(1920, 1, 2), 42)
    assert parse_personnummer(f"{old[:8]}+{old[8:]}", today=TODAY).normalised == old


def test_samordningsnummer_day_plus_60() -> None:
    number = make(dt.date(1990, 5, 17), 238, coordination=True)
    assert number[6:8] == "77"
    parsed = parse_samordningsnummer(number, today=TODAY)
    assert parsed.kind is NumberKind.SAMORDNINGSNUMMER
    assert parsed.birth_date == dt.date(1990, 5, 17)
    assert parsed.normalised == number
    assert parse_identity_number(number, today=TODAY) == parsed


def test_kinds_are_not_interchangeable() -> None:
    coordination = make(dt.date(1990, 5, 17), 238, coordination=True)
    personal = make(dt.date(1990, 5, 17), 238)
    with pytest.raises(InvalidIdentifier) as caught:
        parse_personnummer(coordination, today=TODAY)
    assert caught.value.reason is Reason.NOT_PERSONNUMMER
    with pytest.raises(InvalidIdentifier) as caught:
        parse_samordningsnummer(personal, today=TODAY)
    assert caught.value.reason is Reason.NOT_SAMORDNINGSNUMMER


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", Reason.EMPTY),
        ("   ", Reason.EMPTY),
        ("abc", Reason.FORMAT),
        ("811218/9876", Reason.FORMAT),
        ("81121-89876", Reason.FORMAT),
        ("811218-987", Reason.FORMAT),
        ("1981121898760", Reason.FORMAT),
        ("811218--9876", Reason.FORMAT),
        ("٨١١٢١٨-٩٨٧٦", Reason.FORMAT),  # Arabic-Indic digits are not accepted
        ("811218-9875", Reason.CHECKSUM),
        ("150916-0006", Reason.SERIAL),  # the check digit is right, but 000 is never issued
        ("20150976-0003", Reason.SERIAL),  # nor in a samordningsnummer
        ("811318-9876", Reason.DATE),  # month 13
        ("811200-9876", Reason.DATE),  # day 0
        ("810230-9876", Reason.DATE),  # 30 February
        ("810292-9876", Reason.DATE),  # 92 - 60 = 32
        ("19000229-1234", Reason.DATE),  # 1900 was not a leap year
    ],
)
def test_refused_with_a_reason(text: str, reason: Reason) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        parse_identity_number(text, today=TODAY)
    assert caught.value.reason is reason
    assert str(caught.value)


def test_leap_day_exists_in_leap_years_only() -> None:
    assert parse_personnummer(make(dt.date(2004, 2, 29), 17), today=TODAY).birth_date.day == 29
    # "000229+": 1900-02-29 does not exist.
    number = make(dt.date(2000, 2, 29), 17)
    with pytest.raises(InvalidIdentifier) as caught:
        parse_personnummer(f"{number[2:8]}+{number[8:]}", today=TODAY)
    assert caught.value.reason is Reason.DATE


def test_reserve_numbers_are_cleaned_loosely() -> None:
    assert normalise_reserve(" sll 99 123-4 ") == "SLL99123-4"
    with pytest.raises(InvalidIdentifier) as caught:
        normalise_reserve(" \t")
    assert caught.value.reason is Reason.EMPTY
    with pytest.raises(InvalidIdentifier) as caught:
        normalise_reserve("X" * (RESERVE_MAX_LENGTH + 1))
    assert caught.value.reason is Reason.TOO_LONG
    assert normalise_reserve("X" * RESERVE_MAX_LENGTH) == "X" * RESERVE_MAX_LENGTH


def test_short_form_refuses_garbage() -> None:
    with pytest.raises(InvalidIdentifier):
        short_form("1981-12-18", TODAY)


# --- Properties ----------------------------------------------------------------------

births = st.dates(min_value=dt.date(1880, 1, 1), max_value=TODAY)
# Birth number 000 is never issued (test_personnummer_meta.py).
serials = st.integers(min_value=1, max_value=999)
todays = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31))


@given(birth=births, serial=serials, coordination=st.booleans())
def test_generated_numbers_are_valid(birth: dt.date, serial: int, coordination: bool) -> None:
    number = make(birth, serial, coordination=coordination)
    parsed = parse_identity_number(number, today=TODAY)
    assert parsed.normalised == number
    assert parsed.birth_date == birth
    expected = NumberKind.SAMORDNINGSNUMMER if coordination else NumberKind.PERSONNUMMER
    assert parsed.kind is expected


@given(
    birth=births,
    serial=serials,
    coordination=st.booleans(),
    position=st.integers(min_value=2, max_value=11),
    delta=st.integers(min_value=1, max_value=9),
)
def test_one_changed_digit_is_refused(
    birth: dt.date, serial: int, coordination: bool, position: int, delta: int
) -> None:
    """The Luhn digit catches every single-digit error (the century is not covered by it)."""
    number = make(birth, serial, coordination=coordination)
    digit = (int(number[position]) + delta) % 10
    changed = number[:position] + str(digit) + number[position + 1 :]
    with pytest.raises(InvalidIdentifier) as caught:
        parse_identity_number(changed, today=TODAY)
    assert caught.value.reason in {Reason.CHECKSUM, Reason.DATE, Reason.FUTURE}


@given(birth=births, serial=serials, coordination=st.booleans(), position=st.integers(0, 8))
def test_swapped_neighbours_are_refused(
    birth: dt.date, serial: int, coordination: bool, position: int
) -> None:
    number = make(birth, serial, coordination=coordination)[2:]
    a, b = number[position], number[position + 1]
    # Luhn misses only the 0↔9 transposition, and a swap of equal digits changes nothing.
    assume(a != b and {a, b} != {"0", "9"})
    swapped = number[:position] + b + a + number[position + 2 :]
    with pytest.raises(InvalidIdentifier):
        parse_identity_number(swapped, today=TODAY)


@given(birth=births, serial=serials, coordination=st.booleans(), today=todays)
def test_ten_and_twelve_digits_round_trip(
    birth: dt.date, serial: int, coordination: bool, today: dt.date
) -> None:
    assume(birth <= today and today.year - birth.year < 200)
    number = make(birth, serial, coordination=coordination)
    short = short_form(number, today)
    assert len(short) == 11
    assert short[6] == ("+" if today.year - birth.year >= 100 else "-")
    assert parse_identity_number(short, today=today).normalised == number
    assert parse_identity_number(number, today=today).short_form(today) == short


@given(text=st.text(max_size=20))
def test_arbitrary_text_is_parsed_or_refused_with_a_reason(text: str) -> None:
    try:
        parsed = parse_identity_number(text, today=TODAY)
    except InvalidIdentifier as exc:
        assert exc.reason in set(Reason)
    else:
        assert len(parsed.normalised) == 12
        assert parsed.normalised.isdigit()
        assert parsed.birth_date <= TODAY


@given(text=st.text(min_size=1, max_size=60))
def test_reserve_normalisation_is_idempotent(text: str) -> None:
    try:
        once = normalise_reserve(text)
    except InvalidIdentifier as exc:
        assert exc.reason in {Reason.EMPTY, Reason.TOO_LONG}
    else:
        assert normalise_reserve(once) == once
        assert 0 < len(once) <= RESERVE_MAX_LENGTH
