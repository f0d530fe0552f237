"""Glue identifiers, exact components and their spanning links.

Items that share an identifier (a phone number, an e-mail address, a photo…)
belong together — unless the identifier is **glue**: a hotel's switchboard, a
site's customer-service number, a popular hotel's address, a stock photo,
printed in the ads of many otherwise unrelated actors. Document frequency
alone cannot tell glue apart, because a large network's own number recurs in
hundreds of its ads just as a switchboard does. What differs is what the
identifier *joins*.

**The statistic.** Items already joined by other identifiers form groups.
The **span** of an identifier *e* with items *I(e)* is the number of distinct
groups that *I(e)* falls into and that have a life of their own: at least
``min_outside`` (1) items that do *not* carry *e*. A switchboard printed in
the ads of twenty networks finds twenty groups, each held together by the
network's own numbers and photos and each with ads that do not mention the
hotel: span 20. A large network's own number finds the groups formed by its
photos and e-mail, but those groups live inside it (every ad has the number),
so they do not count: span 0 or 1. An identifier is **glue** when its span
reaches ``min_span`` (3): it would join three or more otherwise-unconnected
groups. Glue is left out, so it neither links items nor hides other glue.
An identifier carried by fewer than ``min_span`` items cannot reach the span.

**Three passes.**

1. Identifiers are judged in increasing frequency (bands of 2, 3, 4, 5–6,
   7–9, … items), each band against the groups of the rarer ones; a band's
   identifiers below the span are joined at once. A rarer identifier is judged
   before common ones blur the picture, and two glue identifiers of one hotel
   (its switchboard and its street address) cannot mask each other: each is
   judged without the other, where a leave-one-out test would find the
   hotel's ads still joined by the other and accept both. Those above the
   span are **suspects**.
2. The suspects are judged again against the groups of *all* accepted
   identifiers, rarer or not, and accepted while their span falls below the
   cut-off. This pass over-flags: a network's booking number, printed next to
   each worker's own number, joins the workers' groups, each with ads of its
   own, as a switchboard joins networks.
3. (``content_pass``, after the content model has scored the candidate pairs)
   The suspects are judged once more against groups joined by identifiers *and*
   by content: pairs the model finds more likely than not to be one actor's.
   A booking number's groups read alike (the network's texts) and merge; the
   groups a switchboard joins do not. What still spans three groups is glue.

Accepted identifiers join their items into the **exact components**; every
union of two groups is recorded as a link (item, the identifier's first item,
the identifier), so a component of *n* items is explained by *n − 1* links
and a large network never produces all its pairs. Groups are arrays of
labels joined by NumPy (hooking roots onto smaller roots, then pointer
jumping), so a million items take seconds.
"""

from __future__ import annotations

import numpy as np

__all__ = ["IdentifierGraph"]

MIN_SPAN = 3
MIN_OUTSIDE = 1


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The concatenation of ``range(start, start + count)`` for each pair, vectorised."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets: np.ndarray = np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    result: np.ndarray = np.arange(total, dtype=np.int64) + offsets
    return result


