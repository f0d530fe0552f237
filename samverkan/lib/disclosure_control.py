"""Statistical disclosure control for published tables of counts.

The results (DESIGN.md §5) count distinct persons: children found in
prostitution, buyers under 18, per area, venue kind and month. A small count
can point at one person whom readers may know, so the public tables are
protected by one of two methods.

Suppression (DESIGN.md §6)
--------------------------
``suppress`` hides counts of 1 to ``threshold − 1`` and every cell that would
reveal one of them through the published totals.

1. *Primary*: every cell, totals included, with ``1 ≤ value < threshold`` is
   hidden. Zeros are published as 0: a zero identifies nobody, and hiding
   them would hide most of a sparse table.
2. *Complementary*, repeated until stable: a row or column whose sum is
   published (its total is part of the line) and that has exactly one hidden
   value gets a second one: the smallest published non-zero cell of the line,
   ties by position, to lose the least information; the line's total only if
   no cell qualifies.
3. *Audit*: the line rule is the textbook rule but not enough. A hidden cell
   on a "bridge" between two rectangles of hidden cells is still a
   difference of published sums, and because zeros are published a reader
   knows that every hidden value is at least 1, so in a row
   ``[hidden, hidden, 7 | 9]`` both hidden cells are 1. ``derivable_cells``
   finds every hidden value that is pinned down that way; while there is
   one, another cell in its lines (else anywhere) is hidden and step 2 runs
   again. This ends: with every non-zero value hidden nothing is derivable.

Every hidden cell is marked with the same ``Suppressed`` sentinel, whose
str() is "färre än 5" (or "fewer than 5"). Telling complementary cells apart
("≥ 5") would leak: with ``[hidden ≤ 4, hidden ≥ 5 | 6]`` both are known. The
table's footnote should say that some hidden cells were hidden to protect
others.

The reader modelled by ``derivable_cells`` knows the published values and
totals and that hidden values are whole numbers of at least 1. Such a reader
sees a two-way table with margins as a circulation in a small network (source
→ row → column → sink → source); feasible tables are the feasible flows, and
a hidden value is determined exactly when its edge lies on no cycle of the
residual graph. Network matrices are totally unimodular, so "cannot move" over
real numbers and "only one whole number" coincide. The reader is not assumed
to reverse-engineer the choice heuristic.

Comparison with the previous period
-----------------------------------
``compare`` suppresses both periods' tables on their own and publishes a
change (current − previous) and a percent change only where **both** values
are published. A change next to a hidden value would give it back
(previous = current − change, or current = previous + change, and the percent
likewise up to rounding); with the rule, everything in the comparison follows
from the two protected tables, so it can reveal nothing they do not. The
previous period must be suppressed from the same data with the same threshold
as when it was published, or the two publications together may reveal what
each hides.

The cell key method
-------------------
Statistics Sweden protects its population statistics this way from reference
year 2025. The ABS/Eurostat cell key method publishes every cell with a little noise
instead of hiding some. Each person has a fixed random *record key*
(``record_key``: HMAC-SHA256 of a secret and the person's internal key, so
that nobody without the secret can compute it, and it never changes); a
cell's key is the sum of its persons' record keys modulo 2**32
(``cell_key``), and the noise is looked up from the count and the cell key
in a perturbation table (``perturb``). The same persons always give the same
noise, so asking the same question again, or in another order, reveals
nothing. Totals are cells in their own right, perturbed from their own keys,
so a published table need not add up; SCB's tables carry the same warning
("redovisade delar summerar inte alltid till totalen").

``DEFAULT_PTABLE`` has maximum deviation D = 2, keeps zeros at zero, never
publishes 1 or 2 (the counts most likely to point at one person), and is unbiased:
every row has mean noise 0. Those constraints decide the small rows; the
weights are out of 60:

- 0 → 0 always;
- 1 → 0 (40) or 3 (20); 2 → 0 (20) or 3 (40): variance 2;
- 3 → 3 always: it cannot go down without passing 1 and 2, and going only
  up would be biased;
- 4 → 3 (12), 4 (36) or 5 (12): variance 0.4;
- v ≥ 5 → v−2 (3), v−1 (12), v (30), v+1 (12), v+2 (3): variance 0.8.

A published 0 may thus stand for 0, 1 or 2, and a published 3 for 1 to 5.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, TypeAlias

from samverkan.lib.swedish_numbers import Language

__all__ = [
    "DEFAULT_PTABLE",
    "DEFAULT_THRESHOLD",
    "KEY_SPACE",
    "SUPPRESSED",
    "SUPPRESSED_EN",
    "Cell",
    "ComparisonLine",
    "Percent",
    "PerturbationTable",
    "Position",
    "PublishedComparison",
    "PublishedTable",
    "Suppressed",
    "Table",
    "breakdown",
    "cell_key",
    "compare",
    "derivable_cells",
    "perturb",
    "perturb_table",
    "perturbed_count",
    "record_key",
    "suppress",
]

DEFAULT_THRESHOLD: Final = 5
KEY_SPACE: Final = 2**32

_LABELS: Final[dict[Language, str]] = {"sv": "färre än {}", "en": "fewer than {}"}


@dataclass(frozen=True)
class Suppressed:
    """A hidden count; str() is the label a reader sees, "färre än 5"."""

    threshold: int = DEFAULT_THRESHOLD
    language: Language = "sv"

    def __str__(self) -> str:
        return _LABELS[self.language].format(self.threshold)


SUPPRESSED: Final = Suppressed()
SUPPRESSED_EN: Final = Suppressed(language="en")

Cell: TypeAlias = int | Suppressed
Percent: TypeAlias = Decimal | Suppressed | None
# (row, column) in the grid with margins: row == len(row_labels) is the total row.
Position: TypeAlias = tuple[int, int]


@dataclass(frozen=True)
class _Layout:
    """Titles, labels and margins, shared by a table and its published form."""

    title: str
    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    total_row: bool = field(default=True, kw_only=True)
    total_column: bool = field(default=True, kw_only=True)
    total_label: str = field(default="Totalt", kw_only=True)

    @property
    def shape(self) -> tuple[int, int]:
        """Rows and columns of the grid, margins included."""
        return (
            len(self.row_labels) + self.total_row,
            len(self.column_labels) + self.total_column,
        )

    @property
    def row_headers(self) -> tuple[str, ...]:
        return self.row_labels + ((self.total_label,) if self.total_row else ())

    @property
    def column_headers(self) -> tuple[str, ...]:
        return self.column_labels + ((self.total_label,) if self.total_column else ())

    def positions(self) -> list[Position]:
        rows, columns = self.shape
        return [(i, j) for i in range(rows) for j in range(columns)]

    def is_total(self, position: Position) -> bool:
        i, j = position
        return (self.total_row and i == len(self.row_labels)) or (
            self.total_column and j == len(self.column_labels)
        )

    def lines(self) -> list[list[Position]]:
        """Every published sum: the positions of a row or a column, its total last.

        A row is a line only if the table has a total column, and a column
        only if it has a total row; the total row and column are lines too
        when the grand total is there.
        """
        m, n = len(self.row_labels), len(self.column_labels)
        rows, columns = self.shape
        lines = []
        if self.total_column:
            lines += [[(i, j) for j in range(n + 1)] for i in range(rows)]
        if self.total_row:
            lines += [[(i, j) for i in range(m + 1)] for j in range(columns)]
        return lines


@dataclass(frozen=True)
class Table(_Layout):
    """Exact counts of distinct persons; the totals are computed, never given."""

    counts: tuple[tuple[int, ...], ...]

    def __post_init__(self) -> None:
        if not self.row_labels or not self.column_labels:
            raise ValueError("A table needs at least one row and one column.")
        if len(self.counts) != len(self.row_labels) or any(
            len(row) != len(self.column_labels) for row in self.counts
        ):
            raise ValueError("The counts do not match the row and column labels.")
        for row in self.counts:
            for value in row:
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise ValueError(f"A count is a whole number of at least 0, not {value!r}.")

    @property
    def grid(self) -> tuple[tuple[int, ...], ...]:
        """The counts with their computed margins."""
        rows = [(*row, sum(row)) if self.total_column else row for row in self.counts]
        if self.total_row:
            rows.append(tuple(sum(column) for column in zip(*rows, strict=True)))
        return tuple(rows)

    def values(self) -> dict[Position, int]:
        return {(i, j): v for i, row in enumerate(self.grid) for j, v in enumerate(row)}


@dataclass(frozen=True)
class PublishedTable(_Layout):
    """A table as published: every cell, margins included, a count or ``Suppressed``."""

    grid: tuple[tuple[Cell, ...], ...]

    def __post_init__(self) -> None:
        rows, columns = self.shape
        if len(self.grid) != rows or any(len(row) != columns for row in self.grid):
            raise ValueError("The grid does not match the labels and margins.")

    def cell(self, position: Position) -> Cell:
        i, j = position
        return self.grid[i][j]

    def suppressed(self) -> list[Position]:
        return [p for p in self.positions() if isinstance(self.cell(p), Suppressed)]


def breakdown(
    title: str,
    counts: Iterable[tuple[str, int]],
    *,
    heading: str = "Antal",
    total_label: str = "Totalt",
) -> Table:
    """A one-column table of labelled counts and their total, e.g. shifts by month."""
    pairs = list(counts)
    return Table(
        title,
        tuple(label for label, _ in pairs),
        (heading,),
        tuple((count,) for _, count in pairs),
        total_row=True,
        total_column=False,
        total_label=total_label,
    )


# --- Suppression -------------------------------------------------------------------


def suppress(
    table: Table, threshold: int = DEFAULT_THRESHOLD, *, language: Language = "sv"
) -> PublishedTable:
    """The table with small counts and the cells that would reveal them hidden.

    See the module docstring for the three steps. Deterministic: the same
    table always gives the same publication.
    """
    if threshold < 1:
        raise ValueError("The threshold is at least 1.")
    values = table.values()
    hidden = {p for p, v in values.items() if 0 < v < threshold}
    while True:
        _complete_lines(table, values, hidden)
        derivable = derivable_cells(_publish(table, values, hidden, SUPPRESSED), table)
        if not derivable:
            break
        # Break the first derivable cell's lines open where it costs least.
        exposed = min(derivable)
        near = [p for line in table.lines() if exposed in line for p in line]
        partner = _cheapest(table, values, hidden, near) or _cheapest(
            table, values, hidden, table.positions()
        )
        assert partner is not None, "with every non-zero value hidden nothing is derivable"
        hidden.add(partner)
    return _publish(table, values, hidden, Suppressed(threshold, language))


def _complete_lines(table: Table, values: dict[Position, int], hidden: set[Position]) -> None:
    """Give every line with exactly one hidden value a second one, until none is left."""
    changed = True
    while changed:
        changed = False
        for line in table.lines():
            if sum(p in hidden for p in line) == 1:
                partner = _cheapest(table, values, hidden, line)
                # The hidden value is at least 1, so the line holds another non-zero value.
                assert partner is not None
                hidden.add(partner)
                changed = True


def _cheapest(
    table: Table, values: dict[Position, int], hidden: set[Position], candidates: Iterable[Position]
) -> Position | None:
    """The published non-zero candidate whose loss costs least.

    A cell before a total, then the smallest value, then the first position.
    """
    published = [p for p in candidates if p not in hidden and values[p] > 0]
    return min(published, key=lambda p: (table.is_total(p), values[p], p), default=None)


def _publish(
    table: Table, values: dict[Position, int], hidden: set[Position], marker: Suppressed
) -> PublishedTable:
    rows, columns = table.shape
    grid = tuple(
        tuple(marker if (i, j) in hidden else values[i, j] for j in range(columns))
        for i in range(rows)
    )
    return _published(table, grid)


def _published(table: Table, grid: tuple[tuple[Cell, ...], ...]) -> PublishedTable:
    return PublishedTable(
        table.title,
        table.row_labels,
        table.column_labels,
        grid,
        total_row=table.total_row,
        total_column=table.total_column,
        total_label=table.total_label,
    )


def _same_layout(a: _Layout, b: _Layout) -> bool:
    return (a.row_labels, a.column_labels, a.total_row, a.total_column) == (
        b.row_labels,
        b.column_labels,
        b.total_row,
        b.total_column,
    )


def derivable_cells(published: PublishedTable, original: Table) -> dict[Position, int]:
    """Every hidden cell of ``published`` whose value a reader can work out, with that value.

    The reader knows the published cells and totals and that hidden values
    are whole numbers ≥ 1 (zeros are published). ``original`` is not what the
    reader knows; it is one table consistent with the publication, which the
    residual-graph test needs as its starting point (see the module docstring).
    """
    values = original.values()
    if not _same_layout(published, original):
        raise ValueError("The publication is not of this table.")
    for position in published.positions():
        cell = published.cell(position)
        if not isinstance(cell, Suppressed) and cell != values[position]:
            raise ValueError(f"The published value at {position} is not the table's.")

    # Nodes: 0 source, 1 sink, then one per row and one per column. A cell is an
    # edge row → column, a row total source → row, a column total column → sink,
    # the grand total sink → source. A margin the table lacks is an edge whose
    # flow nobody knows (position None).
    m, n = len(original.row_labels), len(original.column_labels)
    source, sink = 0, 1

    def row(i: int) -> int:
        return 2 + i

    def column(j: int) -> int:
        return 2 + m + j

    edges: list[tuple[int, int, Position | None]] = [
        (row(i), column(j), (i, j)) for i in range(m) for j in range(n)
    ]
    for i in range(m):
        edges.append((source, row(i), (i, n) if original.total_column else None))
    for j in range(n):
        edges.append((column(j), sink, (m, j) if original.total_row else None))
    both = original.total_row and original.total_column
    edges.append((sink, source, (m, n) if both else None))

    # The residual graph: flow can always be added to a hidden edge, taken away
    # only while it stays ≥ 1, and moved freely on an unknown margin.
    residual: list[list[tuple[int, int]]] = [[] for _ in range(2 + m + n)]
    for k, (u, v, p) in enumerate(edges):
        if p is None or isinstance(published.cell(p), Suppressed):
            residual[u].append((v, k))
            if p is None or values[p] > 1:
                residual[v].append((u, k))

    derivable = {}
    for k, (u, v, p) in enumerate(edges):
        if p is None or not isinstance(published.cell(p), Suppressed):
            continue
        can_grow = _reachable(residual, v, u, skip=k)
        can_shrink = values[p] > 1 and _reachable(residual, u, v, skip=k)
        if not (can_grow or can_shrink):
            derivable[p] = values[p]
    return derivable


def _reachable(residual: list[list[tuple[int, int]]], start: int, goal: int, *, skip: int) -> bool:
    """Whether ``goal`` can be reached from ``start`` without using edge ``skip``."""
    seen, queue = {start}, deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            return True
        for nxt, k in residual[node]:
            if k != skip and nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return False


# --- Comparison with the previous period -------------------------------------------


@dataclass(frozen=True)
class ComparisonLine:
    """One row of a comparison, for a breakdown or one column of a table."""

    label: str
    current: Cell
    previous: Cell
    change: Cell
    percent: Percent  # None: the previous count was 0, so there is no percent change


@dataclass(frozen=True)
class PublishedComparison:
    """Two periods of the same table and the change between them, protected.

    ``change`` and ``percent`` have the same shape as the tables' grids.
    """

    current: PublishedTable
    previous: PublishedTable
    change: tuple[tuple[Cell, ...], ...]
    percent: tuple[tuple[Percent, ...], ...]

    def lines(self, column: int = -1) -> list[ComparisonLine]:
        """The comparison down one column: by default the last, which is the
        count of a breakdown and the row totals of a two-way table."""
        return [
            ComparisonLine(
                label,
                self.current.grid[i][column],
                self.previous.grid[i][column],
                self.change[i][column],
                self.percent[i][column],
            )
            for i, label in enumerate(self.current.row_headers)
        ]


def compare(
    current: Table,
    previous: Table,
    threshold: int = DEFAULT_THRESHOLD,
    *,
    language: Language = "sv",
) -> PublishedComparison:
    """The current table next to the previous period's, with change and percent change.

    A change or percent is published only where both periods' values are:
    see the module docstring for why that is enough.
    """
    if not _same_layout(current, previous):
        raise ValueError("Only the same table for two periods can be compared.")
    now = suppress(current, threshold, language=language)
    before = suppress(previous, threshold, language=language)
    marker = Suppressed(threshold, language)
    change: list[tuple[Cell, ...]] = []
    percent: list[tuple[Percent, ...]] = []
    for row_now, row_before in zip(now.grid, before.grid, strict=True):
        change_row: list[Cell] = []
        percent_row: list[Percent] = []
        for a, b in zip(row_now, row_before, strict=True):
            if isinstance(a, Suppressed) or isinstance(b, Suppressed):
                change_row.append(marker)
                percent_row.append(marker)
            else:
                change_row.append(a - b)
                percent_row.append(Decimal(100 * (a - b)) / Decimal(b) if b else None)
        change.append(tuple(change_row))
        percent.append(tuple(percent_row))
    return PublishedComparison(now, before, tuple(change), tuple(percent))


# --- The cell key method -----------------------------------------------------------


def record_key(secret: bytes, unit: str) -> int:
    """A person's fixed record key in [0, KEY_SPACE): HMAC-SHA256(secret, unit).

    ``unit`` is the internal person key, never a personnummer in clear text.
    The secret stays with the data controller and must never change: new
    keys give new noise, and averaging two noisy publications of the same
    cell removes the noise.
    """
    if not secret:
        raise ValueError("A record key needs a secret; without one anyone could compute it.")
    digest = hmac.new(secret, unit.encode("utf-8"), hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "big")


def cell_key(record_keys: Iterable[int]) -> int:
    """A cell's key: the sum of its units' record keys modulo KEY_SPACE."""
    return sum(record_keys) % KEY_SPACE


@dataclass(frozen=True, eq=False)
class PerturbationTable:
    """For each count, the noise it may get and the weight (out of ``denominator``) of each.

    ``rows[v]`` is for the count v; the last row is for every larger count.
    """

    max_deviation: int
    denominator: int
    rows: tuple[Mapping[int, int], ...]

    def __post_init__(self) -> None:
        if not self.rows or dict(self.rows[0]) != {0: self.denominator}:
            raise ValueError("A zero must stay zero.")
        for value, row in enumerate(self.rows):
            if sum(row.values()) != self.denominator or min(row.values()) <= 0:
                raise ValueError(f"The weights for {value} do not add up to {self.denominator}.")
            if any(abs(d) > self.max_deviation or value + d < 0 for d in row):
                raise ValueError(f"The noise for {value} is out of bounds.")
            if sum(d * w for d, w in row.items()) != 0:
                raise ValueError(f"The noise for {value} is biased.")

    def row(self, value: int) -> Mapping[int, int]:
        return self.rows[min(value, len(self.rows) - 1)]


DEFAULT_PTABLE: Final = PerturbationTable(
    max_deviation=2,
    denominator=60,
    rows=(
        {0: 60},
        {-1: 40, 2: 20},
        {-2: 20, 1: 40},
        {0: 60},
        {-1: 12, 0: 36, 1: 12},
        {-2: 3, -1: 12, 0: 30, 1: 12, 2: 3},
    ),
)


def perturb(value: int, cell_key: int, ptable: PerturbationTable = DEFAULT_PTABLE) -> int:
    """The published count: ``value`` plus the noise that ``cell_key`` selects."""
    if value < 0:
        raise ValueError(f"A count cannot be negative: {value}.")
    if not 0 <= cell_key < KEY_SPACE:
        raise ValueError(f"A cell key is in [0, {KEY_SPACE}), not {cell_key}.")
    row = ptable.row(value)
    # The cell key is uniform over KEY_SPACE: scale it to the denominator and
    # walk the cumulative weights, smallest noise first.
    point = cell_key * ptable.denominator // KEY_SPACE
    cumulative = 0
    for noise in sorted(row):
        cumulative += row[noise]
        if point < cumulative:
            return value + noise
    raise AssertionError("the weights add up to the denominator")


def perturbed_count(record_keys: Sequence[int], ptable: PerturbationTable = DEFAULT_PTABLE) -> int:
    """The published count of a cell, from one record key per distinct person in it."""
    return perturb(len(record_keys), cell_key(record_keys), ptable)


def perturb_table(
    table: Table,
    cell_keys: Sequence[Sequence[int]],
    ptable: PerturbationTable = DEFAULT_PTABLE,
) -> PublishedTable:
    """Every cell of ``table``, totals included, perturbed from its own key.

    ``cell_keys`` has the shape of ``table.grid``. The totals get their own
    noise, so the published table need not add up.
    """
    rows, columns = table.shape
    if len(cell_keys) != rows or any(len(keys) != columns for keys in cell_keys):
        raise ValueError("There must be one cell key per cell, totals included.")
    grid = tuple(
        tuple(perturb(v, k, ptable) for v, k in zip(row, keys, strict=True))
        for row, keys in zip(table.grid, cell_keys, strict=True)
    )
    return _published(table, grid)
