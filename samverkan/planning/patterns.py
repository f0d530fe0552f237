"""The week's patterns: when encounters happen and tips come in, by hour of the week (a heat table).

Counts only, from the querysets the user may read (``visible_to``): encounters
by the time they occurred, tips by the time they were submitted, each in the
local time zone, in a 7 × 24 table (Monday first). Filtered by period, area and
kind of venue like the map. The rest of issue 16's patterns (trends by month,
the yield of past shifts, recurring venues, venues with recent tips no shift
has visited) build on the same filters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from samverkan.accounts.models import Area, User
from samverkan.accounts.policy import Action, RecordType, can
from samverkan.intel.models import Tip
from samverkan.operations.models import Encounter

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
