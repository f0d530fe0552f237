"""Generated weeks with hot spots that move, to evaluate the proposed plan offline (issue 16 item 6).

A new generator beside ``scale.py`` (which writes a national history into the
database): this one keeps its world in memory, Django-free, because what it is
for is comparing two plans on the same truth, many weeks over, in seconds.

The world: ``areas`` areas of ``venues_per_area`` venues each. Every venue has a
true intensity for every hour of the week (persons in prostitution there, per
hour): a weak evening and night background, and ``hot_spots`` hot spots, each a
venue and an evening of the week where the intensity is many times higher and
more of those met are minors. Every ``move_every`` weeks each hot spot moves to
another venue (in another area) and another evening.

What the collaboration sees of it, week by week, is what a real one sees:

- tips: each week a venue draws tips in proportion to its true intensity (more
  where minors are), each about an hour drawn from that intensity, plus noise tips
  about random venues;
- the shifts it worked and what they found: a habitual plan (the same slots
  every week, chosen where the hot spots were at the start, one in five moved at
  random each week), each shift visiting its three habitual venues; what it finds
  is drawn (Poisson) from the true intensity.

On each held-out week the proposal (``lib.shiftplan.propose`` on the facts before
that week) and the naive plan (``lib.shiftplan.naive_plan``: the most used slots of
the four weeks before, with the venues those shifts visited) are scored by the
persons and minors they would find in expectation under the true intensity: a
shift finds at its planned venues ``PLANNED_SHARE`` of those there during its
hours, at the area's other venues ``OTHER_SHARE``.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field

from samverkan.lib import shiftplan as sp

PLANNED_SHARE = 0.6
OTHER_SHARE = 0.15
HABIT_VENUES = 3


@dataclass(frozen=True)
class HotSpot:
    venue: int
    day: int
    hour: int  # the first of its hours (four)
    factor: float
    minor_share: float


@dataclass
class World:
    seed: int = 16
    areas: int = 6
    venues_per_area: int = 6
    weeks: int = 40
    held_out: int = 12
    hot_spots: int = 3
    move_every: int = 6
    shifts: int = 6
    hours: int = 4
    rng: random.Random = field(init=False)
    venues: list[sp.VenueInfo] = field(init=False)
    background: dict[int, list[float]] = field(init=False)
    spots: list[list[HotSpot]] = field(init=False)  # by week

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.venues = [
            sp.VenueInfo(a * 100 + v, f"venue {a}-{v}", f"area-{a}") for a in range(self.areas) for v in range(self.venues_per_area)
        ]
        self.background = {}
        for venue in self.venues:
            level = self.rng.uniform(0.005, 0.04)
            self.background[venue.pk] = [
                level * (1.0 if (h % 24) >= 19 or (h % 24) < 3 else 0.2) * (1.5 if h // 24 >= 4 else 1.0) for h in range(sp.HOURS_OF_WEEK)
            ]
        current = [self._new_spot(None) for _ in range(self.hot_spots)]
        self.spots = []
        for week in range(self.weeks):
            if week and week % self.move_every == 0:
                current = [self._new_spot(spot) for spot in current]
            self.spots.append(list(current))

    def _new_spot(self, old: HotSpot | None) -> HotSpot:
        choices = [v for v in self.venues if old is None or v.area != self.area_of(old.venue)]
        venue = self.rng.choice(choices)
        return HotSpot(venue.pk, self.rng.randrange(7), self.rng.choice((19, 20, 21, 22)), self.rng.uniform(0.6, 1.2), self.rng.uniform(0.2, 0.4))

    def area_of(self, venue: int) -> str:
        return f"area-{venue // 100}"

    def intensity(self, week: int, venue: int, hour: int) -> tuple[float, float]:
        """Persons and minors there in that hour of that week, in expectation."""
        persons = self.background[venue][hour % sp.HOURS_OF_WEEK]
        minors = persons * 0.05
        for spot in self.spots[week]:
            start = spot.day * 24 + spot.hour
            if spot.venue == venue and 0 <= (hour - start) % sp.HOURS_OF_WEEK < 4:
                persons += spot.factor
                minors += spot.factor * spot.minor_share
        return persons, minors

    def expected(self, week: int, shift: sp.ProposedShift) -> tuple[float, float]:
        """What a shift finds in expectation: the persons and minors."""
        persons = minors = 0.0
        for venue in self.venues:
            if venue.area != shift.area:
                continue
            share = PLANNED_SHARE if venue.pk in shift.venues else OTHER_SHARE
            for i in range(shift.hours):
                p, m = self.intensity(week, venue.pk, shift.hour_of_week + i)
                persons += share * p
                minors += share * m
        return persons, minors


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


@dataclass
class History:
    """What the collaboration saw, week by week: tips, shifts and their finds."""

    tips: list[tuple[int, sp.TipFact]] = field(default_factory=list)  # (week, tip with age 0 = the week's Monday)
    shifts: list[tuple[int, sp.ProposedShift]] = field(default_factory=list)
    found: list[tuple[int, sp.Found]] = field(default_factory=list)


def simulate(world: World) -> History:
    rng = random.Random(world.seed + 1)
    history = History()
    habit: list[sp.ProposedShift] = []
    for spot in world.spots[0][: world.shifts]:
        area = world.area_of(spot.venue)
        venues = (spot.venue, *[v.pk for v in world.venues if v.area == area and v.pk != spot.venue][:HABIT_VENUES - 1])
        habit.append(sp.ProposedShift(area, spot.day, spot.hour, world.hours, venues, 0.0, ()))
    while len(habit) < world.shifts:
        venue = rng.choice(world.venues)
        venues = tuple(v.pk for v in world.venues if v.area == venue.area)[:HABIT_VENUES]
        habit.append(sp.ProposedShift(venue.area, rng.randrange(7), rng.choice((19, 20, 21)), world.hours, venues, 0.0, ()))
    for week in range(world.weeks):
        # Tips from the truth, plus noise.
        for venue in world.venues:
            weekly = [world.intensity(week, venue.pk, h) for h in range(sp.HOURS_OF_WEEK)]
            mass = sum(p + 2 * m for p, m in weekly)
            for _ in range(_poisson(rng, 0.15 * mass)):
                hour = rng.choices(range(sp.HOURS_OF_WEEK), weights=[p + 2 * m for p, m in weekly])[0]
                history.tips.append((week, sp.TipFact(venue.area, venue.pk, 7.0 - hour / 24, rng.choice((1.0, 1.5, 2.0)), hour)))
        for _ in range(_poisson(rng, 1.0)):
            venue = rng.choice(world.venues)
            history.tips.append((week, sp.TipFact(venue.area, venue.pk, rng.uniform(0, 7), 1.0, rng.randrange(sp.HOURS_OF_WEEK))))
        # The habitual shifts, one in five moved at random.
        for slot in habit:
            shift = slot
            if rng.random() < 0.2:
                venue = rng.choice(world.venues)
                venues = tuple(v.pk for v in world.venues if v.area == venue.area)[:HABIT_VENUES]
                shift = sp.ProposedShift(venue.area, rng.randrange(7), rng.choice((18, 19, 20, 21, 22)), world.hours, venues, 0.0, ())
            history.shifts.append((week, shift))
            for venue in world.venues:
                if venue.area != shift.area:
                    continue
                share = PLANNED_SHARE if venue.pk in shift.venues else OTHER_SHARE
                for i in range(shift.hours):
                    hour = shift.hour_of_week + i
                    p, m = world.intensity(week, venue.pk, hour)
                    minors = _poisson(rng, share * m)
                    adults = _poisson(rng, share * max(p - m, 0.0))
                    for k in range(minors + adults):
                        history.found.append((week, sp.Found(venue.area, venue.pk, hour, 0.0, minor=k < minors)))
    return history


def facts_before(world: World, history: History, week: int) -> sp.Facts:
    """What the planner knows on the Monday of ``week``: every event before it, aged in days."""

    def aged(w: int, days_into_week: float) -> float:
        return (week - w) * 7.0 - days_into_week

    found = tuple(
        sp.Found(f.area, f.venue, f.hour, aged(w, f.hour / 24), f.minor) for w, f in history.found if w < week and week - w <= 26
    )
    effort = tuple(
        sp.Effort(s.area, s.hour_of_week, s.hours, aged(w, s.hour_of_week / 24)) for w, s in history.shifts if w < week and week - w <= 26
    )
    tips = tuple(
        sp.TipFact(t.area, t.venue, aged(w, 7.0 - t.age_days), t.weight, t.hour) for w, t in history.tips if w < week and week - w <= 13
    )
    visits = tuple(
        sp.VisitFact(v, aged(w, s.hour_of_week / 24)) for w, s in history.shifts if w < week and week - w <= 26 for v in s.venues
    )
    areas = tuple(sorted({v.area for v in world.venues}))
    return sp.Facts(areas, tuple(world.venues), found, effort, tips, (), visits)


def naive(world: World, history: History, week: int) -> list[sp.ProposedShift]:
    """Last month's slots: the most used of the four weeks before, with the venues those shifts visited."""
    last_month = [(s.area, s.day, s.start_hour) for w, s in history.shifts if week - 4 <= w < week]
    slots = sp.naive_plan(last_month, sp.Settings(shifts=world.shifts, hours=world.hours))
    venues: dict[tuple[str, int, int], tuple[int, ...]] = {}
    for w, s in history.shifts:
        if week - 4 <= w < week:
            venues[(s.area, s.day, s.start_hour)] = s.venues
    return [
        sp.ProposedShift(s.area, s.day, s.start_hour, s.hours, venues[(s.area, s.day, s.start_hour)], s.score, ()) for s in slots
    ]