class IdentifierGraph:
    """Items joined by the identifiers they share, with glue detection (see the module docstring).

    ``entity_items[entity_ptr[e]:entity_ptr[e + 1]]`` are the items of
    identifier ``e`` (sorted, distinct). The groups are kept as an array of
    labels (each item's root), joined and compressed in NumPy.
    """

    def __init__(self, n_items: int, entity_ptr: np.ndarray, entity_items: np.ndarray) -> None:
        self.n_items = n_items
        self.labels = np.arange(n_items, dtype=np.int64)
        self._ptr = np.asarray(entity_ptr, dtype=np.int64)
        self._items = np.asarray(entity_items, dtype=np.int64)
        self.link_item: list[int] = []
        self.link_anchor: list[int] = []
        self.link_entity: list[int] = []

    def members(self, e: int) -> np.ndarray:
        result: np.ndarray = self._items[self._ptr[e] : self._ptr[e + 1]]
        return result

    def _incidences(self, identifiers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(owner, item) for every item of the given identifiers."""
        counts = np.diff(self._ptr)[identifiers]
        return np.repeat(identifiers, counts), self._items[_ranges(self._ptr[identifiers], counts)]

    # --- groups ---

    def components(self, labels: np.ndarray | None = None) -> np.ndarray:
        """Per item, the smallest item index of its component (independent of union order)."""
        roots = _compressed(self.labels if labels is None else labels.copy())
        smallest = np.full(self.n_items, self.n_items, dtype=np.int64)
        np.minimum.at(smallest, roots, np.arange(self.n_items, dtype=np.int64))
        result: np.ndarray = smallest[roots].astype(np.int32)
        return result

    def joined(self, pairs: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        """The labels with the item pairs (two arrays) joined as well; the graph is unchanged."""
        labels = self.labels.copy()
        _union(labels, np.asarray(pairs[0], dtype=np.int64), np.asarray(pairs[1], dtype=np.int64))
        return labels

    def _spans(self, labels: np.ndarray, identifiers: np.ndarray, min_outside: int) -> np.ndarray:
        """Span of each identifier: the groups its items fall into that have items without it."""
        if len(identifiers) == 0:
            return np.zeros(0, dtype=np.int64)
        _owner, members = self._incidences(identifiers)
        position = np.repeat(np.arange(len(identifiers)), np.diff(self._ptr)[identifiers])
        size = np.bincount(labels, minlength=self.n_items)
        roots = labels[members]
        keys, inside = np.unique(position * self.n_items + roots, return_counts=True)
        independent = size[keys % self.n_items] - inside >= min_outside
        return np.bincount(keys[independent] // self.n_items, minlength=len(identifiers))

    def _accept(self, identifiers: np.ndarray, also: np.ndarray | None = None) -> None:
        """Join the items of ``identifiers`` (links recorded); in ``also`` as well, if given."""
        if len(identifiers) == 0:
            return
        owner, members = self._incidences(identifiers)
        anchors = self._items[self._ptr[owner]]
        if also is not None:
            _union(also, anchors, members)
        chosen = _union(self.labels, anchors, members)
        self.link_item.extend(members[chosen].tolist())
        self.link_anchor.extend(anchors[chosen].tolist())
        self.link_entity.extend(owner[chosen].tolist())

    # --- the passes ---

    def structural_passes(
        self, order: np.ndarray, *, min_span: int = MIN_SPAN, min_outside: int = MIN_OUTSIDE
    ) -> list[int]:
        """Passes 1 and 2: accept identifiers; return the suspects (candidate glue), rarest first.

        ``order`` lists the identifiers by increasing frequency. Pass 1 runs
        over frequency bands (2, 3, 4, 5–6, 7–9, … items): the identifiers of
        one band are judged together against the groups of the rarer bands,
        then the accepted ones are joined. Pass 2 judges the suspects again
        against the groups of all accepted identifiers, until nothing changes.
        """
        frequency = np.diff(self._ptr)[order]
        order = order[frequency >= 2]
        frequency = frequency[frequency >= 2]
        suspects: list[np.ndarray] = []
        start, low = 0, 2
        while start < len(order):
            high = max(low + 1, int(low * 1.5))
            end = int(np.searchsorted(frequency, high, side="left"))
            band, most = order[start:end], int(frequency[end - 1]) if end > start else 0
            start, low = end, high
            if len(band) == 0:
                continue
            suspect = np.zeros(len(band), dtype=bool)
            if most >= min_span:
                spans = self._spans(self.labels, band, min_outside)
                suspect = (spans >= min_span) & (np.diff(self._ptr)[band] >= min_span)
            suspects.append(band[suspect])
            self._accept(band[~suspect])
        found = np.concatenate(suspects) if suspects else np.zeros(0, dtype=np.int64)
        settled: list[int] = self._settle(found, self.labels, min_span, min_outside).tolist()
        return settled

    def content_pass(
        self,
        suspects: list[int],
        related: tuple[np.ndarray, np.ndarray],
        *,
        min_span: int = MIN_SPAN,
        min_outside: int = MIN_OUTSIDE,
    ) -> tuple[list[int], list[int]]:
        """Pass 3: judge the suspects against groups joined by identifiers *and* by content.

        ``related`` are item pairs (two arrays) whose content the model finds
        more likely than not to be one actor's. Returns the glue identifiers
        and their spans; the accepted suspects are joined.
        """
        labels = self.joined(related)
        glue = self._settle(np.asarray(suspects, dtype=np.int64), labels, min_span, min_outside)
        spans = self._spans(labels, glue, min_outside)
        return glue.tolist(), spans.tolist()

    def _settle(
        self, suspects: np.ndarray, labels: np.ndarray, min_span: int, min_outside: int
    ) -> np.ndarray:
        """Accept the suspects that no longer join enough independent groups, until none does."""
        while len(suspects):
            spans = self._spans(labels, suspects, min_outside)
            accepted = spans < min_span
            if not accepted.any():
                break
            self._accept(suspects[accepted], also=None if labels is self.labels else labels)
            suspects = suspects[~accepted]
        return suspects


def _compressed(labels: np.ndarray) -> np.ndarray:
    """Point every label at its root (in place), by pointer jumping."""
    while True:
        jumped = labels[labels]
        if np.array_equal(jumped, labels):
            return labels
        labels[:] = jumped


def _union(labels: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Join the pairs (a[i], b[i]) in ``labels`` (kept compressed); which pairs joined two groups.

    Each round hooks every root that has a pair to a smaller root onto one
    such root (never a cycle: hooks go to smaller roots) and compresses; a
    round at least halves the roots still apart. The pairs that hooked form a
    spanning forest: one per union.
    """
    chosen = np.zeros(len(a), dtype=bool)
    todo = np.flatnonzero(a != b)
    _compressed(labels)
    while len(todo):
        ra, rb = labels[a[todo]], labels[b[todo]]
        apart = ra != rb
        todo, ra, rb = todo[apart], ra[apart], rb[apart]
        if len(todo) == 0:
            break
        high = np.maximum(ra, rb)
        low = np.minimum(ra, rb)
        order = np.lexsort((low, high))
        first = np.ones(len(order), dtype=bool)
        first[1:] = high[order][1:] != high[order][:-1]
        hooks = order[first]
        labels[high[hooks]] = low[hooks]
        chosen[todo[hooks]] = True
        _compressed(labels)
    return chosen
