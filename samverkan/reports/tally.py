"""Every figure and every breakdown of a period in three queries: the fast way to count ``definitions``.

``report(f)`` counts each unit (shifts, persons found, buyers) with one query
that reads the period's rows once, whatever the data size: the database keeps
each unit's first row (a window function's rank, or DISTINCT ON on PostgreSQL
for the persons found) and groups those by every dimension at once, or, for
the persons found on PostgreSQL, by each dimension on its own (grouping sets);
the cells that come back are summed here into every figure's count and each
breakdown. Which rows a figure counts comes from its declaration
(``definitions.condition``, and a follow-up's ``since``); the SQL around the
ORM's own queries is written by hand, as the ORM cannot group the result of a
window-function filter; table and column names come from the models, values
go in as parameters.

This is an optimisation of the declarations, not a second definition: the
tests (``reports/tests``) pin every count and breakdown to
``definitions.count`` and ``definitions.breakdown`` and to counts by hand, on
SQLite and PostgreSQL. A page that shows more than one figure should call
``report`` once; ``unit_counts`` counts one unit's figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Case, Count, DateField, F, Max, Q, QuerySet, Sum, Value, When, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import Collate, RowNumber
from django.utils import timezone

from samverkan.operations.models import Encounter, Shift, Venue
from samverkan.reports.definitions import (
    FIGURES,
    SOURCES,
    Declaration,
    Dimension,
    Figure,
    Filter,
    Note,
    Unit,
    condition,
)
from samverkan.support.counting import AGE_UNCERTAIN_AT_ENCOUNTER
from samverkan.support.models import ClientEncounter


@dataclass(frozen=True)
class Counts:
    """Every declared figure's count in a period, and each breakdown of the figures that have them."""

    totals: dict[Figure, int]
    by: dict[Figure, dict[Dimension, dict[object, int]]]
    # What is shown beside a figure (``Declaration.notes``): how many of its persons rest on it.
    notes: dict[Figure, dict[Note, int]] = field(default_factory=dict)

    def __or__(self, other: Counts) -> Counts:
        return Counts({**self.totals, **other.totals}, {**self.by, **other.by}, {**self.notes, **other.notes})


@dataclass(frozen=True)
class Tally:
    """One group's distinct count, how many were followed up, and each breakdown of the count."""

    total: int
    followed_up: int
    by: dict[Dimension, dict[object, int]]


def report(f: Filter) -> Counts:
    """Every figure and every breakdown of the period, from three queries."""
    return reports(f)[0]


def unit_counts(unit: Unit, f: Filter) -> Counts:
    """The figures of one unit and their breakdowns, from one query."""
    if unit is Unit.SHIFTS:
        return _shifts(f)
    if unit is Unit.PERSONS:
        return _persons(f)
    return _suspects(f)


def reports(*filters: Filter) -> list[Counts]:
    """The report of each period (three queries each), counted in one snapshot of the database.

    On PostgreSQL, outside a transaction, the queries run side by side: the person query,
    the longest, on this connection, which exports its snapshot, and the shift and buyer
    queries on another, which reads that snapshot: the figures are those of one moment, as
    if counted in one transaction, in the time of the person query rather than of all of
    them (it holds one core, the others the other). Inside a transaction (a test case, or
    a caller's atomic block) other connections could not see its writes, so the queries
    run one after the other.
    """
    using = Encounter.objects.db
    if _side_by_side(using) and filters:
        return _concurrently(using, filters)
    return [_shifts(f) | _persons(f) | _suspects(f) for f in filters]


def _side_by_side(using: str) -> bool:
    connection = connections[using]
    workers = int(settings.SAMVERKAN_REPORT_WORKERS)
    return connection.vendor == "postgresql" and workers > 1 and not connection.in_atomic_block


def _in_snapshot(using: str, snapshot: str, zone: dt.tzinfo, unit: Callable[[Filter], Any], f: Filter) -> Any:
    """Run ``unit(f)`` on this thread's own connection, in the snapshot ``snapshot``."""
    connection = connections[using]
    try:
        with timezone.override(zone), transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            # A snapshot id comes from pg_export_snapshot(); SET takes no bound parameters.
            cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
            # Each query has a core of its own here: parallel workers within one would
            # only take the core the other query runs on.
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            return unit(f)
    finally:
        connection.close()


