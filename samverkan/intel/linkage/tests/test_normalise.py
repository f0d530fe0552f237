"""Normalisers: Swedish phone numbers in every common form, and the other identifiers."""

from __future__ import annotations

import duckdb
import phonenumbers
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samverkan.demo.intel_items import format_phone
from samverkan.intel.linkage import features
from samverkan.intel.linkage.normalise import (
    find_phones,
    find_vehicles,
    normalise,
    normalise_address,
    normalise_city,
    normalise_email,
    normalise_handle,
    normalise_image_hash,
    normalise_name,
    normalise_phone,
    normalise_url,
    normalise_vehicle,
)

# PTS's numbers for fiction: 070-174 06 05 … 99 and 08-46 50 04 00 … 99.
MOBILE = "+46701740605"
STOCKHOLM = "+46846500400"


@pytest.mark.parametrize(
    "written",
    [
        "070-174 06 05",
        "+46 70 174 06 05",
        "0046701740605",
        "070 1740605",
        "0701740605",
        "+46701740605",
        "+46 (0)70-174 06 05",
        "070.174.06.05",
        "0701-74 06 05",
        "46701740605",
        "+46 070 174 06 05",
        " 070-174 06 05 ",
    ],
)
def test_mobile_number_written_many_ways(written: str) -> None:
    assert normalise_phone(written) == MOBILE


@pytest.mark.parametrize(
    "written",
    ["(08) 465 004 00", "08-465 004 00", "08 46500400", "+46 8 465 004 00", "0046 8 46500400"],
)
def test_stockholm_number_with_area_code(written: str) -> None:
    assert normalise_phone(written) == STOCKHOLM


def test_number_inside_text() -> None:
    assert find_phones("ring 0701740605!") == [("0701740605", MOBILE)]
    assert normalise_phone("Tel: 070-174 06 05 efter 18") == MOBILE
    found = find_phones("Sms 070-174 06 05 eller ring receptionen (08) 465 004 00, ej 01-05-2024.")
    assert [value for _raw, value in found] == [MOBILE, STOCKHOLM]


def test_not_a_phone_number() -> None:
    assert normalise_phone("") is None
    assert normalise_phone("12") is None
    assert find_phones("pris 1500 kr, 01-05-2024, 20 år") == []


def test_foreign_number_through_phonenumbers() -> None:
    assert normalise_phone("+44 20 7946 0000") == "+442079460000"


@given(national=st.integers(min_value=741_000_000, max_value=741_999_999), style=st.integers(0, 11))
@settings(max_examples=200, deadline=None)
def test_fast_path_agrees_with_phonenumbers(national: int, style: int) -> None:
    written = format_phone(str(national), style)
    expected = phonenumbers.format_number(
        phonenumbers.parse(written, "SE"), phonenumbers.PhoneNumberFormat.E164
    )
    assert normalise_phone(written) == expected


def test_other_identifiers() -> None:
    assert normalise_email(" Anna.B (at) Example (dot) com ") == "anna.b@example.com"
    assert normalise_email("mailto:ANNA@EXAMPLE.NET") == "anna@example.net"
    assert normalise_email("not an address") is None
    assert (
        normalise_url("HTTPS://www.Example.com/ad/12/?utm_source=x&id=4#top")
        == "example.com/ad/12?id=4"
    )
    assert normalise_url("https://example.com/") == "example.com"
    assert normalise_handle("@Anna_B") == normalise_handle("anna_b") == "anna_b"
    assert normalise_handle("Telegram: @Anna") == "telegram:anna"
    assert normalise_name("  ÅSA-Lena ") == normalise_name("Åsa-lena") == "asa-lena"
    assert normalise_name("Éva") == normalise_name("EVA") == "eva"
    assert normalise_vehicle("abc 12a") == "ABC12A"
    assert normalise_vehicle("ABC-123") == "ABC123"
    assert normalise_vehicle("QAB 123") is None  # Q is not used on Swedish plates
    assert find_vehicles("Vit Volvo ABC 123 och XYZ 45B") == [
        ("ABC 123", "ABC123"),
        ("XYZ 45B", "XYZ45B"),
    ]
    assert normalise_image_hash("0xDEAD-BEEF:0011 2233") == "deadbeef00112233"
    assert normalise_image_hash("xyz") is None
    assert normalise_address("Storg. 12 B, 111 22 Stockholm") == "storgatan 12b"
    assert normalise_address("Drottninggatan 5 111 51 Stockholm") == "drottninggatan 5"
    assert normalise_city("GÖTEBORG") == normalise_city("Gbg") == "goteborg"
    assert normalise("phone", "070-174 06 05") == MOBILE
    with pytest.raises(ValueError, match="unknown entity kind"):
        normalise("shoe size", "38")


RAW_VALUES = st.one_of(
    st.builds(format_phone, st.integers(700_000_000, 799_999_999).map(str), st.integers(0, 11)),
    st.builds(format_phone, st.integers(846_500_400, 846_500_499).map(str), st.integers(0, 7)),
    st.text(alphabet="0123456789 +-()./", min_size=1, max_size=20),
    st.text(min_size=1, max_size=20),
)


@given(values=st.lists(RAW_VALUES, min_size=1, max_size=30))
@settings(max_examples=60, deadline=None)
def test_sql_fast_paths_equal_the_python_normalisers(values: list[str]) -> None:
    """The batch normalises most values in SQL; it must answer exactly as the Python functions."""
    con = duckdb.connect()
    urls = [f"https://www.example.com/annons/{v}" for v in values] + [v.lower() for v in values]
    hashes = [f"0x{abs(hash(v)):016x}" for v in values] + values
    rows = (
        [("phone", "field", v) for v in values]
        + [("phone", "text", v) for v in values]
        + [("url", "field", v) for v in urls]
        + [("image_hash", "field", v) for v in hashes]
    )
    con.register(
        "typed",
        pa.table(
            {
                "source": [r[0] if r[1] == "field" else "text" for r in rows],
                "kind": [r[0] for r in rows],
                "origin": [r[1] for r in rows],
                "raw": [r[2] for r in rows],
            }
        ),
    )
    cases = " ".join(
        f"WHEN kind = '{kind}' THEN {sql}" for kind, sql in features.FAST_PATHS.items()
    )
    answers = con.sql(
        f"""WITH prepared AS (SELECT *, {features._FAST_INPUTS} FROM typed),
        national AS (SELECT *, {features._PHONE_NATIONAL} AS national FROM prepared)
        SELECT kind, origin, raw, CASE {cases} END FROM national"""
    ).fetchall()
    for kind, origin, raw, fast in answers:
        if fast is None:
            continue
        expected = features._normalised(kind, origin, raw)
        assert fast == expected, (kind, origin, raw)
