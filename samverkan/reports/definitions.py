"""The results statistics of DESIGN.md §5, each defined once.

Every figure the collaboration publishes is computed here and nowhere else.
The counting units differ on purpose (Brå's conventions): shifts are counted
as shifts, people found as *distinct persons*, and buyers as *distinct
suspects* — not as encounters or offences.

- A person found is a social-services client linked to the encounter; an
  encounter that no client is linked to counts as one person of its own.
- Age is the age band recorded at the encounter (or, for suspects, the age
  at the offence, frozen at registration). An uncertain age counts as a
  minor (presumption of childhood).
- The period is by the encounter's or the offence's date in Swedish time:
  a report dated 31 December counts in that year.
- A minor counts as referred when the client has a referral (not declined)
  sent on or after the day of one of their encounters in the period; an
  adult counts as informed when a support action (information, an offer,
  acceptance or refusal) is recorded on or after such a day.
- A buyer under 18 counts as referred to social services when a
  child-concern report was filed for them.

Breakdowns (by area, venue kind, shift basis, month, offence) place each
person in exactly one cell: that of their first qualifying encounter (or
offence) in the period, so that every breakdown sums to its total.

These functions count over the whole database: callers decide who may see
the figures (``samverkan.accounts.policy``: aggregates), never the records.

``report(f)`` gives every figure and every breakdown from three queries,
whatever the data size (one per unit: shifts, persons found, buyers), each
reading the period's rows once; a page that shows more than one figure
should use it. ``results``, ``shifts_by``, ``persons_found_by`` and
``buyers_by`` read the same queries. The single-figure functions
(``joint_shifts``, ``minors_found``, ``adults_found``,
``persons_reported_for_buying``, ``minors_reported_for_buying``) count
straight from the definitions above; tests pin the two ways equal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Collate, ExtractMonth, RowNumber, TruncDate
from django.utils import timezone

from samverkan.investigations.models import Suspect
from samverkan.operations.models import (
    MINOR_AGE_BANDS,
    AgeBand,
    Encounter,
    EncounterRole,
    Shift,
    Venue,
)
from samverkan.support.models import (
    INFORMED_KINDS,
    ClientEncounter,
    Referral,
    ReferralStatus,
    SupportAction,
)


@dataclass(frozen=True)
class Filter:
    """A period (inclusive dates, Swedish time) and optional areas and operation."""

    start: dt.date
    end: dt.date
    area_ids: frozenset[int] = field(default_factory=frozenset)
    operation_id: int | None = None
    collaboration_ids: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def year(cls, year: int, **kwargs: object) -> Filter:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), **kwargs)  # type: ignore[arg-type]

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(self.start, dt.time(), tzinfo=tz)
        end = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=tz)
        return start, end


@dataclass(frozen=True)
class Followed:
    """Distinct persons, and how many of them got the follow-up (referral or information)."""

    persons: int
    followed_up: int


def _shift_scope(f: Filter, prefix: str = "") -> Q:
    q = Q()
    if f.area_ids:
        q &= Q(**{f"{prefix}area_id__in": f.area_ids})
    if f.operation_id is not None:
        q &= Q(**{f"{prefix}operation_id": f.operation_id})
    if f.collaboration_ids:
        q &= Q(**{f"{prefix}collaboration_id__in": f.collaboration_ids})
    return q


def completed_shifts(f: Filter) -> QuerySet[Shift]:
    start, end = f.bounds()
    return Shift.objects.completed().filter(starts_at__gte=start, starts_at__lt=end).filter(_shift_scope(f))


def joint_shifts(f: Filter) -> int:
    """1. Completed joint shifts that started in the period."""
    return completed_shifts(f).count()


def exploited_encounters(f: Filter, *, minors: bool | None) -> QuerySet[Encounter]:
    """Encounters with persons in prostitution in the period: minors, adults, or both (``None``)."""
    start, end = f.bounds()
    bands: Iterable[str] = (
        MINOR_AGE_BANDS if minors else (AgeBand.ADULT,) if minors is not None else (*MINOR_AGE_BANDS, AgeBand.ADULT)
    )
    return Encounter.objects.filter(
        role=EncounterRole.EXPLOITED, age_band__in=bands, occurred_at__gte=start, occurred_at__lt=end
    ).filter(_shift_scope(f, "shift__"))


def person_units(encounters: QuerySet[Encounter]) -> list[str]:
    """The distinct persons behind encounters, as stable unit names (for the cell key method)."""
    # order_by(): the model's default ordering would otherwise enter the DISTINCT.
    clients = encounters.filter(client_link__isnull=False).order_by().values_list("client_link__client_id", flat=True).distinct()
    loose = encounters.filter(client_link__isnull=True).order_by().values_list("pk", flat=True)
    return [f"client:{c}" for c in clients] + [f"encounter:{e}" for e in loose]


def _distinct_persons(encounters: QuerySet[Encounter]) -> int:
    linked = encounters.filter(client_link__isnull=False).values("client_link__client_id").distinct().count()
    return linked + encounters.filter(client_link__isnull=True).count()


def _followed_up_clients(
    encounters: QuerySet[Encounter], follow_up: QuerySet[Referral] | QuerySet[SupportAction], date_field: str
) -> QuerySet[Any, dict[str, Any]]:
    condition = Exists(
        follow_up.filter(client_id=OuterRef("client_link__client_id"), **{f"{date_field}__gte": OuterRef("day")})
    )
    return (
        encounters.filter(client_link__isnull=False)
        .annotate(day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()))
        .filter(condition)
        .values("client_link__client_id")
        .distinct()
    )


def _followed_up(encounters: QuerySet[Encounter], follow_up: QuerySet[Referral] | QuerySet[SupportAction], date_field: str) -> int:
    return _followed_up_clients(encounters, follow_up, date_field).count()


def followed_up_units(f: Filter, *, minors: bool) -> list[str]:
    """The persons counted as referred (minors) or informed (adults), as unit names."""
    encounters = exploited_encounters(f, minors=minors)
    if minors:
        clients = _followed_up_clients(encounters, Referral.objects.exclude(status=ReferralStatus.DECLINED), "sent_on")
    else:
        clients = _followed_up_clients(encounters, SupportAction.objects.filter(kind__in=INFORMED_KINDS), "happened_on")
    return [f"client:{c}" for c in clients.order_by().values_list("client_link__client_id", flat=True).distinct()]


def minors_found(f: Filter) -> Followed:
    """2. Distinct persons in prostitution under 18 (or possibly), and how many were referred."""
    encounters = exploited_encounters(f, minors=True)
    referrals = Referral.objects.exclude(status=ReferralStatus.DECLINED)
    return Followed(_distinct_persons(encounters), _followed_up(encounters, referrals, "sent_on"))


def adults_found(f: Filter) -> Followed:
    """3. Distinct adults in prostitution, and how many were informed of support."""
    encounters = exploited_encounters(f, minors=False)
    actions = SupportAction.objects.filter(kind__in=INFORMED_KINDS)
    return Followed(_distinct_persons(encounters), _followed_up(encounters, actions, "happened_on"))


def reported_buyers(f: Filter) -> QuerySet[Suspect]:
    start, end = f.bounds()
    scope = Q()
    if f.area_ids:
        scope &= Q(crime_report__shift__area_id__in=f.area_ids) | Q(
            crime_report__shift__isnull=True, crime_report__venue__area_id__in=f.area_ids
        )
    if f.operation_id is not None:
        scope &= Q(crime_report__shift__operation_id=f.operation_id)
    if f.collaboration_ids:
        scope &= Q(crime_report__collaboration_id__in=f.collaboration_ids)
    return Suspect.objects.filter(
        crime_report__offence__counts_as_sex_purchase=True,
        crime_report__committed_at__gte=start,
        crime_report__committed_at__lt=end,
    ).filter(scope)


def persons_reported_for_buying(f: Filter) -> int:
    """4. Distinct suspects of buying sex (BrB 6:11 and attempt, 6:9) with the offence in the period."""
    return reported_buyers(f).values("person_key").distinct().count()


def minors_reported_for_buying(f: Filter) -> Followed:
    """5. Of them under 18 at the offence, and how many were referred to social services."""
    minors = reported_buyers(f).filter(age_at_offence__lt=18)
    return Followed(
        minors.values("person_key").distinct().count(),
        minors.filter(child_concern_report__isnull=False).values("person_key").distinct().count(),
    )


@dataclass(frozen=True)
class Results:
    joint_shifts: int
    minors: Followed
    adults: Followed
    buyers: int
    minor_buyers: Followed


def results(f: Filter) -> Results:
    """The five figures of DESIGN.md §5 (three queries; ``report`` adds the breakdowns at no cost)."""
    return report(f).results


# --- Breakdowns -------------------------------------------------------------------

class Dimension:
    AREA = "area"
    VENUE_KIND = "venue_kind"
    BASIS = "basis"
    MONTH = "month"
    OFFENCE = "offence"


ENCOUNTER_DIMENSIONS = {
    Dimension.AREA: "shift__area_id",
    Dimension.VENUE_KIND: "venue__kind",
    Dimension.BASIS: "shift__basis",
    Dimension.MONTH: "month",
}
SHIFT_DIMENSIONS = {Dimension.AREA: "area_id", Dimension.BASIS: "basis", Dimension.MONTH: "month"}
BUYER_DIMENSIONS = {
    Dimension.AREA: "crime_report__shift__area_id",
    Dimension.OFFENCE: "crime_report__offence__key",
    Dimension.MONTH: "month",
}


def _month(field_name: str) -> ExtractMonth:
    return ExtractMonth(field_name, tzinfo=timezone.get_current_timezone())


def shifts_by(f: Filter, dimension: str) -> dict[object, int]:
    return _shift_tally(f).by[dimension]


def persons_found_by(f: Filter, dimension: str, *, minors: bool) -> dict[object, int]:
    return _person_tallies(f)[minors].by[dimension]


def buyers_by(f: Filter, dimension: str) -> dict[object, int]:
    return _buyer_tally(f).by[dimension]


# --- Every figure and breakdown in three queries -------------------------------------------
#
# Each unit is counted by one query that reads the period's rows once: the
# database keeps each person's first row (a window function's rank, or DISTINCT
# ON on PostgreSQL for the persons found) and groups those by every dimension
# at once, or, for the persons found on PostgreSQL, by each dimension on its own
# (grouping sets); the cells that come back are summed here into the totals and
# each breakdown. The SQL around the ORM's own queries is written by hand, as
# the ORM cannot group the result of a window-function filter; table and column
# names come from the models, values go in as parameters.


@dataclass(frozen=True)
class Tally:
    """One unit's distinct count, how many were followed up, and each breakdown of the count."""

    total: int
    followed_up: int
    by: dict[str, dict[object, int]]


