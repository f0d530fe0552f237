"""Numbers in press style: the press release's own sentences, then properties."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from samverkan.lib.swedish_numbers import (
    LAST_IN_WORDS,
    MINUS,
    NO_BREAK_SPACE,
    Language,
    digits,
    number,
    percent,
    quantity,
    signed,
)

NBSP = NO_BREAK_SPACE

# --- The press release's "FAKTA" block ---------------------------------------------


def test_tio_personer_under_18_ar() -> None:
    text = quantity(10, "person", "personer", start_of_sentence=True) + " under 18 år"
    assert text == "Tio personer under 18 år"


def test_tre_personer_under_18_ar() -> None:
    text = quantity(3, "person", "personer", start_of_sentence=True) + " under 18 år"
    assert text == "Tre personer under 18 år"


def test_117_gemensamma_pass_at_the_start_of_a_sentence_stays_in_digits() -> None:
    count = number(117, gender="neutrum", start_of_sentence=True)
    assert f"{count} gemensamma pass" == "117 gemensamma pass"


def test_240_personer_over_18_ar() -> None:
    text = quantity(240, "person", "personer", start_of_sentence=True) + " över 18 år"
    assert text == "240 personer över 18 år"


def test_220_personer() -> None:
    assert (
        f"anmälningar mot {quantity(220, 'person', 'personer')}" == "anmälningar mot 220 personer"
    )


# --- Words, digits and gender ------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "word"),
    [
        (0, "noll"),
        (1, "en"),
        (2, "två"),
        (3, "tre"),
        (4, "fyra"),
        (5, "fem"),
        (6, "sex"),
        (7, "sju"),
        (8, "åtta"),
        (9, "nio"),
        (10, "tio"),
        (11, "elva"),
        (12, "tolv"),
        (13, "13"),
    ],
)
def test_zero_to_twelve_in_words_then_digits(n: int, word: str) -> None:
    assert number(n) == word


def test_one_agrees_with_the_noun() -> None:
    assert quantity(1, "person", "personer") == "en person"
    assert quantity(1, "pass", "pass", gender="neutrum") == "ett pass"
    assert quantity(1, "pass", "pass", gender="neutrum", start_of_sentence=True) == "Ett pass"
    assert quantity(0, "pass", "pass", gender="neutrum") == "noll pass"


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1250, f"1{NBSP}250"),
        (12000, f"12{NBSP}000"),
        (1_000_000, f"1{NBSP}000{NBSP}000"),
        (999, "999"),
    ],
)
def test_thousands_are_grouped_with_a_no_break_space(n: int, text: str) -> None:
    assert number(n) == text
    assert text.replace(NBSP, " ") == f"{n:,}".replace(",", " ")


def test_english() -> None:
    assert number(1, language="en", start_of_sentence=True) == "One"
    assert number(12, language="en") == "twelve"
    assert number(1250, language="en") == "1,250"
    assert quantity(1, "shift", "shifts", language="en") == "one shift"
    assert quantity(117, "joint shift", "joint shifts", language="en") == "117 joint shifts"


def test_a_negative_count_is_a_bug() -> None:
    with pytest.raises(ValueError, match="negative"):
        number(-1)


# --- Changes and percent -----------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "text"), [(12, "+12"), (-3, f"{MINUS}3"), (0, "0"), (1250, f"+1{NBSP}250")]
)
def test_changes_are_signed_with_a_real_minus(n: int, text: str) -> None:
    assert signed(n) == text


@pytest.mark.parametrize(
    ("value", "kwargs", "text"),
    [
        (12.5, {}, "12,5 procent"),
        (Decimal("12.25"), {}, "12,3 procent"),  # half up, not half even
        (12.25, {}, "12,3 procent"),  # the 12.25 that was written, not its binary neighbour
        (Decimal("-17.5"), {}, f"{MINUS}17,5 procent"),
        (Decimal("17.5"), {"plus_sign": True}, "+17,5 procent"),
        (Decimal("-0.04"), {"plus_sign": True}, "0,0 procent"),  # no "−0,0"
        (50, {"decimals": 0}, "50 procent"),
        (Decimal("1250.5"), {}, f"1{NBSP}250,5 procent"),
        (12.5, {"language": "en"}, "12.5 per cent"),
        (Decimal("1250.5"), {"language": "en"}, "1,250.5 per cent"),
    ],
)
def test_percent(value: Decimal | float, kwargs: dict[str, object], text: str) -> None:
    assert percent(value, **kwargs) == text  # type: ignore[arg-type]


def test_percent_refuses_what_is_not_a_number() -> None:
    with pytest.raises(ValueError):
        percent(float("nan"))
    with pytest.raises(ValueError):
        percent(1, decimals=-1)


# --- Properties --------------------------------------------------------------------

languages = st.sampled_from(["sv", "en"])
GROUPED = {"sv": re.compile(r"\d{1,3}(\u00a0\d{3})*"), "en": re.compile(r"\d{1,3}(,\d{3})*")}


def parse_digits(text: str) -> int:
    return int(text.replace(NBSP, "").replace(",", "").replace(MINUS, "-"))


@given(st.integers(min_value=LAST_IN_WORDS + 1), languages)
def test_thirteen_and_above_are_grouped_digits(n: int, language: Language) -> None:
    text = number(n, language=language, start_of_sentence=True)
    assert GROUPED[language].fullmatch(text)
    assert parse_digits(text) == n


@given(st.integers(min_value=0, max_value=LAST_IN_WORDS), languages)
def test_zero_to_twelve_are_one_lower_case_word(n: int, language: Language) -> None:
    word = number(n, language=language)
    assert word.isalpha()
    assert word.islower()
    assert number(n, language=language, start_of_sentence=True) == word[0].upper() + word[1:]


def test_the_words_are_distinct() -> None:
    for language in ("sv", "en"):
        words = {number(n, language=language) for n in range(LAST_IN_WORDS + 1)}
        assert len(words) == LAST_IN_WORDS + 1


@given(st.integers(min_value=0, max_value=10**9))
def test_gender_matters_only_for_one(n: int) -> None:
    same = number(n, gender="utrum") == number(n, gender="neutrum")
    assert same is (n != 1)


@given(st.integers(), languages)
def test_digits_and_signed_read_back(n: int, language: Language) -> None:
    assert parse_digits(digits(n, language=language)) == n
    text = signed(n, language=language)
    assert parse_digits(text) == n
    assert text[0] == ("+" if n > 0 else MINUS if n < 0 else "0")
    assert "-" not in text  # a real minus sign, never a hyphen


@given(
    st.decimals(min_value=-(10**7), max_value=10**7, allow_nan=False, allow_infinity=False),
    st.integers(min_value=0, max_value=3),
    languages,
)
def test_percent_reads_back_as_the_rounded_value(
    value: Decimal, decimals: int, language: Language
) -> None:
    text = percent(value, decimals=decimals, plus_sign=True, language=language)
    figure, unit = text.split(" ", 1)
    assert unit == {"sv": "procent", "en": "per cent"}[language]
    point = {"sv": ",", "en": "."}[language]
    assert figure.count(point) == (1 if decimals else 0)
    thousands = {"sv": NBSP, "en": ","}[language]
    plain = figure.replace(thousands, "").replace(point, ".").replace(MINUS, "-")
    expected = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    assert Decimal(plain) == expected
    assert figure.startswith("+") is (expected > 0)
