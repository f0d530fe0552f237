"""The week's patterns: when encounters happen and tips come in, by hour of the week (a heat table).

Counts only, from the querysets the user may read (``visible_to``): encounters
by the time they occurred, tips by the time they were submitted, each in the
local time zone, in a 7 × 24 table (Monday first). Filtered by period, area and
kind of venue like the map. On the same filters:

- trends by month: encounters, persons found, minors found and tips per month;
- the yield of past shifts: completed joint shifts by area, their hours, and
  the persons found, minors found and buyers per shift hour. Persons and minors
  are counted as the results statistics count them (``support.counting``: one
  unit for a person found, one predicate for a minor); buyers reported are the
  suspects of buying sex on those shifts where the user may count suspects,
  else (coordinators) the buyers met (encounters in the buyer's role);
- venues that recur: encounters at a venue on two or more shifts;
- venues with recent tips that no shift has visited since the tip came in.

Counts and venue names only, never a person, a tip's text or its source.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Min, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from samverkan.accounts.models import Area, User
from samverkan.accounts.policy import Action, RecordType, can
from samverkan.intel.models import Tip
from samverkan.investigations.models import Suspect
from samverkan.operations.models import Encounter, EncounterRole, Shift, Venue, VenueVisit
from samverkan.support.counting import EXPLOITED, MINOR_AT_ENCOUNTER, person_found

DAYS = 7
HOURS = 24


@dataclass(frozen=True)
class WeekTable:
    """counts[day][hour], Monday = 0, and the largest cell (for the shading)."""

    label: str
    counts: tuple[tuple[int, ...], ...]

    @property
    def total(self) -> int:
        return sum(sum(row) for row in self.counts)

    @property
    def peak(self) -> int:
        return max((max(row) for row in self.counts), default=0)

    def shade(self, value: int) -> int:
        """0–4: the cell's class, by its share of the peak."""
        if not value or not self.peak:
            return 0
        return min(4, 1 + (4 * value - 1) // self.peak)


def _table(label: str, times: list[dt.datetime]) -> WeekTable:
    grid = [[0] * HOURS for _ in range(DAYS)]
    for moment in times:
        local = timezone.localtime(moment)
        grid[local.weekday()][local.hour] += 1
    return WeekTable(label, tuple(tuple(row) for row in grid))


def week_tables(
    user: User, *, start: dt.datetime, end: dt.datetime, area: Area | None, kind: str, labels: dict[str, str],
) -> list[WeekTable]:
    tables = []
    if can(user, RecordType.ENCOUNTER, Action.LIST):
        encounters = Encounter.objects.visible_to(user, Action.LIST).filter(occurred_at__gte=start, occurred_at__lt=end)
        if area is not None:
            encounters = encounters.filter(Q(venue__area=area) | Q(venue__area__isnull=True, shift__area=area))
        if kind:
            encounters = encounters.filter(venue__kind=kind)
        tables.append(_table(labels["encounters"], list(encounters.values_list("occurred_at", flat=True)[:200_000])))
    if can(user, RecordType.TIP, Action.LIST):
        tips = Tip.objects.visible_to(user, Action.LIST).filter(submitted_at__gte=start, submitted_at__lt=end)
        if area is not None:
            tips = tips.filter(Q(venue__area=area) | Q(shift__area=area))
        if kind:
            tips = tips.filter(Q(venue__kind=kind) | Q(venue__isnull=True, venue_kind=kind))
        tables.append(_table(labels["tips"], list(tips.values_list("submitted_at", flat=True)[:200_000])))
    return tables


RECENT_TIP_DAYS = 90
LISTED = 25


@dataclass(frozen=True)
class Filters:
    start: dt.datetime
    end: dt.datetime
    area: Area | None
    kind: str


def _encounters(user: User, f: Filters) -> Any:
    encounters = Encounter.objects.visible_to(user, Action.LIST).filter(occurred_at__gte=f.start, occurred_at__lt=f.end)
    if f.area is not None:
        encounters = encounters.filter(Q(venue__area=f.area) | Q(venue__area__isnull=True, shift__area=f.area))
    if f.kind:
        encounters = encounters.filter(venue__kind=f.kind)
    return encounters


def _tips(user: User, f: Filters) -> Any:
    tips = Tip.objects.visible_to(user, Action.LIST).filter(submitted_at__gte=f.start, submitted_at__lt=f.end)
    if f.area is not None:
        tips = tips.filter(Q(venue__area=f.area) | Q(shift__area=f.area))
    if f.kind:
        tips = tips.filter(Q(venue__kind=f.kind) | Q(venue__isnull=True, venue_kind=f.kind))
    return tips


@dataclass(frozen=True)
class MonthRow:
    month: dt.date
    encounters: int
    persons: int
    minors: int
    tips: int | None


def month_trends(user: User, f: Filters) -> list[MonthRow]:
    """Encounters, persons and minors found, and tips (where the user reads them) by month."""
    tz = timezone.get_current_timezone()
    rows: dict[dt.date, dict[str, int]] = defaultdict(lambda: {"encounters": 0, "persons": 0, "minors": 0, "tips": 0})
    if can(user, RecordType.ENCOUNTER, Action.LIST):
        by_month = _encounters(user, f).annotate(m=TruncMonth("occurred_at", tzinfo=tz)).values("m")
        for row in by_month.annotate(n=Count("pk")).order_by("m"):
            rows[row["m"].date()]["encounters"] = row["n"]
        exploited = by_month.filter(EXPLOITED)
        for row in exploited.annotate(n=Count(person_found(), distinct=True)).order_by("m"):
            rows[row["m"].date()]["persons"] = row["n"]
        for row in exploited.filter(MINOR_AT_ENCOUNTER).annotate(n=Count(person_found(), distinct=True)).order_by("m"):
            rows[row["m"].date()]["minors"] = row["n"]
    reads_tips = can(user, RecordType.TIP, Action.LIST)
    if reads_tips:
        tips = _tips(user, f).annotate(m=TruncMonth("submitted_at", tzinfo=tz)).values("m").annotate(n=Count("pk")).order_by("m")
        for row in tips:
            rows[row["m"].date()]["tips"] = row["n"]
    return [
        MonthRow(month, r["encounters"], r["persons"], r["minors"], r["tips"] if reads_tips else None)
        for month, r in sorted(rows.items())
    ]


@dataclass(frozen=True)
class YieldRow:
    """One area's completed shifts in the period and what they found, per shift hour."""

    area: str
    shifts: int
    hours: float
    persons: int
    minors: int
    buyers: int

    def per_hour(self, value: int) -> float | None:
        return round(value / self.hours, 2) if self.hours else None

    @property
    def persons_per_hour(self) -> float | None:
        return self.per_hour(self.persons)

    @property
    def minors_per_hour(self) -> float | None:
        return self.per_hour(self.minors)

    @property
    def buyers_per_hour(self) -> float | None:
        return self.per_hour(self.buyers)


def counts_reported_buyers(user: User) -> bool:
    """Buyers reported (suspects) where the user may count suspects, else the buyers met."""
    return can(user, RecordType.SUSPECT, Action.AGGREGATE)


def shift_yield(user: User, f: Filters) -> list[YieldRow]:
    """The yield of past shifts by area, and a total row (area ``""``) last."""
    shifts = Shift.objects.visible_to(user, Action.LIST).completed().joint().starting_between(f.start, f.end)
    if f.area is not None:
        shifts = shifts.filter(area=f.area)
    facts: dict[str, dict[str, Any]] = {}
    area_of: dict[int, str] = {}
    for pk, area_name, starts, ends in shifts.values_list("pk", "area__name", "starts_at", "ends_at").order_by("area__name", "pk"):
        row = facts.setdefault(area_name, {"shifts": 0, "hours": 0.0, "persons": set(), "minors": set(), "buyers": set()})
        row["shifts"] += 1
        row["hours"] += (ends - starts).total_seconds() / 3600
        area_of[pk] = area_name
    if not area_of:
        return []
    if can(user, RecordType.ENCOUNTER, Action.LIST):
        encounters = Encounter.objects.visible_to(user, Action.LIST).filter(shift__in=list(area_of))
        if f.kind:
            encounters = encounters.filter(venue__kind=f.kind)
        exploited = encounters.filter(EXPLOITED).annotate(person=person_found())
        for shift_id, person in exploited.values_list("shift", "person"):
            facts[area_of[shift_id]]["persons"].add(person)
        for shift_id, person in exploited.filter(MINOR_AT_ENCOUNTER).values_list("shift", "person"):
            facts[area_of[shift_id]]["minors"].add(person)
        if not counts_reported_buyers(user):
            for shift_id, pk in encounters.filter(role=EncounterRole.BUYER).values_list("shift", "pk"):
                facts[area_of[shift_id]]["buyers"].add(pk)
    if counts_reported_buyers(user):
        suspects = Suspect.objects.visible_to(user, Action.AGGREGATE).of_sex_purchase().filter(crime_report__shift__in=list(area_of))
        for shift_id, key in suspects.values_list("crime_report__shift", "person_key"):
            facts[area_of[shift_id]]["buyers"].add(key)
    rows = [
        YieldRow(name, r["shifts"], round(r["hours"], 1), len(r["persons"]), len(r["minors"]), len(r["buyers"]))
        for name, r in facts.items()
    ]
    total = YieldRow(
        "", sum(r.shifts for r in rows), round(sum(r.hours for r in rows), 1),
        len(set().union(*(r["persons"] for r in facts.values()))),
        len(set().union(*(r["minors"] for r in facts.values()))),
        len(set().union(*(r["buyers"] for r in facts.values()))),
    )
    return [*rows, total]


@dataclass(frozen=True)
class VenueRow:
    pk: int
    name: str
    area: str
    shifts: int
    encounters: int
    last: dt.date | None


def _venues(user: User, f: Filters) -> Any:
    venues = Venue.objects.visible_to(user, Action.LIST)
    if f.area is not None:
        venues = venues.filter(area=f.area)
    if f.kind:
        venues = venues.filter(kind=f.kind)
    return venues


def recurring_venues(user: User, f: Filters) -> list[VenueRow]:
    """Venues where encounters were recorded on two or more shifts in the period, most shifts first."""
    if not can(user, RecordType.ENCOUNTER, Action.LIST):
        return []
    encounters = Encounter.objects.visible_to(user, Action.LIST).filter(
        occurred_at__gte=f.start, occurred_at__lt=f.end, venue__in=_venues(user, f),
    )
    rows = (
        encounters.values("venue", "venue__name", "venue__area__name")
        .annotate(shifts=Count("shift", distinct=True), n=Count("pk"), last=Max("occurred_at"))
        .filter(shifts__gte=2).order_by("-shifts", "-n", "venue__name", "venue")[:LISTED]
    )
    return [
        VenueRow(r["venue"], r["venue__name"], r["venue__area__name"] or "", r["shifts"], r["n"], timezone.localdate(r["last"]))
        for r in rows
    ]


@dataclass(frozen=True)
class TippedVenueRow:
    pk: int
    name: str
    area: str
    tips: int
    first_tip: dt.date
    last_visit: dt.date | None


def unvisited_tipped_venues(user: User, f: Filters, *, days: int = RECENT_TIP_DAYS) -> list[TippedVenueRow]:
    """Venues with tips in the last ``days`` of the period that no shift has visited since the first of them."""
    if not can(user, RecordType.TIP, Action.LIST):
        return []
    since = max(f.start, f.end - dt.timedelta(days=days))
    tips = (
        Tip.objects.visible_to(user, Action.LIST)
        .filter(submitted_at__gte=since, submitted_at__lt=f.end, venue__in=_venues(user, f))
        .values("venue", "venue__name", "venue__area__name").annotate(n=Count("pk"), first=Min("submitted_at"))
        .order_by("-n", "venue__name", "venue")
    )
    tipped = {r["venue"]: r for r in tips}
    visits: dict[int, dt.datetime] = {}
    for venue_id, at in (
        VenueVisit.objects.visible_to(user, Action.LIST).filter(venue__in=list(tipped))
        .values("venue").annotate(last=Max("arrived_at")).values_list("venue", "last")
    ):
        visits[venue_id] = at
    if can(user, RecordType.ENCOUNTER, Action.LIST):
        for venue_id, at in (
            Encounter.objects.visible_to(user, Action.LIST).filter(venue__in=list(tipped))
            .values("venue").annotate(last=Max("occurred_at")).values_list("venue", "last")
        ):
            visits[venue_id] = max(at, visits.get(venue_id, at))
    rows = []
    for venue_id, r in tipped.items():
        last = visits.get(venue_id)
        if last is not None and last >= r["first"]:
            continue
        rows.append(TippedVenueRow(
            venue_id, r["venue__name"], r["venue__area__name"] or "", r["n"], timezone.localdate(r["first"]),
            timezone.localdate(last) if last else None,
        ))
    return rows[:LISTED]