@dataclass(frozen=True)
class Report:
    """The five figures and every breakdown of each unit counted."""

    results: Results
    shifts: Tally
    minors: Tally
    adults: Tally
    buyers: Tally  # followed_up: none; see results.minor_buyers


def report(f: Filter) -> Report:
    """Every figure and every breakdown of the period, from three queries."""
    return reports(f)[0]


def reports(*filters: Filter) -> list[Report]:
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
        units = _concurrently(using, filters)
    else:
        units = [(_shift_tally(f), _person_tallies(f), _buyer_tally_and_minors(f)) for f in filters]
    return [_assemble(*unit) for unit in units]


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


def _concurrently(using: str, filters: Sequence[Filter]) -> list[tuple[Tally, dict[bool, Tally], tuple[Tally, Followed]]]:
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
            others = [pool.submit(_in_snapshot, using, snapshot, zone, _shifts_and_buyers, f) for f in filters]
            # The person query, the longest, here on the exporting connection.
            people = [_person_tallies(f) for f in filters]
            units = []
            for other, persons in zip(others, people, strict=True):
                shifts, buyers = other.result()
                units.append((shifts, persons, buyers))
            return units


def _shifts_and_buyers(f: Filter) -> tuple[Tally, tuple[Tally, Followed]]:
    return _shift_tally(f), _buyer_tally_and_minors(f)


