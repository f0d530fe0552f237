"""The generated weeks with moving hot spots, and the proposal against last month's slots on them."""

from __future__ import annotations

from samverkan.demo import hotspots


def test_hot_spots_move_and_the_proposal_beats_the_naive_plan() -> None:
    world = hotspots.World(seed=16, weeks=24, held_out=6, move_every=6)
    assert world.spots[5] == world.spots[0] and world.spots[6] != world.spots[5]
    results = hotspots.evaluate(world)
    assert len(results) == 6
    s = hotspots.summary(results)
    assert s["proposal_persons"] > s["naive_persons"] and s["proposal_minors"] > s["naive_minors"]
    # The same seed gives the same figures.
    assert hotspots.evaluate(hotspots.World(seed=16, weeks=24, held_out=6, move_every=6)) == results
