"""A proposed plan of shifts for a week: when and where, with the reasons line by line.

Plain data in, plain data out, no Django (``planning.plan`` gathers the facts a user
may see; ``demo.hotspots`` evaluates the proposals offline on generated data).

The facts are events with their hour of the week (Monday 00–01 is 0, Sunday 23–24
is 167) and their age in days before the planned week:

- ``Found``: a person found in prostitution on a shift, at a venue in an area
  (``minor`` by the best established age; an uncertain age counts as a minor);
- ``Effort``: a shift worked in an area, from an hour of the week for some hours
  (what the finds are divided by: the yield per shift hour);
- ``TipFact``: a tip about a venue or an area, with its weight (urgency and
  relevance) and, where known, the hour of the week it speaks of;
- ``NetworkFact``: the items of active networks that place them at a venue;
- ``VisitFact``: a venue visited on a shift (a visit or an encounter there).

Every figure fades with age (half-lives below): the picture follows hot spots
that move. Minors weigh most (``MINOR_WEIGHT``).

An area's hours are scored by their yield per shift hour, shrunk towards the
same hour's yield in all areas where few shifts were worked there, plus the tips about those hours; a
venue by its tips, its network activity, its past yield per visit and the time
since its last visit. A proposed shift is the best (area, day, start) by the sum of
the hours of its window and the best venues of its area not yet given to another
shift; it is taken greedily, one shift at a time, with a deterministic tie-break
(area, day, hour), so the same facts always give the same plan.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

HOURS_OF_WEEK = 168
MINOR_WEIGHT = 3.0  # a minor found counts three times a person found
FIND_HALF_LIFE = 42.0  # days
TIP_HALF_LIFE = 21.0
TIP_WEIGHT = 1.5  # a tip of weight 1 about a venue, today, weighs as much as 1.5 persons found
TIP_HOUR_WEIGHT = 0.5  # a tip about an hour of the week, per hour of the window
NETWORK_WEIGHT = 1.0  # per log(1 + items)
STALE_WEIGHT = 1.0  # at STALE_DAYS or more since the last visit
STALE_DAYS = 60
SHRINK_HOURS = 4.0  # shift hours of the area's mean yield added to every hour (smoothing)
VENUE_SHARE = 1.0  # how much the venues of the area weigh against its hours
NETWORK_DAYS = 90


def fade(age_days: float, half_life: float) -> float:
    return float(0.5 ** (max(age_days, 0.0) / half_life))


@dataclass(frozen=True)
class Found:
    area: str
    venue: int | None
    hour: int
    age_days: float
    minor: bool = False


@dataclass(frozen=True)
class Effort:
    area: str
    hour: int
    hours: int
    age_days: float


@dataclass(frozen=True)
class TipFact:
    area: str | None
    venue: int | None
    age_days: float
    weight: float = 1.0
    hour: int | None = None


@dataclass(frozen=True)
class NetworkFact:
    venue: int
    network: str
    items: int


@dataclass(frozen=True)
class VisitFact:
    venue: int
    age_days: float


@dataclass(frozen=True)
class VenueInfo:
    pk: int
    name: str
    area: str


@dataclass(frozen=True)
class Facts:
    areas: tuple[str, ...]
    venues: tuple[VenueInfo, ...] = ()
    found: tuple[Found, ...] = ()
    effort: tuple[Effort, ...] = ()
    tips: tuple[TipFact, ...] = ()
    networks: tuple[NetworkFact, ...] = ()
    visits: tuple[VisitFact, ...] = ()


@dataclass(frozen=True)
class Reason:
    """One line of why: a code the page words, its figures, and what it added to the score."""

    code: str  # "hours", "tips", "network", "yield", "since", "never"
    figures: tuple[tuple[str, float | int | str], ...]
    points: float
    venue: int | None = None

    def figure(self, name: str) -> float | int | str | None:
        return dict(self.figures).get(name)


@dataclass(frozen=True)
class ProposedShift:
    area: str
    day: int  # 0 = Monday of the week
    start_hour: int
    hours: int
    venues: tuple[int, ...]
    score: float
    reasons: tuple[Reason, ...]

    @property
    def hour_of_week(self) -> int:
        return self.day * 24 + self.start_hour


@dataclass(frozen=True)
class Settings:
    shifts: int
    hours: int = 4
    venues_per_shift: int = 3
    # The hours a shift may start; by default every hour from 08 to 23.
    start_hours: tuple[int, ...] = tuple(range(8, 24))
    max_per_area: int = 0  # 0: no limit


@dataclass
class _VenueScore:
    pk: int
    area: str
    name: str
    points: float = 0.0
    reasons: list[Reason] = field(default_factory=list)


def _window(hour: int, hours: int) -> list[int]:
    return [(hour + i) % HOURS_OF_WEEK for i in range(hours)]


def venue_scores(facts: Facts) -> dict[int, _VenueScore]:
    """Each venue's points and reasons: tips, network activity, past yield per visit, time since the last visit."""
    scores = {v.pk: _VenueScore(v.pk, v.area, v.name) for v in facts.venues}
    tips: dict[int, list[TipFact]] = defaultdict(list)
    for tip in facts.tips:
        if tip.venue in scores:
            tips[tip.venue].append(tip)
    items: dict[int, int] = defaultdict(int)
    networks: dict[int, set[str]] = defaultdict(set)
    for net in facts.networks:
        if net.venue in scores:
            items[net.venue] += net.items
            networks[net.venue].add(net.network)
    found: dict[int, list[Found]] = defaultdict(list)
    for f in facts.found:
        if f.venue in scores:
            found[f.venue].append(f)
    visits: dict[int, list[float]] = defaultdict(list)
    for visit in facts.visits:
        if visit.venue in scores:
            visits[visit.venue].append(visit.age_days)
    for pk in sorted(scores):
        score = scores[pk]
        minors = [f for f in found[pk] if f.minor]
        if found[pk]:
            weighted = sum(fade(f.age_days, FIND_HALF_LIFE) * (MINOR_WEIGHT if f.minor else 1.0) for f in found[pk])
            effort = sum(fade(age, FIND_HALF_LIFE) for age in visits[pk]) or 1.0
            points = weighted / (effort + 1.0)
            score.reasons.append(Reason("yield", (("persons", len(found[pk])), ("minors", len(minors)), ("visits", len(visits[pk]))), points, pk))
        if tips[pk]:
            points = TIP_WEIGHT * sum(t.weight * fade(t.age_days, TIP_HALF_LIFE) for t in tips[pk])
            newest = min(t.age_days for t in tips[pk])
            score.reasons.append(Reason("tips", (("tips", len(tips[pk])), ("newest_days", int(newest))), points, pk))
        if items[pk]:
            points = NETWORK_WEIGHT * math.log1p(items[pk])
            score.reasons.append(Reason("network", (("items", items[pk]), ("networks", len(networks[pk]))), points, pk))
        signal = bool(found[pk] or tips[pk] or items[pk])
        if visits[pk]:
            since = min(visits[pk])
            points = STALE_WEIGHT * min(since, STALE_DAYS) / STALE_DAYS if signal else 0.0
            if points > 0:
                score.reasons.append(Reason("since", (("days", int(since)),), points, pk))
        elif signal:
            score.reasons.append(Reason("never", (), STALE_WEIGHT, pk))
        score.reasons.sort(key=lambda r: (-r.points, r.code))
        score.points = sum(r.points for r in score.reasons)
    return scores