def _assemble(shifts: Tally, persons: dict[bool, Tally], buyer_unit: tuple[Tally, Followed]) -> Report:
    buyers, minor_buyers = buyer_unit
    return Report(
        results=Results(
            joint_shifts=shifts.total,
            minors=Followed(persons[True].total, persons[True].followed_up),
            adults=Followed(persons[False].total, persons[False].followed_up),
            buyers=buyers.total,
            minor_buyers=minor_buyers,
        ),
        shifts=shifts,
        minors=persons[True],
        adults=persons[False],
        buyers=buyers,
    )


def _by_value(key: object) -> tuple[bool, Any]:
    return (key is None, key)


def _by_text(key: object) -> tuple[bool, str]:
    return (key is None, str(key))


def _tally(
    cells: Iterable[Sequence[Any]], dimensions: Sequence[str], sort_key: Callable[[object], Any] = _by_value
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
    by: dict[str, dict[object, int]] = {dimension: {} for dimension in dimensions}
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


def _shift_tally(f: Filter) -> Tally:
    cells = (
        completed_shifts(f)
        .annotate(month=_month("starts_at"))
        .order_by()
        .values_list("area_id", "basis", "month")
        .annotate(n=Count("pk"))
    )
    return _tally(((*cell, 0) for cell in cells), (Dimension.AREA, Dimension.BASIS, Dimension.MONTH))


def _person_tallies(f: Filter) -> dict[bool, Tally]:
    """Persons found, minors (``True``) and adults, each in the cell of their first encounter.

    One query reads the period's encounters once: it looks up each encounter's client, keeps
    each person's first encounter (by time, then id), joins its shift and venue, and looks up
    the person's follow-up once. On PostgreSQL it groups the first encounters by each
    dimension on its own (grouping sets: a few rows per dimension); elsewhere by every
    dimension at once (one row per combination that occurs), summed here.
    """
    using = Encounter.objects.db
    connection = connections[using]
    postgresql = connection.vendor == "postgresql"
    qn = connection.ops.quote_name
    zone = timezone.get_current_timezone_name()
    minor = Case(When(age_band__in=MINOR_AGE_BANDS, then=Value(1)), default=Value(0))
    period = (
        exploited_encounters(f, minors=None)
        .order_by()
        .values(e_id=F("pk"), e_at=F("occurred_at"), e_shift=F("shift_id"), e_venue=F("venue_id"), e_minor=minor)
    )
    period_sql, period_params = _sql(period)
    links = qn(ClientEncounter._meta.db_table)
    link_client = qn(ClientEncounter._meta.get_field("client").column)
    link_encounter = qn(ClientEncounter._meta.get_field("encounter").column)
    # The person: the client, or the encounter (negated) that no client is linked to.
    person = "COALESCE(link.client_id, -p.e_id)"
    if postgresql:
        # One index lookup per encounter (the period's encounters are a small part of all the
        # links ever made, which a join would read through; OFFSET 0 keeps the planner from
        # making it one), and each person's first row kept by DISTINCT ON, which the planner
        # sizes well (a window function's rank = 1 it takes for a handful of rows).
        firsts = f"""
            SELECT DISTINCT ON (p.e_minor, {person})
                   p.e_minor AS is_minor, {person} AS person, p.e_at AS at, p.e_shift AS shift, p.e_venue AS venue
            FROM ({period_sql}) p
            LEFT JOIN LATERAL (SELECT l.{link_client} AS client_id FROM {links} l WHERE l.{link_encounter} = p.e_id
                               OFFSET 0) link ON TRUE
            ORDER BY p.e_minor, {person}, p.e_at, p.e_id
        """  # noqa: S608
        first_only = ""
    else:
        firsts = f"""
            SELECT p.e_minor AS is_minor, {person} AS person, p.e_at AS at, p.e_shift AS shift, p.e_venue AS venue,
                   ROW_NUMBER() OVER (PARTITION BY p.e_minor, {person} ORDER BY p.e_at, p.e_id) AS rank
            FROM ({period_sql}) p LEFT JOIN {links} link ON link.{link_encounter} = p.e_id
        """  # noqa: S608
        first_only = "WHERE firsts.rank = 1"
    # Followed up: a follow-up on or after the day of one of the person's encounters in the
    # period, that is on or after the day of the first; looked up once per person.
    day_sql, day_params = connection.ops.datetime_cast_date_sql("firsts.at", (), zone)
    month_sql, month_params = connection.ops.datetime_extract_sql("month", "firsts.at", (), zone)
    client = RawSQL("firsts.person", ())
    first_day = RawSQL(day_sql, day_params, output_field=DateField())  # noqa: S611 (Django's own expression)
    referred = Referral.objects.exclude(status=ReferralStatus.DECLINED).filter(client_id=client, sent_on__gte=first_day)
    informed = SupportAction.objects.filter(kind__in=INFORMED_KINDS, client_id=client, happened_on__gte=first_day)
    (referred_sql, referred_params), (informed_sql, informed_params) = (
        _sql(referred.order_by().values("pk")), _sql(informed.order_by().values("pk"))
    )
    shifts, venues = qn(Shift._meta.db_table), qn(Venue._meta.db_table)
    area, basis = qn(Shift._meta.get_field("area").column), qn(Shift._meta.get_field("basis").column)
    kind = qn(Venue._meta.get_field("kind").column)
    shift_pk, venue_pk = qn(Shift._meta.pk.column), qn(Venue._meta.pk.column)
    cells = f"""
        SELECT firsts.is_minor AS is_minor, s.{area} AS area, v.{kind} AS venue_kind, s.{basis} AS basis,
               {month_sql} AS in_month,
               CASE WHEN firsts.person < 0 THEN 0
                    WHEN firsts.is_minor = 1 THEN CASE WHEN EXISTS ({referred_sql}) THEN 1 ELSE 0 END
                    ELSE CASE WHEN EXISTS ({informed_sql}) THEN 1 ELSE 0 END END AS followed
        FROM ({firsts}) firsts
        JOIN {shifts} s ON s.{shift_pk} = firsts.shift
        JOIN {venues} v ON v.{venue_pk} = firsts.venue
        {first_only}
    """  # noqa: S608
    params = (*month_params, *referred_params, *informed_params, *period_params)
    columns = "cells.is_minor, cells.area, cells.venue_kind, cells.basis, cells.in_month"
    if postgresql:
        # Which dimension a row counts: GROUPING() has a 0 bit for each column grouped by.
        sql = f"""
            SELECT {columns}, COUNT(*), SUM(cells.followed), GROUPING(cells.area, cells.venue_kind, cells.basis, cells.in_month)
            FROM ({cells}) cells
            GROUP BY GROUPING SETS ((cells.is_minor, cells.area), (cells.is_minor, cells.venue_kind),
                                    (cells.is_minor, cells.basis), (cells.is_minor, cells.in_month))
        """  # noqa: S608
    else:
        sql = f"SELECT {columns}, COUNT(*), SUM(cells.followed), NULL FROM ({cells}) cells GROUP BY {columns}"  # noqa: S608
    rows = _fetch(using, sql, params)
    dimensions = (Dimension.AREA, Dimension.VENUE_KIND, Dimension.BASIS, Dimension.MONTH)
    return {
        minors: _tally(
            (
                (area, kind, basis, None if month is None else int(month), n, followed, _grouping_set(grouping, len(dimensions)))
                for is_minor, area, kind, basis, month, n, followed, grouping in rows
                if bool(is_minor) is minors
            ),
            dimensions,
        )
        for minors in (True, False)
    }


def _buyer_tally_and_minors(f: Filter) -> tuple[Tally, Followed]:
    """Persons reported for buying sex in the cell of their first offence; those under 18, and referred."""
    under_18 = Q(age_at_offence__lt=18)
    buyers = reported_buyers(f)
    person: list[Any] = [F("person_key")]
    if connections[buyers.db].vendor == "postgresql":
        # Partitions need equality only: byte order sorts the keys faster than a language's order.
        person = [Collate(F("person_key"), "C")]
    firsts = (
        buyers
        .annotate(
            rank=Window(
                RowNumber(), partition_by=person, order_by=[F("crime_report__committed_at").asc(), F("pk").asc()]
            ),
            was_minor=Window(Max(Case(When(under_18, then=Value(1)), default=Value(0))), partition_by=person),
            minor_referred=Window(
                Max(Case(When(under_18 & Q(child_concern_report__isnull=False), then=Value(1)), default=Value(0))),
                partition_by=person,
            ),
        )
        .filter(rank=1)
        .order_by()
        .values(
            "was_minor",
            "minor_referred",
            area=F("crime_report__shift__area_id"),
            offence=F("crime_report__offence__key"),
            in_month=_month("crime_report__committed_at"),
        )
    )
    firsts_sql, params = _sql(firsts)
    # The ORM's own parameterised SQL, grouped: nothing from outside goes into the text.
    sql = f"""
        SELECT firsts.area, firsts.offence, firsts.in_month, COUNT(*), SUM(firsts.was_minor),
               SUM(firsts.minor_referred)
        FROM ({firsts_sql}) firsts
        GROUP BY firsts.area, firsts.offence, firsts.in_month
    """  # noqa: S608
    rows = _fetch(firsts.db, sql, params)
    tally = _tally(
        ((area, offence, int(month), n, 0) for area, offence, month, n, _minor, _referred in rows),
        (Dimension.AREA, Dimension.OFFENCE, Dimension.MONTH),
        _by_text,
    )
    minors = Followed(sum(int(row[4]) for row in rows), sum(int(row[5]) for row in rows))
    return tally, minors


def _buyer_tally(f: Filter) -> Tally:
    return _buyer_tally_and_minors(f)[0]