def _concurrently(using: str, filters: Sequence[Filter]) -> list[Counts]:
    connection = connections[using]
    zone = timezone.get_current_timezone()
    workers = int(settings.SAMVERKAN_REPORT_WORKERS)
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        # The exporting transaction stays open until every query has imported its snapshot:
        # the results are collected inside it.
        with ThreadPoolExecutor(max_workers=workers - 1, thread_name_prefix="report") as pool:
            others = [pool.submit(_in_snapshot, using, snapshot, zone, _shifts_and_suspects, f) for f in filters]
            # The person query, the longest, here on the exporting connection.
            people = [_persons(f) for f in filters]
            return [persons | other.result() for other, persons in zip(others, people, strict=True)]


def _shifts_and_suspects(f: Filter) -> Counts:
    return _shifts(f) | _suspects(f)


# --- Cells into counts ------------------------------------------------------------------------


def _by_value(key: object) -> tuple[bool, Any]:
    return (key is None, key)


def _by_text(key: object) -> tuple[bool, str]:
    return (key is None, str(key))


def _tally(
    cells: Iterable[Sequence[Any]], dimensions: Sequence[Dimension], sort_key: Callable[[object], Any] = _by_value
) -> Tally:
    """Sum cells into a tally.

    A cell holds one value per dimension, then the count and the followed-up count, and may
    end with the index of the one dimension it counts in (a row of a grouping set, whose
    other dimensions are not grouped by); without it, or with ``None``, the cell counts in
    every dimension. Every dimension's cells count every person once: the totals come from
    the first dimension's.
    """
    width = len(dimensions)
    total = followed_up = 0
    by: dict[Dimension, dict[object, int]] = {dimension: {} for dimension in dimensions}
    for cell in cells:
        count, followed = int(cell[width]), int(cell[width + 1] or 0)
        only = cell[width + 2] if len(cell) > width + 2 else None
        if not only:  # None (every dimension) or 0 (the first)
            total += count
            followed_up += followed
        for index, (dimension, value) in enumerate(zip(dimensions, cell[:width], strict=True)):
            if only is None or only == index:
                counts = by[dimension]
                counts[value] = counts.get(value, 0) + count
    return Tally(total, followed_up, {d: dict(sorted(c.items(), key=lambda kv: sort_key(kv[0]))) for d, c in by.items()})


def _grouping_set(grouping: int | None, width: int) -> int | None:
    """The index of the one column a row of grouping sets is grouped by, from GROUPING()'s bits.

    GROUPING(a, b, c, d) sets a bit for each column the row is *not* grouped by, the first
    column's the highest. ``None`` (no grouping sets) stays ``None``.
    """
    if grouping is None:
        return None
    return next(index for index in range(width) if not grouping & (1 << (width - 1 - index)))


def _sql(queryset: QuerySet[Any]) -> tuple[str, tuple[Any, ...]]:
    sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    return sql, tuple(params)


# For the two big queries on PostgreSQL: room to sort and hash the period's rows in memory
# (the default 4 MB spills a national year to disk), and no JIT compilation, which takes
# longer than the query saves at this size. SET LOCAL lasts until the transaction ends
# (inside a request's transaction, until that one ends).
POSTGRESQL_SETTINGS = ("SET LOCAL work_mem = '64MB'", "SET LOCAL jit = off")


