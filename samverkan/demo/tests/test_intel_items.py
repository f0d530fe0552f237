"""The synthetic world: deterministic, fictional numbers only, and the hard cases present."""

from __future__ import annotations

from collections import Counter, defaultdict

import phonenumbers
import pytest

from samverkan.demo.intel_items import FICTION_RANGES, GeneratedItems, generate
from samverkan.intel.linkage import normalise


@pytest.fixture(scope="module")
def sample() -> GeneratedItems:
    """The sample the linkage tests link (``intel/linkage/tests/conftest.py``)."""
    return generate(3000, seed=5)


def _fiction(e164: str) -> bool:
    national = e164.removeprefix("+46")
    for area, first, count in FICTION_RANGES.values():
        if national.startswith(area):
            number = int(national[len(area) :]) if national[len(area) :].isdigit() else -1
            if first <= number < first + count:
                return True
    return False


def test_deterministic() -> None:
    a, b = generate(500, seed=3), generate(500, seed=3)
    assert a.items.equals(b.items) and a.truth.equals(b.truth)
    assert a.items.num_rows == 500


def test_every_phone_number_is_fictional_or_not_in_use(sample: GeneratedItems) -> None:
    numbers: set[str] = set()
    for row in sample.items.select(["phones", "text"]).to_pylist():
        numbers |= {normalise.normalise_phone(p) or "" for p in row["phones"]}
        numbers |= {value for _raw, value in normalise.find_phones(row["text"] or "")}
    numbers.discard("")
    assert numbers
    for number in numbers:
        parsed = phonenumbers.parse(number)
        assert _fiction(number) or not phonenumbers.is_valid_number(parsed), number


def test_hard_cases_are_present(sample: GeneratedItems) -> None:
    truth = sample.truth_by_id()
    rows = sample.items.to_pylist()
    networks_by_number: dict[str, set[str]] = defaultdict(set)
    ads_without_phone = 0
    for row in rows:
        found = {normalise.normalise_phone(p) for p in row["phones"]}
        found |= {value for _raw, value in normalise.find_phones(row["text"] or "")}
        found.discard(None)
        for number in found:
            networks_by_number[str(number)].add(truth[row["id"]])
        if row["kind"] == "ad" and not found:
            ads_without_phone += 1
    shared = [n for n, nets in networks_by_number.items() if len(nets) >= 5]
    assert shared, "no switchboard or customer-service number in several networks' ads"
    assert ads_without_phone > 0.05 * len(rows)
    sizes = Counter(truth.values())
    assert max(sizes.values()) >= 60
    raw_forms = Counter(p for row in rows for p in row["phones"])
    assert len(raw_forms) > len(
        {normalise.normalise_phone(p) for p in raw_forms}
    )  # one number, many forms
