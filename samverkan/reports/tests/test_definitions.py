"""Each statistics definition pinned on small hand-built cases (DESIGN.md §5)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from samverkan.accounts.models import Area, Collaboration, User
from samverkan.investigations.actions import do_add_suspect, do_create_crime_report
from samverkan.legal.models import Offence
from samverkan.operations import actions as ops
from samverkan.operations.models import Encounter, Shift
from samverkan.reports.definitions import Filter, Followed, Tally, _grouping_set, _tally, results
from samverkan.support.actions import (
    do_create_client,
    do_link_encounter,
    do_record_support_action,
    do_refer,
)
from samverkan.support.models import SupportUnit

pytestmark = pytest.mark.django_db


def at(year: int, month: int, day: int, hour: int = 20) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def setting(personas: dict[str, User]) -> dict[str, Any]:
    collaboration = Collaboration.objects.get(code="stockholm")
    venue, _ = ops.do_find_or_create_venue(collaboration=collaboration, kind="street", name="Gatan", acting_user=personas["polis.inre"])
    return {"c": collaboration, "venue": venue, "officer": personas["polis.inre"], "worker": personas["soc.handlaggare"]}


def shift_on(s: dict[str, Any], when: dt.datetime, *, complete: bool = True) -> Shift:
    shift = ops.do_create_shift(
        collaboration=s["c"], area=Area.objects.get(code="lpo-farsta"), starts_at=when, ends_at=when + dt.timedelta(hours=5),
        basis="outreach", participants=[s["officer"], s["worker"]], planned_venues=[s["venue"]], acting_user=s["officer"],
    )
    ops.do_start_shift(shift, acting_user=s["officer"])
    return shift


def meet(s: dict[str, Any], shift: Shift, role: str, band: str, when: dt.datetime) -> Encounter:
    encounter, _ = ops.do_record_encounter(shift, role=role, age_band=band, venue=s["venue"], occurred_at=when, acting_user=s["worker"])
    return encounter


def complete(s: dict[str, Any], shift: Shift) -> None:
    ops.do_complete_shift(shift, acting_user=s["officer"])


def test_only_completed_shifts_count_and_by_start_date(setting: dict[str, Any]) -> None:
    done = shift_on(setting, at(2021, 12, 31, 22))  # ends in 2022, counts in 2021
    complete(setting, done)
    shift_on(setting, at(2021, 6, 1))  # ongoing: not counted
    assert results(Filter.year(2021)).joint_shifts == 1
    assert results(Filter.year(2022)).joint_shifts == 0


def test_a_person_met_twice_counts_once(setting: dict[str, Any]) -> None:
    shift = shift_on(setting, at(2021, 3, 1))
    first = meet(setting, shift, "exploited", "adult", at(2021, 3, 1, 21))
    second = meet(setting, shift, "exploited", "adult", at(2021, 3, 1, 23))
    client, _ = do_create_client(pseudonym="Vinter", acting_user=setting["worker"])
    do_link_encounter(client, encounter=first, acting_user=setting["worker"])
    do_link_encounter(client, encounter=second, acting_user=setting["worker"])
    meet(setting, shift, "exploited", "adult", at(2021, 3, 1, 22))  # nobody linked: a person of its own
    assert results(Filter.year(2021)).adults == Followed(persons=2, followed_up=0)
    do_record_support_action(client, kind="informed", happened_on=dt.date(2021, 3, 1), encounter=first, acting_user=setting["worker"])
    assert results(Filter.year(2021)).adults == Followed(persons=2, followed_up=1)


def test_uncertain_age_counts_as_a_minor_and_needs_a_referral(setting: dict[str, Any]) -> None:
    shift = shift_on(setting, at(2021, 4, 1))
    encounter = meet(setting, shift, "exploited", "uncertain", at(2021, 4, 1, 21))
    figures = results(Filter.year(2021))
    assert figures.minors == Followed(persons=1, followed_up=0)
    assert figures.adults.persons == 0
    client, _ = do_create_client(pseudonym="Lärka", stated_age=16, acting_user=setting["worker"])
    do_link_encounter(client, encounter=encounter, acting_user=setting["worker"])
    unit = SupportUnit.objects.get(code="sthlm-ungdomsjouren")
    do_refer(client, unit=unit, sent_on=dt.date(2021, 4, 2), acting_user=setting["worker"])
    assert results(Filter.year(2021)).minors == Followed(persons=1, followed_up=1)


def test_a_referral_before_the_encounter_does_not_count(setting: dict[str, Any]) -> None:
    shift = shift_on(setting, at(2021, 9, 1))
    encounter = meet(setting, shift, "exploited", "under_18", at(2021, 9, 1, 21))
    client, _ = do_create_client(pseudonym="Sol", stated_age=15, acting_user=setting["worker"])
    do_refer(client, unit=SupportUnit.objects.get(code="sthlm-ungdomsjouren"), sent_on=dt.date(2021, 8, 1), acting_user=setting["worker"])
    do_link_encounter(client, encounter=encounter, acting_user=setting["worker"])
    assert results(Filter.year(2021)).minors == Followed(persons=1, followed_up=0)


def test_buyers_count_attempts_and_the_31st_of_december(setting: dict[str, Any]) -> None:
    officer = setting["officer"]
    complete_offence = Offence.objects.get(key="brb-6-11")
    attempt = Offence.objects.get(key="brb-6-11-forsok")
    procuring = Offence.objects.get(key="brb-6-12")
    cases = [
        ("K100001-21", complete_offence, at(2021, 5, 5), "Testperson A", dt.date(1980, 1, 1)),
        ("K100002-21", attempt, at(2021, 12, 31, 23), "Testperson B", dt.date(1975, 2, 2)),
        ("K100003-21", complete_offence, at(2021, 7, 7), "Testperson A", dt.date(1980, 1, 1)),  # the same person again
        ("K100004-21", procuring, at(2021, 8, 8), "Testperson C", dt.date(1970, 3, 3)),  # not a purchase
        ("K100005-22", complete_offence, at(2022, 1, 1, 0), "Testperson D", dt.date(1990, 4, 4)),  # next year
        ("K100006-21", complete_offence, at(2021, 10, 10), "Testperson E", dt.date(2004, 12, 1)),  # 16 at the offence
    ]
    for number, offence, when, name, born in cases:
        report = do_create_crime_report(collaboration=setting["c"], case_number=number, offence=offence, committed_at=when, acting_user=officer)
        do_add_suspect(report, name=name, birth_date=born, role="buyer", acting_user=officer)
    figures = results(Filter.year(2021))
    assert figures.buyers == 3  # A (twice), B (an attempt on 31 December), E
    assert figures.minor_buyers == Followed(persons=1, followed_up=1)  # E, with a child-concern report
    assert results(Filter.year(2022)).buyers == 1


def test_period_filters_by_area(setting: dict[str, Any]) -> None:
    shift = shift_on(setting, at(2021, 2, 2))
    meet(setting, shift, "exploited", "adult", at(2021, 2, 2, 21))
    farsta = Area.objects.get(code="lpo-farsta").pk
    globen = Area.objects.get(code="lpo-globen").pk
    assert results(Filter.year(2021, area_ids=frozenset({farsta}))).adults.persons == 1
    assert results(Filter.year(2021, area_ids=frozenset({globen}))).adults.persons == 0


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        # Every dimension at once: each cell counts in every breakdown and in the totals.
        (
            [("a", "x", 2, 1), ("b", "x", 1, 0)],
            Tally(3, 1, {"area": {"a": 2, "b": 1}, "kind": {"x": 3}}),
        ),
        # Grouping sets (PostgreSQL): a row counts in its own dimension only, the totals
        # come from the first dimension's rows.
        (
            [("a", None, 2, 1, 0), ("b", None, 1, 0, 0), (None, "x", 3, 1, 1)],
            Tally(3, 1, {"area": {"a": 2, "b": 1}, "kind": {"x": 3}}),
        ),
    ],
)
def test_cells_sum_into_totals_and_breakdowns(cells: list[tuple[Any, ...]], expected: Tally) -> None:
    assert _tally(cells, ("area", "kind")) == expected


def test_grouping_bits_name_the_dimension_grouped_by() -> None:
    # GROUPING(area, kind, basis, month): a 1 for each column not grouped by, area's the highest.
    assert [_grouping_set(bits, 4) for bits in (0b0111, 0b1011, 0b1101, 0b1110, None)] == [0, 1, 2, 3, None]


persons = st.lists(
    st.tuples(
        st.sampled_from([1, 2, None]), st.sampled_from(["street", "hotel"]), st.sampled_from(["a", "b"]),
        st.integers(1, 12), st.booleans(),
    ),
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(persons=persons)
def test_grouping_sets_and_every_combination_give_the_same_tally(persons: list[tuple[Any, ...]]) -> None:
    """The two shapes the person query returns (PostgreSQL, elsewhere) sum to the same tally."""
    dimensions = ("area", "venue_kind", "basis", "month")
    combinations: Counter[tuple[Any, ...]] = Counter()
    followed: Counter[tuple[Any, ...]] = Counter()
    for *cell, was_followed in persons:
        combinations[tuple(cell)] += 1
        followed[tuple(cell)] += was_followed
    every = [(*cell, n, followed[cell]) for cell, n in combinations.items()]
    # GROUPING SETS ((area), (venue_kind), (basis), (month)) as the database returns them.
    sets = []
    for index in range(len(dimensions)):
        grouped: Counter[Any] = Counter()
        grouped_followed: Counter[Any] = Counter()
        for *cell, was_followed in persons:
            grouped[cell[index]] += 1
            grouped_followed[cell[index]] += was_followed
        bits = (1 << len(dimensions)) - 1 - (1 << (len(dimensions) - 1 - index))
        for value, n in grouped.items():
            row: list[Any] = [None] * len(dimensions)
            row[index] = value
            sets.append((*row, n, grouped_followed[value], _grouping_set(bits, len(dimensions))))
    expected = _tally(every, dimensions)
    assert _tally(sets, dimensions) == expected
    assert expected.total == len(persons)
    assert expected.followed_up == sum(p[-1] for p in persons)
    assert all(sum(cells.values()) == len(persons) for cells in expected.by.values())