@dataclass(frozen=True)
class _Hours:
    rate: tuple[float, ...]  # weighted finds per shift hour, shrunk
    tips: tuple[float, ...]
    found: tuple[int, ...]
    minors: tuple[int, ...]
    tip_count: tuple[int, ...]
    shift_hours: tuple[float, ...]


def hour_profiles(facts: Facts) -> dict[str, _Hours]:
    """Per area and hour of the week: the yield per shift hour (shrunk to the hour's yield in all areas) and the tips."""
    finds = {a: [0.0] * HOURS_OF_WEEK for a in facts.areas}
    effort = {a: [0.0] * HOURS_OF_WEEK for a in facts.areas}
    raw_effort = {a: [0.0] * HOURS_OF_WEEK for a in facts.areas}
    tips = {a: [0.0] * HOURS_OF_WEEK for a in facts.areas}
    found_n = {a: [0] * HOURS_OF_WEEK for a in facts.areas}
    minors_n = {a: [0] * HOURS_OF_WEEK for a in facts.areas}
    tips_n = {a: [0] * HOURS_OF_WEEK for a in facts.areas}
    for f in facts.found:
        if f.area in finds:
            finds[f.area][f.hour % HOURS_OF_WEEK] += fade(f.age_days, FIND_HALF_LIFE) * (MINOR_WEIGHT if f.minor else 1.0)
            found_n[f.area][f.hour % HOURS_OF_WEEK] += 1
            minors_n[f.area][f.hour % HOURS_OF_WEEK] += int(f.minor)
    for e in facts.effort:
        if e.area in effort:
            for h in _window(e.hour, e.hours):
                effort[e.area][h] += fade(e.age_days, FIND_HALF_LIFE)
                raw_effort[e.area][h] += 1
    for t in facts.tips:
        if t.area in tips and t.hour is not None:
            tips[t.area][t.hour % HOURS_OF_WEEK] += t.weight * fade(t.age_days, TIP_HALF_LIFE)
            tips_n[t.area][t.hour % HOURS_OF_WEEK] += 1
    total_finds = sum(sum(v) for v in finds.values())
    total_effort = sum(sum(v) for v in effort.values())
    overall = total_finds / total_effort if total_effort else 0.0
    # Where an area's hour has few shift hours, its yield leans on that hour's yield in all areas,
    # which leans on the overall yield where few shifts were worked at that hour anywhere.
    prior = [
        (sum(finds[a][h] for a in facts.areas) + SHRINK_HOURS * overall) / (sum(effort[a][h] for a in facts.areas) + SHRINK_HOURS)
        for h in range(HOURS_OF_WEEK)
    ]
    profiles = {}
    for a in facts.areas:
        rate = tuple((finds[a][h] + SHRINK_HOURS * prior[h]) / (effort[a][h] + SHRINK_HOURS) for h in range(HOURS_OF_WEEK))
        profiles[a] = _Hours(rate, tuple(tips[a]), tuple(found_n[a]), tuple(minors_n[a]), tuple(tips_n[a]), tuple(raw_effort[a]))
    return profiles


