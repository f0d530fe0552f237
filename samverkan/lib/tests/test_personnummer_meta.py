"""The cross-language personnummer projects' shared test cases, against ``lib/identity``.

``personnummer_meta.json`` is a copy of the cases in ``testdata/list.json`` and
``testdata/3.1/list.json`` of https://github.com/personnummer/meta (MIT), the
test data that the personnummer libraries for every language run. Their
numbers are synthetic. The copy keeps each case's four spellings, whether it is
valid, and its type (``ssn`` personnummer, ``con`` samordningsnummer,
``interim`` interim number); the gender fields are left out, as Samverkan
derives nothing from the number but the date of birth.

Where Samverkan deliberately differs from the shared cases (also in
docs/architecture.md, "Identity numbers"):

- **Whitespace is ignored.** People paste numbers as ``850709 9805`` or with a
  trailing newline, so spaces are dropped before parsing; the shared cases
  refuse ``19090527 1474``. A space is not a separator either: ``090527 1474``
  reads as ``0905271474``, a person under 100 (born 2009), not as ``+``.
- **Interim numbers** (a letter in the birth number) are refused, as in the
  shared cases; a person without a personnummer gets a reserve number instead.

Everything else agrees: the Luhn digit, samordningsnummer (day + 60), ``+``
from the year of the hundredth birthday, the century of a ten-digit number
without separator (under 100), and serial number 000, which is never issued.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from samverkan.lib.identity import InvalidIdentifier, NumberKind, Reason, parse_identity_number

# Every case is dated before this day; validity does not depend on it otherwise.
TODAY = dt.date(2025, 6, 1)
CASES: list[dict[str, Any]] = json.loads(
    (Path(__file__).with_name("personnummer_meta.json")).read_text(encoding="utf-8")
)
KINDS = {"ssn": NumberKind.PERSONNUMMER, "con": NumberKind.SAMORDNINGSNUMMER}
SPELLINGS = ("long_format", "short_format", "separated_format", "separated_long")


def deliberately_different(case: dict[str, Any]) -> bool:
    """The cases Samverkan answers differently on purpose: spaces as separator."""
    return " " in case["long_format"]


def case_id(case: dict[str, Any]) -> str:
    return f"{case['type']}-{case['separated_long']}-{'valid' if case['valid'] else 'invalid'}"


def test_the_copy_holds_every_kind_of_case() -> None:
    assert len(CASES) == 36
    assert {c["type"] for c in CASES} == {"ssn", "con", "interim"}
    assert sum(c["valid"] for c in CASES) == 13
    assert sum(deliberately_different(c) for c in CASES) == 1


@pytest.mark.parametrize("case", [c for c in CASES if not deliberately_different(c)], ids=case_id)
def test_shared_case(case: dict[str, Any]) -> None:
    if not case["valid"]:
        for spelling in SPELLINGS:
            with pytest.raises(InvalidIdentifier):
                parse_identity_number(case[spelling], today=TODAY)
        return
    kind = KINDS[case["type"]]
    # The spellings that carry the century or its separator give the same number.
    for spelling in ("long_format", "separated_format", "separated_long"):
        number = parse_identity_number(case[spelling], today=TODAY)
        assert number.normalised == case["long_format"], spelling
        assert number.kind is kind, spelling
    # Ten digits without a separator: valid, read as a person under 100.
    short = parse_identity_number(case["short_format"], today=TODAY)
    assert short.kind is kind
    assert short.normalised[2:] == case["long_format"][2:]
    assert TODAY.year - short.birth_date.year < 100


def test_serial_number_000_is_refused_although_its_check_digit_is_right() -> None:
    (case,) = [c for c in CASES if c["long_format"] == "201509160006"]
    assert not case["valid"]
    for spelling in SPELLINGS:
        with pytest.raises(InvalidIdentifier) as caught:
            parse_identity_number(case[spelling], today=TODAY)
        assert caught.value.reason is Reason.SERIAL


@pytest.mark.parametrize("case", [c for c in CASES if deliberately_different(c)], ids=case_id)
def test_spaces_are_ignored_where_the_shared_cases_refuse_them(case: dict[str, Any]) -> None:
    assert not case["valid"]  # the shared verdict, which Samverkan does not follow here
    # Twelve digits with a space: the same number as without it.
    assert parse_identity_number(case["long_format"], today=TODAY).normalised == "190905271474"
    assert parse_identity_number(case["separated_long"], today=TODAY).normalised == "190905271474"
    # Ten digits with a space: no separator, so a person under 100.
    for spelling in ("short_format", "separated_format"):
        assert parse_identity_number(case[spelling], today=TODAY).normalised == "200905271474"
