"""The proposed plan's scoring: deterministic, explained line by line, minors weigh most."""

from __future__ import annotations

import random

from samverkan.lib import shiftplan as sp


def _facts(seed: int = 0, shuffle: bool = False) -> sp.Facts:
    venues = (sp.VenueInfo(1, "Hotell A", "north"), sp.VenueInfo(2, "Hotell B", "south"), sp.VenueInfo(3, "Gatan", "south"))
    found = [
        sp.Found("north", 1, 5 * 24 + 22, 10.0), sp.Found("north", 1, 5 * 24 + 22, 17.0),
        sp.Found("south", 2, 2 * 24 + 20, 10.0, minor=True),
    ]
    effort = [sp.Effort("north", 5 * 24 + 20, 4, 10.0), sp.Effort("north", 5 * 24 + 20, 4, 17.0), sp.Effort("south", 2 * 24 + 18, 4, 10.0)]
    tips = [sp.TipFact("south", 3, 2.0, 2.0, 4 * 24 + 21), sp.TipFact("north", None, 30.0)]
    networks = [sp.NetworkFact(1, "N1", 12)]
    visits = [sp.VisitFact(1, 10.0), sp.VisitFact(1, 17.0), sp.VisitFact(2, 10.0)]
    if shuffle:
        rng = random.Random(seed)
        for seq in (found, effort, tips, visits):
            rng.shuffle(seq)
    return sp.Facts(("north", "south", "west"), venues, tuple(found), tuple(effort), tuple(tips), tuple(networks), tuple(visits))


def test_the_same_facts_give_the_same_plan_whatever_their_order() -> None:
    settings = sp.Settings(shifts=3)
    plan = sp.propose(_facts(), settings)
    assert len(plan) == 3
    for seed in range(5):
        assert sp.propose(_facts(seed, shuffle=True), settings) == plan


def test_every_shift_says_why_line_by_line() -> None:
    plan = sp.propose(_facts(), sp.Settings(shifts=2))
    for shift in plan:
        assert shift.reasons[0].code == "hours"
        assert round(sum(r.points for r in shift.reasons), 6) == round(shift.score, 6) or shift.venues
        assert all(r.venue in shift.venues for r in shift.reasons[1:])
    south = next(s for s in plan if s.area == "south")
    codes = {(r.venue, r.code) for r in south.reasons}
    assert (3, "tips") in codes and (3, "never") in codes and (2, "yield") in codes
    north = next(s for s in plan if s.area == "north")
    assert (1, "network") in {(r.venue, r.code) for r in north.reasons}
    assert all(sp.explain(s) for s in plan)
    # No venue is given to two shifts.
    given = [v for s in plan for v in s.venues]
    assert len(given) == len(set(given))


def test_a_minor_found_weighs_more_than_a_person() -> None:
    base = sp.Facts(("a", "b"), (sp.VenueInfo(1, "A", "a"), sp.VenueInfo(2, "B", "b")), effort=(
        sp.Effort("a", 20, 4, 5.0), sp.Effort("b", 20, 4, 5.0),
    ))
    facts = sp.Facts(base.areas, base.venues, found=(
        sp.Found("a", 1, 21, 5.0), sp.Found("a", 1, 21, 5.0), sp.Found("b", 2, 21, 5.0, minor=True),
    ), effort=base.effort, visits=(sp.VisitFact(1, 5.0), sp.VisitFact(2, 5.0)))
    first = sp.propose(facts, sp.Settings(shifts=1))[0]
    assert first.area == "b"


def test_recent_tips_move_the_plan() -> None:
    facts = _facts()
    moved = sp.Facts(facts.areas, (*facts.venues, sp.VenueInfo(4, "Ny plats", "west")), facts.found, facts.effort,
                     (*facts.tips, *[sp.TipFact("west", 4, 1.0, 2.0, 3 * 24 + 22) for _ in range(4)]), facts.networks, facts.visits)
    first = max(sp.propose(moved, sp.Settings(shifts=1)), key=lambda s: s.score)
    assert first.area == "west" and first.day == 3 and first.start_hour <= 22 < first.start_hour + first.hours


def test_the_naive_plan_repeats_last_months_slots() -> None:
    plan = sp.naive_plan([("a", 4, 20), ("a", 4, 20), ("b", 5, 21)], sp.Settings(shifts=1))
    assert [(s.area, s.day, s.start_hour) for s in plan] == [("a", 4, 20)]


def test_an_area_of_which_nothing_is_known_is_not_proposed() -> None:
    plan = sp.propose(_facts(), sp.Settings(shifts=5))
    assert "west" not in {s.area for s in plan}
    assert sp.propose(sp.Facts(("x", "y")), sp.Settings(shifts=1))[0].area == "x"