def propose(facts: Facts, settings: Settings) -> list[ProposedShift]:
    """The proposed shifts, best first, then ordered by time. Deterministic for the same facts."""
    if settings.shifts <= 0 or not facts.areas:
        return []
    venues = venue_scores(facts)
    profiles = hour_profiles(facts)
    by_area: dict[str, list[_VenueScore]] = defaultdict(list)
    for venue in venues.values():
        if venue.points > 0:
            by_area[venue.area].append(venue)
    for area in by_area:
        by_area[area].sort(key=lambda s: (-s.points, s.name, s.pk))
    taken_venues: set[int] = set()
    taken: list[tuple[str, int, int]] = []  # (area, first hour of week, hours)
    per_area: dict[str, int] = defaultdict(int)
    chosen: list[ProposedShift] = []
    # The hours' value of every window, once.
    windows: dict[tuple[str, int, int], tuple[float, float]] = {}
    # Areas of which nothing is known (no finds, shifts, tips or venue with points) are proposed
    # only when nothing is known of any area: a plan is made from what is known.
    known = {f.area for f in facts.found} | {e.area for e in facts.effort} | {t.area for t in facts.tips if t.area} | set(by_area)
    candidates = sorted(a for a in facts.areas if a in known) or sorted(facts.areas)
    for area in candidates:
        p = profiles[area]
        for day in range(7):
            for start in settings.start_hours:
                hours = _window(day * 24 + start, settings.hours)
                windows[(area, day, start)] = (sum(p.rate[h] for h in hours), TIP_HOUR_WEIGHT * sum(p.tips[h] for h in hours))
    for _ in range(settings.shifts):
        best: tuple[float, str, int, int] | None = None
        for (area, day, start), (rate, tip_points) in windows.items():
            if settings.max_per_area and per_area[area] >= settings.max_per_area:
                continue
            if any(a == area and d == day for a, d, _s in taken):
                continue
            free = [v for v in by_area.get(area, []) if v.pk not in taken_venues][: settings.venues_per_shift]
            score = rate + tip_points + VENUE_SHARE * sum(v.points for v in free)
            # Windows are visited by area, day and hour: on a tie the first stays (deterministic).
            if best is None or round(score, 9) > best[0]:
                best = (round(score, 9), area, day, start)
        if best is None:
            break
        score, area, day, start = best
        free = [v for v in by_area.get(area, []) if v.pk not in taken_venues][: settings.venues_per_shift]
        taken_venues.update(v.pk for v in free)
        taken.append((area, day, start))
        per_area[area] += 1
        p = profiles[area]
        hours = _window(day * 24 + start, settings.hours)
        rate, tip_points = windows[(area, day, start)]
        reasons = [Reason("hours", (
            ("found", sum(p.found[h] for h in hours)), ("minors", sum(p.minors[h] for h in hours)),
            ("shift_hours", round(sum(p.shift_hours[h] for h in hours), 1)), ("tips", sum(p.tip_count[h] for h in hours)),
        ), rate + tip_points)]
        for v in free:
            reasons += v.reasons
        chosen.append(ProposedShift(area, day, start, settings.hours, tuple(v.pk for v in free), score, tuple(reasons)))
    return sorted(chosen, key=lambda s: (s.day, s.start_hour, s.area))


def naive_plan(last_month: Iterable[tuple[str, int, int]], settings: Settings) -> list[ProposedShift]:
    """Last month's slots again: the most used (area, day, start) of the given shifts, most used first."""
    counts: dict[tuple[str, int, int], int] = defaultdict(int)
    for slot in last_month:
        counts[slot] += 1
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [ProposedShift(a, d, s, settings.hours, (), float(n), ()) for (a, d, s), n in ordered[: settings.shifts]]


def explain(shift: ProposedShift) -> Sequence[str]:
    """The reasons as plain English lines (offline evaluation and logs; the page words them in the user's language)."""
    lines = []
    for r in shift.reasons:
        figures = ", ".join(f"{k}={v}" for k, v in r.figures)
        lines.append(f"{r.code}{f' venue {r.venue}' if r.venue else ''}: {figures} (+{r.points:.2f})")
    return lines
