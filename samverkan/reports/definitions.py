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
    BigIntegerField,
    Case,
    Count,
    DateField,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Collate, ExtractMonth, RowNumber, TruncDate
from django.utils import timezone

from samverkan.investigations.models import Suspect
from samverkan.operations.models import (
    MINOR_AGE_BANDS,
    AgeBand,
    Encounter,
    EncounterRole,
    Shift,
)
from samverkan.support.models import (
    ClientEncounter,
    Referral,
    ReferralStatus,
    SupportAction,
    SupportActionKind,
)

INFORMED_KINDS = (
    SupportActionKind.INFORMED,
    SupportActionKind.OFFERED,
    SupportActionKind.ACCEPTED,
    SupportActionKind.DECLINED,
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
# database ranks each person's rows (window function), keeps the first, and
# groups those by every dimension at once; the cells that come back (one per
# combination of values that occurs) are summed here into the totals and
# each breakdown. The grouping over the ranked rows is written as SQL around
# the ORM's own query, as the ORM cannot group the result of a window-function
# filter.


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

    On PostgreSQL, outside a transaction, the queries run side by side on their own
    connections, which all read the snapshot the first one exported: the figures are
    those of one moment, as if counted in one transaction, in the time of the slowest
    query rather than of all of them (the person query holds one core, the buyers'
    query the other). Inside a transaction (a test case, or a caller's atomic block)
    other connections could not see its writes, so the queries run one after the other.
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
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        # The exporting transaction stays open until every query has imported its snapshot.
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="report") as pool:
            people = [pool.submit(_in_snapshot, using, snapshot, zone, _person_tallies, f) for f in filters]
            buyers = [pool.submit(_in_snapshot, using, snapshot, zone, _buyer_tally_and_minors, f) for f in filters]
            shifts = [_shift_tally(f) for f in filters]  # small: here, in the exporting transaction
            return [(s, p.result(), b.result()) for s, p, b in zip(shifts, people, buyers, strict=True)]


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
    """Sum cells (one value per dimension, then the count and the followed-up count) into a tally."""
    total = followed_up = 0
    by: dict[str, dict[object, int]] = {dimension: {} for dimension in dimensions}
    for cell in cells:
        count, followed = int(cell[len(dimensions)]), int(cell[len(dimensions) + 1] or 0)
        total += count
        followed_up += followed
        for dimension, value in zip(dimensions, cell, strict=False):
            counts = by[dimension]
            counts[value] = counts.get(value, 0) + count
    return Tally(total, followed_up, {d: dict(sorted(c.items(), key=lambda kv: sort_key(kv[0]))) for d, c in by.items()})


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
    """Persons found, minors (``True``) and adults, each in the cell of their first encounter."""
    minor = Case(When(age_band__in=MINOR_AGE_BANDS, then=Value(1)), default=Value(0))
    # The client linked to each encounter, looked up by the encounter: the period's encounters
    # are a small part of all the links ever made, which a join would read through.
    client_id = Subquery(ClientEncounter.objects.filter(encounter_id=OuterRef("pk")).order_by().values("client_id"))
    firsts = (
        exploited_encounters(f, minors=None)
        .annotate(
            is_minor=minor,
            # The client, or the encounter (negated) that no client is linked to.
            person=Coalesce(client_id, -F("pk"), output_field=BigIntegerField()),
            rank=Window(
                RowNumber(), partition_by=[F("is_minor"), F("person")], order_by=[F("occurred_at").asc(), F("pk").asc()]
            ),
        )
        .filter(rank=1)
        .order_by()
        .values(
            "is_minor",
            "person",
            first_day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()),
            area=F("shift__area_id"),
            venue_kind=F("venue__kind"),
            basis=F("shift__basis"),
            in_month=_month("occurred_at"),
        )
    )
    # Followed up: a follow-up on or after the day of one of the person's encounters in the
    # period, that is on or after the day of the first; looked up once per person.
    client = RawSQL("firsts.person", ())
    first_day = RawSQL("firsts.first_day", (), output_field=DateField())
    referred = Referral.objects.exclude(status=ReferralStatus.DECLINED).filter(client_id=client, sent_on__gte=first_day)
    informed = SupportAction.objects.filter(kind__in=INFORMED_KINDS, client_id=client, happened_on__gte=first_day)
    (firsts_sql, firsts_params), (referred_sql, referred_params), (informed_sql, informed_params) = (
        _sql(firsts), _sql(referred.order_by().values("pk")), _sql(informed.order_by().values("pk"))
    )
    # The ORM's own parameterised SQL, grouped: nothing from outside goes into the text.
    sql = f"""
        SELECT firsts.is_minor, firsts.area, firsts.venue_kind, firsts.basis, firsts.in_month, COUNT(*),
               SUM(CASE WHEN firsts.person < 0 THEN 0
                        WHEN firsts.is_minor = 1 THEN CASE WHEN EXISTS ({referred_sql}) THEN 1 ELSE 0 END
                        ELSE CASE WHEN EXISTS ({informed_sql}) THEN 1 ELSE 0 END END)
        FROM ({firsts_sql}) firsts
        GROUP BY firsts.is_minor, firsts.area, firsts.venue_kind, firsts.basis, firsts.in_month
    """  # noqa: S608
    rows = _fetch(firsts.db, sql, referred_params + informed_params + firsts_params)
    dimensions = (Dimension.AREA, Dimension.VENUE_KIND, Dimension.BASIS, Dimension.MONTH)
    return {
        minors: _tally(
            ((area, kind, basis, int(month), n, followed) for is_minor, area, kind, basis, month, n, followed in rows
             if bool(is_minor) is minors),
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
