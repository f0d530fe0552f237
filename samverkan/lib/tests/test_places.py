"""The one rule for places: cities, street addresses and venues."""

from __future__ import annotations

import pytest

from samverkan.lib.places import (
    address_city,
    display_city,
    normalise_address,
    normalise_city,
    similarity,
    venue_key,
)


@pytest.mark.parametrize("raw", ["Stockholm", "STOCKHOLM", "Sthlm", "stockholm", " stockholm ", "Stockholms stad"])
def test_spellings_of_stockholm_are_one_city(raw: str) -> None:
    assert normalise_city(raw) == "stockholm"


def test_cities_fold_accents_and_suffixes() -> None:
    assert normalise_city("Södertälje") == normalise_city("SODERTALJE") == "sodertalje"
    assert normalise_city("Solna stad") == normalise_city("SOLNA") == "solna"
    assert normalise_city("") is None and normalise_city("  ") is None


def test_the_city_shown_is_the_common_proper_spelling() -> None:
    assert display_city(["STOCKHOLM", "Sthlm", "stockholm", "Stockholm", "Stockholm"]) == "Stockholm"
    assert display_city(["SÖDERTÄLJE", "Sodertalje", "södertälje"]) == "Södertälje"
    assert display_city(["SOLNA"]) == "Solna"
    assert display_city(["Sthlm"]) == "Sthlm"  # nothing better was written
    assert display_city([]) == ""


def test_addresses_keep_the_street() -> None:
    assert normalise_address("Drottningg. 5 B, 111 51 Stockholm") == "drottninggatan 5b"
    assert normalise_address("Sveav. 12") == "sveavagen 12"
    assert address_city("Drottninggatan 5, 111 51 Stockholm") == "stockholm"
    assert address_city("Drottninggatan 5") is None
    assert address_city("https://annonssajt.example/a,b") is None


def test_a_venue_typed_again_has_the_same_key() -> None:
    key = venue_key("Hotell Nova", "Drottninggatan 5")
    assert venue_key("hotell nova", "Drottningg. 5, Stockholm") == key
    assert venue_key("HOTELL NOVA", "Drottninggatan 5, 111 51 Stockholm") == key
    assert venue_key("Hotell Nova", "Drottninggatan 7") != key
    # A web address keeps its path (a comma means nothing there).
    assert venue_key("Sajt", "https://www.example.com/a,b") != venue_key("Sajt", "https://www.example.com/a")


def test_similar_venues_score_high_and_different_ones_low() -> None:
    assert similarity("Hotell Nova", "Drottninggatan 5", "Nova hotell", "Drottninggatan 5, Stockholm") >= 90
    assert similarity("Hotel Nova", "Drotninggatan 5", "Hotell Nova", "Drottninggatan 5") >= 80
    assert similarity("Hotell Nova", "", "Hotell Nova", "Drottninggatan 5") == 100
    assert similarity("Hotell Nova", "Drottninggatan 5", "Korttidslägenhet", "Sveavägen 90") < 60
