"""Pairwise and B-cubed scores from the contingency table, on cases worked out by hand."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from samverkan.demo.linkage_quality import score


def test_perfect_clustering() -> None:
    s = score(["a", "a", "b", "c"], ["x", "x", "y", "z"])
    assert (s.pairwise_precision, s.pairwise_recall, s.pairwise_f1) == (1.0, 1.0, 1.0)
    assert s.bcubed_f1 == 1.0


def test_one_wrong_merge() -> None:
    # Truth {1,2} {3,4}; predicted all four together: 2 of 6 pairs right, every true pair found.
    s = score(["p"] * 4, ["x", "x", "y", "y"])
    assert s.predicted_pairs == 6 and s.true_pairs == 2 and s.true_positive_pairs == 2
    assert s.pairwise_precision == pytest.approx(1 / 3)
    assert s.pairwise_recall == 1.0
    assert s.pairwise_f1 == pytest.approx(0.5)
    # B-cubed: each item's cluster holds 4, of which 2 in its network.
    assert s.bcubed_precision == pytest.approx(0.5)
    assert s.bcubed_recall == 1.0


def test_one_network_split() -> None:
    # Truth {1,2,3}; predicted {1,2} {3}: 1 of 3 true pairs found, no wrong pair.
    s = score(["a", "a", "b"], ["x", "x", "x"])
    assert s.pairwise_precision == 1.0
    assert s.pairwise_recall == pytest.approx(1 / 3)
    assert s.bcubed_recall == pytest.approx((2 / 3 + 2 / 3 + 1 / 3) / 3)


def test_all_singletons() -> None:
    s = score(["a", "b", "c"], ["x", "y", "z"])
    assert s.pairwise_precision == 1.0 and s.pairwise_recall == 1.0


def test_mappings_are_matched_by_id() -> None:
    s = score({"i1": "N1", "i2": "N1", "i3": "N2"}, {"i3": "t", "i1": "u", "i2": "u"})
    assert s.pairwise_f1 == 1.0
    with pytest.raises(ValueError, match="no predicted cluster"):
        score({"i1": "N1"}, {"i1": "u", "i2": "u"})


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=1, max_size=40))
def test_contingency_equals_counting_pairs(labels: list[tuple[int, int]]) -> None:
    predicted = [p for p, _ in labels]
    truth = [t for _, t in labels]
    pairs = list(itertools.combinations(range(len(labels)), 2))
    same_p = {(i, j) for i, j in pairs if predicted[i] == predicted[j]}
    same_t = {(i, j) for i, j in pairs if truth[i] == truth[j]}
    s = score(predicted, truth)
    assert s.true_positive_pairs == len(same_p & same_t)
    assert s.predicted_pairs == len(same_p)
    assert s.true_pairs == len(same_t)
