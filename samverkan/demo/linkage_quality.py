"""Quality of a clustering against ground truth, without materialising pairs.

Both measures come from the contingency table of predicted cluster × true
network (``n_ij`` items in predicted cluster *i* and true network *j*, with
row sums ``a_i`` and column sums ``b_j``), so a million items cost one
group-by, not 10¹¹ pairs.

- **Pairwise**: a pair of items is predicted linked when both are in one
  cluster, truly linked when both are in one network. True positives are
  Σ C(n_ij, 2), predicted pairs Σ C(a_i, 2), true pairs Σ C(b_j, 2):
  precision = TP / predicted, recall = TP / true, F1 their harmonic mean.
  Large networks weigh quadratically, as in the issue's targets.
- **B-cubed** (Bagga and Baldwin): per item, precision is the share of its
  cluster that is in its network and recall the share of its network that is
  in its cluster, averaged over items: precision = Σ n_ij² / a_i / N,
  recall = Σ n_ij² / b_j / N. Every item weighs the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Scores", "contingency", "score"]


@dataclass(frozen=True)
class Scores:
    items: int
    pairwise_precision: float
    pairwise_recall: float
    pairwise_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    true_pairs: int
    predicted_pairs: int
    true_positive_pairs: int

    def as_dict(self) -> dict[str, float | int]:
        return dict(self.__dict__)


def _harmonic(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def _codes(labels: Sequence[Any] | np.ndarray) -> np.ndarray:
    _, codes = np.unique(np.asarray(labels, dtype=object).astype(str), return_inverse=True)
    return codes.astype(np.int64)


def contingency(
    predicted: Sequence[Any] | np.ndarray, truth: Sequence[Any] | np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(n_ij, a_i, b_j) per non-empty cell: the counts behind both measures."""
    if len(predicted) != len(truth):
        raise ValueError("predicted and truth must label the same items")
    p = _codes(predicted)
    t = _codes(truth)
    cells, n = np.unique(p * (t.max(initial=0) + 1) + t, return_counts=True)
    rows = cells // (t.max(initial=0) + 1)
    cols = cells % (t.max(initial=0) + 1)
    a = np.bincount(p)[rows]
    b = np.bincount(t)[cols]
    return n.astype(np.int64), a.astype(np.int64), b.astype(np.int64)


def score(
    predicted: Mapping[str, Any] | Sequence[Any] | np.ndarray,
    truth: Mapping[str, Any] | Sequence[Any] | np.ndarray,
) -> Scores:
    """Pairwise and B-cubed scores; two mappings are matched by item id."""
    if isinstance(predicted, Mapping) and isinstance(truth, Mapping):
        ids = sorted(truth)
        missing = [i for i in ids if i not in predicted]
        if missing:
            raise ValueError(f"{len(missing)} items have no predicted cluster, e.g. {missing[0]!r}")
        predicted_labels: Sequence[Any] = [predicted[i] for i in ids]
        true_labels: Sequence[Any] = [truth[i] for i in ids]
    elif isinstance(predicted, Mapping) or isinstance(truth, Mapping):
        raise TypeError("give both as mappings (id → label) or both as sequences")
    else:
        predicted_labels, true_labels = list(predicted), list(truth)
    n, a, b = contingency(predicted_labels, true_labels)
    items = int(n.sum())
    tp = int((n * (n - 1) // 2).sum())
    _, pred_sizes = np.unique(_codes(predicted_labels), return_counts=True)
    _, true_sizes = np.unique(_codes(true_labels), return_counts=True)
    predicted_pairs = int((pred_sizes * (pred_sizes - 1) // 2).sum())
    true_pairs = int((true_sizes * (true_sizes - 1) // 2).sum())
    precision = tp / predicted_pairs if predicted_pairs else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    squared = n.astype(np.float64) ** 2
    b3_precision = float((squared / a).sum() / items) if items else 1.0
    b3_recall = float((squared / b).sum() / items) if items else 1.0
    return Scores(
        items=items,
        pairwise_precision=precision,
        pairwise_recall=recall,
        pairwise_f1=_harmonic(precision, recall),
        bcubed_precision=b3_precision,
        bcubed_recall=b3_recall,
        bcubed_f1=_harmonic(b3_precision, b3_recall),
        true_pairs=true_pairs,
        predicted_pairs=predicted_pairs,
        true_positive_pairs=tp,
    )
