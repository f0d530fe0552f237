"""Glue identifiers, exact components and their spanning links, in one union-find pass.

Items that share an identifier (a phone number, an e-mail address, a photo…)
belong together — unless the identifier is **glue**: a hotel's switchboard, a
site's customer-service number, a popular hotel's address, a stock photo,
printed in the ads of many otherwise unrelated actors. Document frequency
alone cannot tell glue apart, because a large network's own number recurs in
hundreds of its ads just as a switchboard does. What differs is what the
identifier *joins*.

**The statistic.** Identifiers are taken in increasing order of document
frequency (the number of items carrying them); those accepted so far have
joined their items into groups (union-find). For the next identifier *e*,
with items *I(e)*, the **span** is the number of distinct groups that *I(e)*
falls into and that have a life of their own — at least ``min_outside`` items
*not* carrying *e*. A switchboard printed in the ads of twenty networks finds
twenty groups, each held together by the network's own numbers and photos and
each with ads that do not mention the hotel: span 20. A large network's own
number finds the groups formed by its photos and e-mail, but those groups
live inside it (every ad has the number), so they do not count: span 0 or 1.
An identifier is glue when its span reaches ``min_span`` (default 3: it would
join three or more otherwise-unconnected groups); it is then left out, so it
neither links items nor hides other glue.

Taking identifiers in increasing frequency matters twice. A rarer identifier
is judged before the common ones can blur the picture, and two glue
identifiers of the same hotel (its switchboard and its street address) cannot
mask each other: each is judged against groups formed without the other,
whereas a leave-one-out test would see the hotel's ads still joined by the
other identifier and accept both. An identifier carried by fewer than
``min_span`` items cannot reach the span and is accepted without the count.

Accepted identifiers union their items, which gives the **exact components**
directly; every union that joins two groups is recorded as a link (item,
the identifier's first item, the identifier), so a component of *n* items is
explained by *n − 1* links and a large network never produces all its pairs.
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
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    return np.arange(total, dtype=np.int64) + offsets


class IdentifierGraph:
    """Items joined by the identifiers they share, with glue detection (see the module docstring).

    ``entity_items[entity_ptr[e]:entity_ptr[e + 1]]`` are the items of
    identifier ``e`` (sorted, distinct).
    """

    def __init__(self, n_items: int, entity_ptr: np.ndarray, entity_items: np.ndarray) -> None:
        self.n_items = n_items
        self.parent = list(range(n_items))
        self.size = [1] * n_items
        self._ptr = entity_ptr.tolist()
        self._items = entity_items.tolist()
        self.link_item: list[int] = []
        self.link_anchor: list[int] = []
        self.link_entity: list[int] = []

    def members(self, e: int) -> list[int]:
        return self._items[self._ptr[e] : self._ptr[e + 1]]

    # --- union-find ---

    @staticmethod
    def _find(parent: list[int], x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    @staticmethod
    def _union(parent: list[int], size: list[int], a: int, b: int) -> bool:
        ra, rb = IdentifierGraph._find(parent, a), IdentifierGraph._find(parent, b)
        if ra == rb:
            return False
        if size[ra] < size[rb]:
            ra, rb = rb, ra
        parent[rb] = ra
        size[ra] += size[rb]
        return True

    @staticmethod
    def _span(parent: list[int], size: list[int], members: list[int], min_outside: int) -> int:
        counts: dict[int, int] = {}
        for x in members:
            root = IdentifierGraph._find(parent, x)
            counts[root] = counts.get(root, 0) + 1
        return sum(1 for root, inside in counts.items() if size[root] - inside >= min_outside)

    def accept(self, e: int) -> None:
        """Join the items of identifier ``e``, recording each union as a link."""
        members = self.members(e)
        anchor = members[0]
        for x in members[1:]:
            if self._union(self.parent, self.size, anchor, x):
                self.link_item.append(x)
                self.link_anchor.append(anchor)
                self.link_entity.append(e)

    def components(self, parent: list[int] | None = None) -> np.ndarray:
        """Per item, the smallest item index of its component (independent of union order)."""
        parent = self.parent if parent is None else parent
        roots = np.fromiter((self._find(parent, x) for x in range(self.n_items)), dtype=np.int64, count=self.n_items)
        smallest = np.full(self.n_items, self.n_items, dtype=np.int64)
        np.minimum.at(smallest, roots, np.arange(self.n_items, dtype=np.int64))
        return smallest[roots].astype(np.int32)

    # --- the passes ---

    def structural_passes(
        self, order: np.ndarray, *, min_span: int = MIN_SPAN, min_outside: int = MIN_OUTSIDE
    ) -> list[int]:
        """Passes 1 and 2: accept identifiers; return the suspects (candidate glue), rarest first.

        ``order`` lists the identifiers by increasing frequency. Pass 1 runs
        vectorised over frequency bands (2, 3, 4, 5–6, 7–9, … items): the
        identifiers of one band are judged together against the groups of
        the rarer bands, then the accepted ones are joined. Pass 2 judges each
        suspect again, in Python, against the groups of all accepted ones.
        """
        ptr = np.asarray(self._ptr, dtype=np.int64)
        items = np.asarray(self._items, dtype=np.int64)
        frequency = np.diff(ptr)[order]
        labels = np.arange(self.n_items, dtype=np.int64)
        suspects: list[int] = []
        start = 0
        low = 2
        while start < len(order):
            high = max(low + 1, int(low * 1.5))
            end = int(np.searchsorted(frequency, high, side="left"))
            band = order[start:end]
            band = band[frequency[start:end] >= 2]
            start, low = end, high
            if len(band) == 0:
                continue
            counts = np.diff(ptr)[band]
            owner = np.repeat(band, counts)
            members = items[_ranges(ptr[band], counts)]
            if low > min_span or counts.max() >= min_span:
                size = np.bincount(labels, minlength=self.n_items)
                roots = labels[members]
                key = owner * self.n_items + roots
                unique_keys, inside = np.unique(key, return_counts=True)
                key_owner = unique_keys // self.n_items
                key_root = unique_keys % self.n_items
                independent = (size[key_root] - inside) >= min_outside
                span = np.zeros(int(band.max()) + 1, dtype=np.int64)
                np.add.at(span, key_owner[independent], 1)
                suspect = (span[band] >= min_span) & (counts >= min_span)
                suspects.extend(band[suspect].tolist())
                keep = ~suspect[np.repeat(np.arange(len(band)), counts)]
                owner, members = owner[keep], members[keep]
            anchors = items[ptr[owner]]
            self._union_edges(labels, anchors, members, owner)
        self.parent = labels.tolist()
        self.size = np.bincount(labels, minlength=self.n_items).tolist()
        return self._settle(suspects, self.parent, self.size, min_span, min_outside)

    def _union_edges(self, labels: np.ndarray, a: np.ndarray, b: np.ndarray, entity: np.ndarray) -> None:
        """Join the pairs (a, b), recording one link per union (a spanning forest), in place.

        Each round hooks every component root that has an edge to a smaller
        root onto one such root (never a cycle: hooks go to smaller roots),
        then compresses the labels; a round at least halves the edges' roots.
        """
        distinct = a != b
        a, b, entity = a[distinct], b[distinct], entity[distinct]
        while len(a):
            ra, rb = labels[a], labels[b]
            apart = ra != rb
            if not apart.any():
                break
            a, b, entity, ra, rb = a[apart], b[apart], entity[apart], ra[apart], rb[apart]
            high = np.maximum(ra, rb)
            low = np.minimum(ra, rb)
            order = np.lexsort((low, high))
            first = np.ones(len(order), dtype=bool)
            first[1:] = high[order][1:] != high[order][:-1]
            chosen = order[first]
            labels[high[chosen]] = low[chosen]
            self.link_item.extend(b[chosen].tolist())
            self.link_anchor.extend(a[chosen].tolist())
            self.link_entity.extend(entity[chosen].tolist())
            while True:
                compressed = labels[labels]
                if np.array_equal(compressed, labels):
                    break
                labels[:] = compressed

    def content_pass(
        self,
        suspects: list[int],
        related: list[tuple[int, int]],
        *,
        min_span: int = MIN_SPAN,
        min_outside: int = MIN_OUTSIDE,
    ) -> tuple[list[int], list[int]]:
        """Pass 3: judge the suspects against groups joined by identifiers *and* by content.

        ``related`` are item pairs whose content the model finds more likely
        than not to be one actor's. Returns the glue identifiers and their spans;
        the accepted suspects are joined.
        """
        parent, size = self._joined(related)
        glue = self._settle(suspects, parent, size, min_span, min_outside)
        spans = [self._span(parent, size, self.members(e), min_outside) for e in glue]
        return glue, spans

    def joined(self, pairs: list[tuple[int, int]]) -> list[int]:
        """The union-find parents with ``pairs`` joined as well (the graph itself is unchanged)."""
        return self._joined(pairs)[0]

    def _joined(self, pairs: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
        parent = list(self.parent)
        size = list(self.size)
        for a, b in pairs:
            self._union(parent, size, a, b)
        return parent, size

    def _settle(
        self, suspects: list[int], parent: list[int], size: list[int], min_span: int, min_outside: int
    ) -> list[int]:
        """Accept suspects that no longer join enough independent groups, until nothing changes."""
        changed = True
        while changed and suspects:
            changed = False
            remaining: list[int] = []
            for e in suspects:
                members = self.members(e)
                if self._span(parent, size, members, min_outside) >= min_span:
                    remaining.append(e)
                    continue
                self.accept(e)
                if parent is not self.parent:
                    anchor = members[0]
                    for x in members[1:]:
                        self._union(parent, size, anchor, x)
                changed = True
            suspects = remaining
        return suspects