def _fetch(using: str, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for setting in POSTGRESQL_SETTINGS:
                cursor.execute(setting)
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _declared(unit: Unit) -> list[Declaration]:
    return [declaration for declaration in FIGURES.values() if declaration.unit is unit]


def _split(unit: Unit) -> tuple[Declaration, list[Declaration]]:
    """A unit counted unit by unit: the figure of all its rows, and the figures of some.

    The breakdowns are of each unit's first row of all: only the figure of all rows may have them.
    """
    declared = _declared(unit)
    (whole,) = [d for d in declared if not condition(d.figure)]
    parts = [d for d in declared if d is not whole]
    assert not any(d.dimensions for d in parts), f"the fast count of {unit} breaks down only {whole.figure}"
    return whole, parts


def _flag(declaration: Declaration) -> Case:
    return Case(When(condition(declaration.figure), then=Value(1)), default=Value(0))


def _counts(
    unit: Unit, rows: Iterable[Sequence[Any]], sort_key: Callable[[object], Any] = _by_value
) -> Counts:
    """Rows of (a value per dimension of the unit, the count, the count of each part) into counts."""
    whole, parts = _split(unit)
    dimensions = tuple(SOURCES[unit].fields)
    rows = list(rows)
    tally = _tally(((*row[: len(dimensions) + 1], 0) for row in rows), dimensions, sort_key)
    totals = {whole.figure: tally.total}
    for index, part in enumerate(parts, start=len(dimensions) + 1):
        totals[part.figure] = sum(int(row[index] or 0) for row in rows)
    return Counts(totals, {whole.figure: tally.by})


# --- The three queries ----------------------------------------------------------------------


def _cells(unit: Unit) -> dict[str, Any]:
    source = SOURCES[unit]
    return {f"cell_{dimension}": source.cell(dimension) for dimension in source.fields}


def _shifts(f: Filter) -> Counts:
    """Every shift figure: the shifts grouped by every dimension at once."""
    _whole, parts = _split(Unit.SHIFTS)
    cells = _cells(Unit.SHIFTS)
    rows = (
        SOURCES[Unit.SHIFTS].rows(f)
        .annotate(**cells)
        .order_by()
        .values_list(*cells)
        .annotate(n=Count("pk"), **{f"part_{i}": Sum(_flag(part)) for i, part in enumerate(parts)})
    )
    return _counts(Unit.SHIFTS, rows)


def _suspects(f: Filter) -> Counts:
    """Every buyer figure: each person in the cell of their first offence, and whether they are in each part."""
    source = SOURCES[Unit.SUSPECTS]
    _whole, parts = _split(Unit.SUSPECTS)
    buyers = source.rows(f)
    person: list[Any] = [source.unit()]
    if connections[buyers.db].vendor == "postgresql":
        # Partitions need equality only: byte order sorts the keys faster than a language's order.
        person = [Collate(source.unit(), "C")]
    flags = {f"part_{i}": Window(Max(_flag(part)), partition_by=person) for i, part in enumerate(parts)}
    cells = _cells(Unit.SUSPECTS)
    firsts = (
        buyers.annotate(
            rank=Window(RowNumber(), partition_by=person, order_by=[F(source.at).asc(), F("pk").asc()]),
            **flags,
        )
        .filter(rank=1)
        .order_by()
        .values(*flags, **cells)
    )
    firsts_sql, params = _sql(firsts)
    grouped = ", ".join(f"firsts.{cell}" for cell in cells)
    sums = "".join(f", SUM(firsts.{flag})" for flag in flags)
    # The ORM's own parameterised SQL, grouped: nothing from outside goes into the text.
    sql = f"SELECT {grouped}, COUNT(*){sums} FROM ({firsts_sql}) firsts GROUP BY {grouped}"  # noqa: S608  the ORM's own parameterised SQL, grouped by names of this module
    rows = _fetch(firsts.db, sql, params)
    months = list(source.fields).index(Dimension.MONTH)
    return _counts(
        Unit.SUSPECTS, ((*row[:months], int(row[months]), *row[months + 1 :]) for row in rows), _by_text
    )


def _persons(f: Filter) -> Counts:
    """Persons found, in groups (minors, adults), each in the cell of their first encounter in the group.

    One query reads the period's encounters once: it looks up each encounter's client, keeps
    each person's first encounter in each group (by time, then id), joins its shift and venue,
    and looks up the person's follow-up once. On PostgreSQL it groups the first encounters by
    each dimension on its own (grouping sets: a few rows per dimension); elsewhere by every
    dimension at once (one row per combination that occurs), summed here.

    The groups are the figures of all persons in a condition (``where``); a follow-up figure
    of a group (``since``) counts a person once a follow-up is on or after the day of one of
    their encounters in the period, that is on or after the day of their first: it is
    looked up once, against that day.

    The notes (``Declaration.notes``) come from the same rows: a person rests on an
    uncertain age when every one of their encounters in the group has one (a window's
    minimum over the person's rows), and on an unlinked encounter when no client is
    linked (the person is an encounter).
    """
    groups = [d for d in _declared(Unit.PERSONS) if d.of is None]
    follow_ups = {d.of: d for d in _declared(Unit.PERSONS) if d.of is not None}
    assert all(d.since is not None and d.where is None and not d.dimensions for d in follow_ups.values())
    assert len(follow_ups) == len(_declared(Unit.PERSONS)) - len(groups)
    using = Encounter.objects.db
    connection = connections[using]
    postgresql = connection.vendor == "postgresql"
    qn = connection.ops.quote_name
    zone = timezone.get_current_timezone_name()
    in_groups = Q()
    for group in groups:
        in_groups |= condition(group.figure)
    group_of = Case(*(When(condition(g.figure), then=Value(i)) for i, g in enumerate(groups)))
    period = (
        SOURCES[Unit.PERSONS].rows(f)
        .filter(in_groups)
        .order_by()
        .values(
            e_id=F("pk"), e_at=F("occurred_at"), e_shift=F("shift_id"), e_venue=F("venue_id"), e_group=group_of,
            e_uncertain=Case(When(AGE_UNCERTAIN_AT_ENCOUNTER, then=Value(1)), default=Value(0)),
        )
    )
    period_sql, period_params = _sql(period)
    links = qn(ClientEncounter._meta.db_table)
    link_client = qn(ClientEncounter._meta.get_field("client").column)
    link_encounter = qn(ClientEncounter._meta.get_field("encounter").column)
    # The person: the client, or the encounter (negated) that no client is linked to.
    person = "COALESCE(link.client_id, -p.e_id)"
    # Age uncertain: every one of the person's encounters in the group has an uncertain age.
    uncertain = f"MIN(p.e_uncertain) OVER (PARTITION BY p.e_group, {person})"
    if postgresql:
        # One index lookup per encounter (the period's encounters are a small part of all the
        # links ever made, which a join would read through; OFFSET 0 keeps the planner from
        # making it one), and each person's first row kept by DISTINCT ON, which the planner
        # sizes well (a window function's rank = 1 it takes for a handful of rows).
        firsts = f"""
            SELECT DISTINCT ON (p.e_group, {person})
                   p.e_group AS in_group, {person} AS person, p.e_at AS at, p.e_shift AS shift, p.e_venue AS venue,
                   {uncertain} AS uncertain
            FROM ({period_sql}) p
            LEFT JOIN LATERAL (SELECT l.{link_client} AS client_id FROM {links} l WHERE l.{link_encounter} = p.e_id
                               OFFSET 0) link ON TRUE
            ORDER BY p.e_group, {person}, p.e_at, p.e_id
        """  # noqa: S608  names from the models and this module, values as parameters
        first_only = ""
    else:
        firsts = f"""
            SELECT p.e_group AS in_group, {person} AS person, p.e_at AS at, p.e_shift AS shift, p.e_venue AS venue,
                   {uncertain} AS uncertain,
                   ROW_NUMBER() OVER (PARTITION BY p.e_group, {person} ORDER BY p.e_at, p.e_id) AS rank
            FROM ({period_sql}) p LEFT JOIN {links} link ON link.{link_encounter} = p.e_id
        """  # noqa: S608  names from the models and this module, values as parameters
        first_only = "WHERE firsts.rank = 1"
    # Followed up: looked up once per person, against the day of their first encounter.
    day_sql, day_params = connection.ops.datetime_cast_date_sql("firsts.at", (), zone)
    month_sql, month_params = connection.ops.datetime_extract_sql("month", "firsts.at", (), zone)
    client = RawSQL("firsts.person", ())
    first_day = RawSQL(day_sql, day_params, output_field=DateField())  # noqa: S611 (Django's own expression)
    followed_sql = "CASE WHEN firsts.person < 0 THEN 0"
    followed_params: list[Any] = []
    for index, group in enumerate(groups):
        follow_up = follow_ups.get(group.figure)
        if follow_up is not None and follow_up.since is not None:
            exists_sql, exists_params = _sql(follow_up.since(client, first_day).order_by().values("pk"))
            followed_sql += f" WHEN firsts.in_group = {index} THEN CASE WHEN EXISTS ({exists_sql}) THEN 1 ELSE 0 END"
            followed_params += exists_params
    followed_sql += " ELSE 0 END"
    shifts, venues = qn(Shift._meta.db_table), qn(Venue._meta.db_table)
    area, basis = qn(Shift._meta.get_field("area").column), qn(Shift._meta.get_field("basis").column)
    kind = qn(Venue._meta.get_field("kind").column)
    shift_pk, venue_pk = qn(Shift._meta.pk.column), qn(Venue._meta.pk.column)
    # Each dimension of the unit, from the first encounter's shift and venue.
    dimensions = {
        Dimension.AREA: f"s.{area}",
        Dimension.VENUE_KIND: f"v.{kind}",
        Dimension.BASIS: f"s.{basis}",
        Dimension.MONTH: month_sql,
    }
    assert tuple(dimensions) == tuple(SOURCES[Unit.PERSONS].fields)
    selected = ", ".join(f"{sql} AS cell_{dimension}" for dimension, sql in dimensions.items())
    cells = f"""
        SELECT firsts.in_group AS in_group, {selected}, {followed_sql} AS followed,
               firsts.uncertain AS uncertain, CASE WHEN firsts.person < 0 THEN 1 ELSE 0 END AS unlinked
        FROM ({firsts}) firsts
        JOIN {shifts} s ON s.{shift_pk} = firsts.shift
        JOIN {venues} v ON v.{venue_pk} = firsts.venue
        {first_only}
    """  # noqa: S608  names from the models and this module, values as parameters
    params = (*month_params, *followed_params, *period_params)
    columns = ", ".join(f"cells.cell_{dimension}" for dimension in dimensions)
    if postgresql:
        # Which dimension a row counts: GROUPING() has a 0 bit for each column grouped by.
        sets = ", ".join(f"(cells.in_group, cells.cell_{dimension})" for dimension in dimensions)
        sql = f"""
            SELECT cells.in_group, {columns}, COUNT(*), SUM(cells.followed), SUM(cells.uncertain), SUM(cells.unlinked),
                   GROUPING({columns})
            FROM ({cells}) cells
            GROUP BY GROUPING SETS ({sets})
        """  # noqa: S608  names from the models and this module, values as parameters
    else:
        sql = f"""
            SELECT cells.in_group, {columns}, COUNT(*), SUM(cells.followed), SUM(cells.uncertain), SUM(cells.unlinked), NULL
            FROM ({cells}) cells GROUP BY cells.in_group, {columns}
        """  # noqa: S608  names from the models and this module, values as parameters
    rows = _fetch(using, sql, params)
    width = len(dimensions)
    months = list(dimensions).index(Dimension.MONTH)
    counts = Counts({}, {})
    for index, group in enumerate(groups):
        mine = [row for row in rows if row[0] == index]
        tally = _tally(
            (
                (
                    *cell[:months], None if cell[months] is None else int(cell[months]), *cell[months + 1 : width],
                    n, followed, _grouping_set(grouping, width),
                )
                for _in_group, *cell, n, followed, _uncertain, _unlinked, grouping in mine
            ),
            tuple(dimensions),
        )
        # Each person once: the rows of every dimension (no grouping sets) or of the first one.
        once = [row for row in mine if not _grouping_set(row[-1], width)]
        sums = {
            Note.AGE_UNCERTAIN: sum(int(row[-3] or 0) for row in once),
            Note.UNLINKED: sum(int(row[-2] or 0) for row in once),
        }
        notes = {note: sums[note] for note in group.notes}
        counts |= Counts({group.figure: tally.total}, {group.figure: tally.by}, {group.figure: notes} if notes else {})
        if group.figure in follow_ups:
            counts |= Counts({follow_ups[group.figure].figure: tally.followed_up}, {})
    return counts
