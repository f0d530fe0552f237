"""Disclosure control: hand cases, then properties over many small random tables.

The verifier ``derivable_cells`` is itself checked two independent ways: against
brute-force enumeration of every table consistent with a publication, and (for
the published tables) against exact linear elimination over the totals.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samverkan.lib.disclosure_control import (
    DEFAULT_PTABLE,
    KEY_SPACE,
    SUPPRESSED,
    SUPPRESSED_EN,
    PerturbationTable,
    Position,
    PublishedTable,
    Suppressed,
    Table,
    breakdown,
    cell_key,
    compare,
    derivable_cells,
    perturb,
    perturb_table,
    perturbed_count,
    record_key,
    suppress,
)


def table(counts: list[list[int]], *, total_row: bool = True, total_column: bool = True) -> Table:
    return Table(
        "Test",
        tuple(f"r{i}" for i in range(len(counts))),
        tuple(f"c{j}" for j in range(len(counts[0]))),
        tuple(tuple(row) for row in counts),
        total_row=total_row,
        total_column=total_column,
    )


def hidden(published: PublishedTable) -> set[Position]:
    return set(published.suppressed())


def hide(original: Table, positions: set[Position]) -> PublishedTable:
    """``original`` published with exactly ``positions`` hidden."""
    grid = tuple(
        tuple(SUPPRESSED if (i, j) in positions else v for j, v in enumerate(row))
        for i, row in enumerate(original.grid)
    )
    return PublishedTable(
        original.title,
        original.row_labels,
        original.column_labels,
        grid,
        total_row=original.total_row,
        total_column=original.total_column,
    )


# --- The model ---------------------------------------------------------------------


def test_the_label_is_the_configured_one() -> None:
    assert str(SUPPRESSED) == "färre än 5"
    assert str(SUPPRESSED_EN) == "fewer than 5"
    assert str(Suppressed(3)) == "färre än 3"
    published = suppress(table([[1, 9]]), language="en")
    assert str(published.cell((0, 0))) == "fewer than 5"


def test_totals_are_computed() -> None:
    t = table([[1, 2], [3, 4]])
    assert t.grid == ((1, 2, 3), (3, 4, 7), (4, 6, 10))
    assert t.row_headers == ("r0", "r1", "Totalt")
    assert t.column_headers == ("c0", "c1", "Totalt")
    assert table([[1, 2]], total_row=False).grid == ((1, 2, 3),)
    assert table([[1, 2]], total_column=False).grid == ((1, 2), (1, 2))


@pytest.mark.parametrize("counts", [[[-1]], [[True]], [[1.5]], [[1, 2], [3]], [], [[]]], ids=repr)
def test_a_table_refuses_what_is_not_counts(counts: list[list[int]]) -> None:
    with pytest.raises(ValueError):
        Table("x", tuple("ab"[: len(counts)]), ("c",), tuple(tuple(r) for r in counts))


def test_a_published_grid_must_fit_the_layout() -> None:
    with pytest.raises(ValueError, match="does not match"):
        PublishedTable("x", ("a",), ("b",), ((1, 1),))


def test_a_breakdown_is_one_column_with_a_total() -> None:
    shifts = breakdown("Pass per månad", [("januari", 8), ("februari", 11)])
    assert shifts.grid == ((8,), (11,), (19,))
    assert shifts.row_headers == ("januari", "februari", "Totalt")
    assert shifts.column_headers == ("Antal",)


# --- Suppression: hand cases -------------------------------------------------------


def test_zeros_are_published_and_large_counts_untouched() -> None:
    published = suppress(table([[0, 12], [7, 0]]))
    assert published.grid == ((0, 12, 12), (7, 0, 7), (7, 12, 19))


def test_the_press_release_buyers_under_18_would_be_hidden() -> None:
    # 220 reported for buying sex, 3 of them under 18 (DESIGN.md §5): in a public
    # table the 3 is hidden, and with it the 217 that would give it back.
    buyers = Table(
        "Personer anmälda för köp av sexuell tjänst",
        ("Under 18 år", "18 år eller äldre"),
        ("Antal",),
        ((3,), (217,)),
        total_column=False,
    )
    assert suppress(buyers).grid == ((SUPPRESSED,), (SUPPRESSED,), (220,))


def test_the_partner_is_the_smallest_published_cell_of_the_line() -> None:
    published = suppress(table([[2, 9, 6, 7]], total_row=False))
    assert published.grid == ((SUPPRESSED, 9, SUPPRESSED, 7, 24),)


def test_ties_go_to_the_first_position() -> None:
    published = suppress(table([[2, 6, 6]], total_row=False))
    assert published.grid == ((SUPPRESSED, SUPPRESSED, 6, 14),)


def test_a_total_is_hidden_only_when_no_cell_can_be() -> None:
    # Column 0 hides 3 and its partner 9; row 1 then has 9 hidden next to a
    # zero, so only its total can hide it.
    published = suppress(table([[3, 0], [9, 0]]))
    assert hidden(published) == {(0, 0), (1, 0), (0, 2), (1, 2)}
    assert published.grid[2] == (12, 0, 12)


def test_shifts_by_month() -> None:
    months = [("jan", 9), ("feb", 3), ("mar", 12), ("apr", 0), ("maj", 11), ("jun", 6)]
    published = suppress(breakdown("Pass", months))
    # 3 is hidden, 6 with it; the zero and the total stay.
    assert [str(c) for c in published.grid[1]] == ["färre än 5"]
    assert published.grid == (
        (9,),
        (SUPPRESSED,),
        (12,),
        (0,),
        (11,),
        (SUPPRESSED,),
        (41,),
    )


def test_hidden_cells_known_to_be_at_least_one_are_caught() -> None:
    # [hidden, hidden, 7 | 9]: plain elimination sees two unknowns and one sum,
    # but zeros are published, so a reader knows both are 1.
    original = table([[1, 1, 7]], total_row=False)
    assert derivable_cells(hide(original, {(0, 0), (0, 1)}), original) == {(0, 0): 1, (0, 1): 1}
    assert hidden(suppress(original)) == {(0, 0), (0, 1), (0, 2)}


def test_a_bridge_between_two_hidden_rectangles_is_caught() -> None:
    # Every line has two or more hidden cells, yet (0, 2) is rows 0 + 1 minus
    # columns 0 + 1 of published numbers.
    original = table([[10] * 4] * 4)
    rectangles = {(i, j) for i in (0, 1) for j in (0, 1)} | {(i, j) for i in (2, 3) for j in (2, 3)}
    published = hide(original, rectangles | {(0, 2)})
    assert derivable_cells(published, original) == {(0, 2): 10}
    assert derivable_cells(hide(original, rectangles), original) == {}


def test_suppression_is_deterministic() -> None:
    t = table([[1, 8, 9], [7, 0, 12], [20, 2, 30]])
    assert suppress(t) == suppress(t)
    assert hidden(suppress(t)) == {(0, 0), (0, 1), (2, 0), (2, 1)}


def test_threshold_is_at_least_one() -> None:
    with pytest.raises(ValueError):
        suppress(table([[1]]), threshold=0)
    assert suppress(table([[1]]), threshold=1).grid == ((1, 1), (1, 1))


def test_the_verifier_refuses_a_publication_of_another_table() -> None:
    original = table([[5, 6]])
    with pytest.raises(ValueError, match="not the table's"):
        derivable_cells(suppress(table([[5, 7]])), original)
    with pytest.raises(ValueError, match="not of this table"):
        derivable_cells(suppress(table([[5, 6]], total_row=False)), original)


# --- Suppression: properties -------------------------------------------------------

# Many small values, so that most tables need complementary suppression.
counts_ = st.one_of(st.integers(0, 4), st.integers(0, 4), st.integers(5, 40))


@st.composite
def tables(draw: st.DrawFn, max_side: int = 6, counts: st.SearchStrategy[int] = counts_) -> Table:
    m = draw(st.integers(1, max_side))
    n = draw(st.integers(1, max_side))
    grid = draw(st.lists(st.lists(counts, min_size=n, max_size=n), min_size=m, max_size=m))
    return table(grid, total_row=draw(st.booleans()), total_column=draw(st.booleans()))


thresholds = st.integers(1, 7)


@given(tables(), thresholds)
def test_no_small_count_is_published_anywhere(t: Table, threshold: int) -> None:
    published = suppress(t, threshold)
    for row in published.grid:
        for cell in row:
            assert isinstance(cell, Suppressed) or cell == 0 or cell >= threshold


@given(tables(), thresholds)
def test_no_hidden_cell_can_be_worked_out(t: Table, threshold: int) -> None:
    published = suppress(t, threshold)
    assert derivable_cells(published, t) == {}
    assert not linearly_determined(published)


@given(tables(), thresholds)
def test_published_cells_are_exact_and_totals_are_sums_of_the_cells(
    t: Table, threshold: int
) -> None:
    published = suppress(t, threshold)
    m, n = len(t.row_labels), len(t.column_labels)
    for (i, j), cell in zip(published.positions(), itertools.chain(*published.grid), strict=True):
        if isinstance(cell, Suppressed):
            assert t.grid[i][j] > 0, "a zero is never hidden"
            continue
        rows = range(m) if i == m else [i]
        columns = range(n) if j == n else [j]
        assert cell == sum(t.counts[r][c] for r in rows for c in columns)


@given(tables(), thresholds)
def test_no_line_has_exactly_one_hidden_value(t: Table, threshold: int) -> None:
    published = suppress(t, threshold)
    for line in published.lines():
        assert sum(isinstance(published.cell(p), Suppressed) for p in line) != 1


# --- The verifier against brute force ----------------------------------------------


# Mostly 0 to 2, where "hidden values are at least 1" pins cells down.
tiny_counts = st.one_of(st.integers(0, 2), st.integers(0, 6))


@st.composite
def tiny_publications(draw: st.DrawFn) -> tuple[Table, PublishedTable]:
    """A small table with any set of its non-zero cells hidden, sensible or not."""
    t = draw(tables(max_side=3, counts=tiny_counts))
    non_zero = sorted(p for p, v in t.values().items() if v > 0)
    chosen = draw(st.sets(st.sampled_from(non_zero))) if non_zero else set()
    return t, hide(t, chosen)


def brute_force(published: PublishedTable, original: Table) -> dict[Position, int]:
    """Every table a reader would accept, enumerated; the hidden cells with one value.

    Hidden inner cells range over value − 1 to value + 1 (at least 1): if some
    other table is consistent with the publication, its difference from the
    true one splits into cycles of ±1 steps, each of which alone keeps the
    table consistent (a conformal cycle decomposition), so a consistent
    neighbour lies inside that window.
    """
    m, n = len(original.row_labels), len(original.column_labels)
    secret = hidden(published)
    unknown = [(i, j) for i in range(m) for j in range(n) if (i, j) in secret]
    ranges = [
        range(max(1, original.counts[i][j] - 1), original.counts[i][j] + 2) for i, j in unknown
    ]
    expected = dict(zip(published.positions(), itertools.chain(*published.grid), strict=True))
    seen: dict[Position, set[int]] = {p: set() for p in secret}
    counts = [list(row) for row in original.counts]
    for guess in itertools.product(*ranges):
        for (i, j), v in zip(unknown, guess, strict=True):
            counts[i][j] = v
        values = with_margins(counts, original.total_row, original.total_column)
        if all(
            values[p] >= 1 if isinstance(c, Suppressed) else values[p] == c
            for p, c in expected.items()
        ):
            for p in seen:
                seen[p].add(values[p])
    return {p: next(iter(vs)) for p, vs in seen.items() if len(vs) == 1}


def with_margins(
    counts: list[list[int]], total_row: bool, total_column: bool
) -> dict[Position, int]:
    rows = [[*row, sum(row)] if total_column else row for row in counts]
    if total_row:
        rows.append([sum(column) for column in zip(*rows, strict=True)])
    return {(i, j): v for i, row in enumerate(rows) for j, v in enumerate(row)}


@settings(max_examples=300, deadline=None)
@given(tiny_publications())
def test_the_verifier_agrees_with_brute_force(case: tuple[Table, PublishedTable]) -> None:
    original, published = case
    assert derivable_cells(published, original) == brute_force(published, original)


def linearly_determined(published: PublishedTable) -> set[Position]:
    """Hidden cells fixed by the published sums alone, by exact elimination.

    Weaker than ``derivable_cells`` (it ignores that hidden values are ≥ 1),
    but independent of it: a cell is determined exactly when its unit vector
    lies in the row space of the sums' coefficients over the hidden cells.
    """
    unknown = sorted(hidden(published))
    index = {p: k for k, p in enumerate(unknown)}
    equations = []
    for line in published.lines():
        row = [Fraction(0)] * len(unknown)
        for p in line:
            if p in index:
                row[index[p]] += -1 if p == line[-1] else 1
        equations.append(row)
    base = rank(equations)
    determined = set()
    for p, k in index.items():
        unit = [Fraction(int(c == k)) for c in range(len(unknown))]
        if rank([*equations, unit]) == base:
            determined.add(p)
    return determined


def rank(matrix: list[list[Fraction]]) -> int:
    rows = [list(r) for r in matrix]
    found = 0
    for column in range(len(rows[0]) if rows else 0):
        pivot = next((r for r in range(found, len(rows)) if rows[r][column] != 0), None)
        if pivot is None:
            continue
        rows[found], rows[pivot] = rows[pivot], rows[found]
        for r in range(len(rows)):
            if r != found and rows[r][column] != 0:
                factor = rows[r][column] / rows[found][column]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[found], strict=True)]
        found += 1
    return found


def test_linear_elimination_finds_a_lone_hidden_cell() -> None:
    original = table([[3, 9, 12]], total_row=False)
    assert linearly_determined(hide(original, {(0, 0)})) == {(0, 0)}
    assert linearly_determined(hide(original, {(0, 0), (0, 1)})) == set()


# --- Comparison with the previous period -------------------------------------------


def test_a_change_next_to_a_hidden_value_is_hidden() -> None:
    now = breakdown("Pass", [("a", 10), ("b", 3), ("c", 20)])
    before = breakdown("Pass", [("a", 8), ("b", 12), ("c", 0)])
    lines = compare(now, before).lines()
    assert [(line.label, line.current, line.previous) for line in lines] == [
        ("a", SUPPRESSED, 8),
        ("b", SUPPRESSED, 12),
        ("c", 20, 0),
        ("Totalt", 33, 20),
    ]
    # Publishing 10 − 8 = 2 or +25 % would give the hidden 10 back.
    assert [line.change for line in lines] == [SUPPRESSED, SUPPRESSED, 20, 13]
    assert [line.percent for line in lines] == [SUPPRESSED, SUPPRESSED, None, Decimal("65")]


def test_a_hidden_previous_value_hides_the_change_too() -> None:
    now = breakdown("Pass", [("a", 10), ("b", 30)])
    before = breakdown("Pass", [("a", 2), ("b", 40)])
    lines = compare(now, before).lines()
    assert lines[0].current == 10
    assert lines[0].change == SUPPRESSED
    assert lines[0].percent == SUPPRESSED
    assert lines[2].percent == Decimal(100 * (40 - 42)) / Decimal(42)


def test_only_the_same_table_can_be_compared() -> None:
    with pytest.raises(ValueError):
        compare(table([[5, 6]]), table([[5, 6]], total_row=False))
    with pytest.raises(ValueError):
        compare(breakdown("x", [("a", 1)]), breakdown("x", [("b", 1)]))


@st.composite
def table_pairs(draw: st.DrawFn) -> tuple[Table, Table]:
    now = draw(tables(max_side=4))
    n = len(now.column_labels)
    grid = draw(
        st.lists(
            st.lists(counts_, min_size=n, max_size=n),
            min_size=len(now.counts),
            max_size=len(now.counts),
        )
    )
    return now, table(grid, total_row=now.total_row, total_column=now.total_column)


@given(table_pairs(), thresholds)
def test_the_comparison_reveals_nothing_the_two_tables_hide(
    pair: tuple[Table, Table], threshold: int
) -> None:
    now, before = pair
    comparison = compare(now, before, threshold)
    # Each period is protected exactly as if published alone ...
    assert comparison.current == suppress(now, threshold)
    assert comparison.previous == suppress(before, threshold)
    for i, j in comparison.current.positions():
        a, b = comparison.current.grid[i][j], comparison.previous.grid[i][j]
        change, pct = comparison.change[i][j], comparison.percent[i][j]
        # ... and the change and percent are published only where both values
        # are, so they follow from what is published: current − change and
        # previous + change reconstruct nothing hidden.
        if isinstance(a, Suppressed) or isinstance(b, Suppressed):
            assert isinstance(change, Suppressed)
            assert isinstance(pct, Suppressed)
        else:
            assert change == a - b
            assert pct == (Decimal(100 * (a - b)) / Decimal(b) if b else None)


# --- The cell key method -----------------------------------------------------------

SECRET = b"test secret, not the production one"


def test_a_record_key_is_fixed_and_depends_on_the_secret() -> None:
    key = record_key(SECRET, "person-17")
    assert key == record_key(SECRET, "person-17")
    assert 0 <= key < KEY_SPACE
    assert key != record_key(SECRET, "person-18")
    assert key != record_key(b"another secret", "person-17")
    with pytest.raises(ValueError):
        record_key(b"", "person-17")


def test_a_cell_key_is_the_sum_modulo_the_key_space() -> None:
    assert cell_key([]) == 0
    assert cell_key([KEY_SPACE - 1, 2]) == 1
    keys = [record_key(SECRET, f"person-{n}") for n in range(20)]
    assert cell_key(keys) == cell_key(reversed(keys))


def test_the_same_persons_always_give_the_same_count() -> None:
    keys = [record_key(SECRET, f"person-{n}") for n in range(7)]
    first = perturbed_count(keys)
    assert all(
        perturbed_count(random.Random(s).sample(keys, len(keys))) == first for s in range(20)
    )
    assert perturbed_count(keys) == perturb(7, cell_key(keys))


@pytest.mark.parametrize("value", range(8))
def test_the_table_weights_come_out_exactly_over_evenly_spread_keys(value: int) -> None:
    # Keys at the start of each sixtieth of the key space select each slot once.
    keys = [-(-slot * KEY_SPACE // DEFAULT_PTABLE.denominator) for slot in range(60)]
    noise = Counter(perturb(value, k) - value for k in keys)
    assert dict(noise) == dict(DEFAULT_PTABLE.row(value))


@pytest.mark.parametrize("value", [0, 1, 2, 3, 4, 5, 9, 117])
def test_noise_is_unbiased_over_many_random_keys(value: int) -> None:
    rng = random.Random(value)
    noise = [perturb(value, rng.randrange(KEY_SPACE)) - value for _ in range(30_000)]
    mean = sum(noise) / len(noise)
    assert abs(mean) < 0.05
    if value >= 4:  # the rows for 4 and up are symmetric
        counts = Counter(noise)
        for d in (1, 2):
            assert abs(counts[d] - counts[-d]) < 0.05 * len(noise)


def test_a_published_table_need_not_add_up() -> None:
    t = table([[7, 9], [12, 30]])
    keys = tuple(tuple(record_key(SECRET, f"{i},{j}") for j in range(3)) for i in range(3))
    published = perturb_table(t, keys)
    assert published.grid == tuple(
        tuple(perturb(v, k) for v, k in zip(row, key_row, strict=True))
        for row, key_row in zip(t.grid, keys, strict=True)
    )
    counts = [[c for c in row if isinstance(c, int)] for row in published.grid]
    assert any(sum(row[:2]) != row[2] for row in counts), (
        "with these keys, some row does not add up"
    )
    with pytest.raises(ValueError):
        perturb_table(t, keys[:2])


@given(st.integers(0, 10_000), st.integers(0, KEY_SPACE - 1))
def test_perturbation_is_bounded_and_never_publishes_one_or_two(value: int, key: int) -> None:
    published = perturb(value, key)
    assert published == perturb(value, key)
    assert published >= 0
    assert abs(published - value) <= DEFAULT_PTABLE.max_deviation
    assert published not in (1, 2)
    if value == 0:
        assert published == 0


def test_perturb_refuses_what_is_not_a_count_or_a_key() -> None:
    with pytest.raises(ValueError):
        perturb(-1, 0)
    with pytest.raises(ValueError):
        perturb(1, KEY_SPACE)


@pytest.mark.parametrize(
    "rows",
    [
        ({0: 59, 1: 1},),  # a zero moves
        ({0: 60}, {0: 30, 1: 30}),  # biased
        ({0: 60}, {0: 50}),  # weights do not add up
        ({0: 60}, {-2: 30, 2: 30}),  # 1 − 2 is negative
        ({0: 60}, {0: 60}, {-3: 15, 0: 30, 3: 15}),  # beyond D
    ],
)
def test_a_perturbation_table_is_checked(rows: tuple[dict[int, int], ...]) -> None:
    with pytest.raises(ValueError):
        PerturbationTable(max_deviation=2, denominator=60, rows=rows)