@dataclass(frozen=True)
class WeekResult:
    week: int
    moved: bool  # a hot spot moved this week
    proposal: tuple[float, float]  # persons, minors per shift hour
    naive: tuple[float, float]


def evaluate(world: World) -> list[WeekResult]:
    history = simulate(world)
    results = []
    settings = sp.Settings(shifts=world.shifts, hours=world.hours)
    for week in range(world.weeks - world.held_out, world.weeks):
        plans = {
            "proposal": sp.propose(facts_before(world, history, week), settings),
            "naive": naive(world, history, week),
        }
        rates = {}
        for name, plan in plans.items():
            hours = sum(s.hours for s in plan) or 1
            totals = [world.expected(week, s) for s in plan]
            rates[name] = (sum(p for p, _m in totals) / hours, sum(m for _p, m in totals) / hours)
        results.append(WeekResult(week, week % world.move_every == 0, rates["proposal"], rates["naive"]))
    return results


def summary(results: list[WeekResult]) -> dict[str, float]:
    def mean(values: list[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    out = {
        "proposal_persons": mean([r.proposal[0] for r in results]),
        "proposal_minors": mean([r.proposal[1] for r in results]),
        "naive_persons": mean([r.naive[0] for r in results]),
        "naive_minors": mean([r.naive[1] for r in results]),
        "weeks": len(results),
        "weeks_won_persons": sum(r.proposal[0] > r.naive[0] for r in results),
        "weeks_won_minors": sum(r.proposal[1] > r.naive[1] for r in results),
    }
    counts = Counter(r.moved for r in results if r.proposal[0] <= r.naive[0])
    out["lost_in_move_weeks"] = counts[True]
    out["lost_other_weeks"] = counts[False]
    return out
