"""Child-concern deadlines are dated reference data: a report keeps those in force when it came in."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from samverkan.legal.models import ConcernDeadline, concern_deadlines_on
from samverkan.legal.reference import CONCERN_DEADLINES, seed_concern_deadlines

pytestmark = pytest.mark.django_db
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def test_each_step_has_one_deadline_on_any_day_either_side_of_the_new_act() -> None:
    seed_concern_deadlines()
    for day in (
        dt.date(2021, 3, 1),
        dt.date(2025, 6, 30),
        dt.date(2025, 7, 1),
        dt.date(2030, 1, 1),
    ):
        rules = concern_deadlines_on(day)
        assert set(rules) == {"protection", "decision", "investigation"}
    assert concern_deadlines_on(dt.date(2025, 6, 30))["decision"].provision.startswith(
        "SoL (2001:453) 11 kap."
    )
    assert concern_deadlines_on(dt.date(2025, 7, 1))["decision"].provision.startswith(
        "SoL (2025:400) "
    )


def test_the_durations_and_their_counting() -> None:
    seed_concern_deadlines()
    rules = concern_deadlines_on(dt.date(2026, 3, 2))
    came_in = dt.datetime(2026, 3, 2, 10, 0, tzinfo=STOCKHOLM)
    assert rules["protection"].due(came_in) == came_in + dt.timedelta(days=1)
    assert rules["decision"].due(came_in) == came_in + dt.timedelta(days=14)
    # Four calendar months in Swedish time, across the change to summer time.
    assert rules["investigation"].due(came_in) == dt.datetime(2026, 7, 2, 10, 0, tzinfo=STOCKHOLM)


def test_seeding_is_idempotent() -> None:
    seed_concern_deadlines()
    seed_concern_deadlines()
    assert ConcernDeadline.objects.count() == len(CONCERN_DEADLINES)
