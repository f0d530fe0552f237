"""Each statistics definition pinned on small hand-built cases (DESIGN.md §5).

Every case is counted both ways: straight from the declarations
(``definitions.count``, ``breakdown``, ``units``) and by the three-query report
(``tally.report``); ``counted`` checks that the two agree before it answers.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from samverkan.accounts.models import Area, Collaboration, User
from samverkan.accounts.policy import RecordType
from samverkan.investigations.actions import do_add_suspect, do_create_crime_report
from samverkan.legal.models import Offence
from samverkan.operations import actions as ops
from samverkan.operations.models import ChildConcernReport, Encounter, OperationKind, Shift
from samverkan.reports.definitions import (
    FIGURES,
    SOURCES,
    Dimension,
    Figure,
    Filter,
    Note,
    Unit,
    breakdown,
    count,
    headlines,
    noted,
    noted_units,
    records_needed,
    units,
    units_by,
)
from samverkan.reports.tally import Tally, _grouping_set, _tally, report
from samverkan.support.actions import (
    do_add_identifier,
    do_create_client,
    do_link_encounter,
    do_mark_unidentified,
    do_record_age_assessment,
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


def shift_on(s: dict[str, Any], when: dt.datetime, *, complete: bool = True, operation: Any = None) -> Shift:
    shift = ops.do_create_shift(
        collaboration=s["c"], area=Area.objects.get(code="lpo-farsta"), starts_at=when, ends_at=when + dt.timedelta(hours=5),
        basis="outreach", participants=[s["officer"], s["worker"]], planned_venues=[s["venue"]], acting_user=s["officer"],
        **({"operation": operation} if operation is not None else {}),
    )
    # Started, and its field staff checked in, when it began.
    with time_machine.travel(when, tick=False):
        ops.do_start_shift(shift, acting_user=s["officer"])
        for user in (s["officer"], s["worker"]):
            ops.do_check_in(shift, acting_user=user)
    return shift


def meet(s: dict[str, Any], shift: Shift, role: str, band: str, when: dt.datetime) -> Encounter:
    encounter, _ = ops.do_record_encounter(shift, role=role, age_band=band, venue=s["venue"], occurred_at=when, acting_user=s["worker"])
    return encounter


def complete(s: dict[str, Any], shift: Shift) -> None:
    ops.do_complete_shift(shift, acting_user=s["officer"])


def counted(f: Filter, *figures: Figure) -> tuple[int, ...]:
    """The figures asked for, once both ways of counting agree on every figure and breakdown."""
    fast = report(f)
    assert fast.totals == {figure: count(figure, f) for figure in Figure}
    for figure, declaration in FIGURES.items():
        names = units(figure, f)
        assert len(names) == len(set(names)) == fast.totals[figure]
        assert fast.notes.get(figure, {}) == {note: noted(figure, note, f) for note in declaration.notes}
        for note in declaration.notes:
            assert set(noted_units(figure, note, f)) <= set(names)
        for dimension in declaration.dimensions:
            assert fast.by[figure][dimension] == breakdown(figure, f, dimension)
            cells = units_by(figure, f, dimension)
            assert sorted(name for cell in cells.values() for name in cell) == sorted(names)
    return tuple(fast.totals[figure] for figure in figures)


def test_only_completed_shifts_count_and_by_start_date(setting: dict[str, Any]) -> None:
    done = shift_on(setting, at(2021, 12, 31, 22))  # ends in 2022, counts in 2021
    complete(setting, done)
    shift_on(setting, at(2021, 6, 1))  # ongoing: not counted
    assert counted(Filter.year(2021), Figure.JOINT_SHIFTS) == (1,)
    assert counted(Filter.year(2022), Figure.JOINT_SHIFTS) == (0,)


def test_a_person_met_twice_counts_once(setting: dict[str, Any]) -> None:
    shift = shift_on(setting, at(2021, 3, 1))
    first = meet(setting, shift, "exploited", "adult", at(2021, 3, 1, 21))
    second = meet(setting, shift, "exploited", "adult", at(2021, 3, 1, 23))
    client, _ = do_create_client(pseudonym="Vinter", acting_user=setting["worker"])
    do_link_encounter(client, encounter=first, acting_user=setting["worker"])
    do_link_encounter(client, encounter=second, acting_user=setting["worker"])
    meet(setting, shift, "exploited", "adult", at(2021, 3, 1, 22))  # nobody linked: a person of its own
    assert counted(Filter.year(2021), Figure.ADULTS, Figure.ADULTS_INFORMED) == (2, 0)
    do_record_support_action(client, kind="informed", happened_on=dt.date(2021, 3, 1), encounter=first, acting_user=setting["worker"])
    assert counted(Filter.year(2021), Figure.ADULTS, Figure.ADULTS_INFORMED) == (2, 1)


def test_uncertain_age_counts_as_a_minor_and_needs_a_referral(setting: dict[str, Any]) -> None:
    shift = shift_on(setting, at(2021, 4, 1))
    encounter = meet(setting, shift, "exploited", "uncertain", at(2021, 4, 1, 21))
    assert counted(Filter.year(2021), Figure.MINORS, Figure.MINORS_REFERRED, Figure.ADULTS) == (1, 0, 0)
    client, _ = do_create_client(pseudonym="Lärka", stated_age=16, acting_user=setting["worker"])
    do_link_encounter(client, encounter=encounter, acting_user=setting["worker"])
    unit = SupportUnit.objects.get(code="sthlm-ungdomsjouren")
    do_refer(client, unit=unit, sent_on=dt.date(2021, 4, 2), acting_user=setting["worker"])
    assert counted(Filter.year(2021), Figure.MINORS, Figure.MINORS_REFERRED) == (1, 1)


def test_a_referral_before_the_encounter_does_not_count(setting: dict[str, Any]) -> None:
    shift = shift_on(setting, at(2021, 9, 1))
    encounter = meet(setting, shift, "exploited", "under_18", at(2021, 9, 1, 21))
    client, _ = do_create_client(pseudonym="Sol", stated_age=15, acting_user=setting["worker"])
    do_refer(client, unit=SupportUnit.objects.get(code="sthlm-ungdomsjouren"), sent_on=dt.date(2021, 8, 1), acting_user=setting["worker"])
    do_link_encounter(client, encounter=encounter, acting_user=setting["worker"])
    assert counted(Filter.year(2021), Figure.MINORS, Figure.MINORS_REFERRED) == (1, 0)


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
        crime_report = do_create_crime_report(collaboration=setting["c"], case_number=number, offence=offence, committed_at=when, acting_user=officer)
        do_add_suspect(crime_report, name=name, birth_date=born, role="buyer", acting_user=officer)
    # A (twice), B (an attempt on 31 December), E; E was 16, with a child-concern report.
    assert counted(Filter.year(2021), Figure.BUYERS, Figure.MINOR_BUYERS, Figure.MINOR_BUYERS_REFERRED) == (3, 1, 1)
    assert counted(Filter.year(2022), Figure.BUYERS) == (1,)
    assert report(Filter.year(2021)).by[Figure.BUYERS][Dimension.OFFENCE] == {"brb-6-11": 2, "brb-6-11-forsok": 1}


def test_period_filters_by_area(setting: dict[str, Any]) -> None:
    shift = shift_on(setting, at(2021, 2, 2))
    meet(setting, shift, "exploited", "adult", at(2021, 2, 2, 21))
    farsta = Area.objects.get(code="lpo-farsta").pk
    globen = Area.objects.get(code="lpo-globen").pk
    assert counted(Filter.year(2021, area_ids=frozenset({farsta})), Figure.ADULTS) == (1,)
    assert counted(Filter.year(2021, area_ids=frozenset({globen})), Figure.ADULTS) == (0,)


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        # Every dimension at once: each cell counts in every breakdown and in the totals.
        (
            [("a", "x", 2, 1), ("b", "x", 1, 0)],
            Tally(3, 1, {Dimension.AREA: {"a": 2, "b": 1}, Dimension.VENUE_KIND: {"x": 3}}),
        ),
        # Grouping sets (PostgreSQL): a row counts in its own dimension only, the totals
        # come from the first dimension's rows.
        (
            [("a", None, 2, 1, 0), ("b", None, 1, 0, 0), (None, "x", 3, 1, 1)],
            Tally(3, 1, {Dimension.AREA: {"a": 2, "b": 1}, Dimension.VENUE_KIND: {"x": 3}}),
        ),
    ],
)
def test_cells_sum_into_totals_and_breakdowns(cells: list[tuple[Any, ...]], expected: Tally) -> None:
    assert _tally(cells, (Dimension.AREA, Dimension.VENUE_KIND)) == expected


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
    dimensions = (Dimension.AREA, Dimension.VENUE_KIND, Dimension.BASIS, Dimension.MONTH)
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


def test_every_figure_is_declared_once_with_what_it_needs() -> None:
    assert list(FIGURES) == list(Figure)
    for figure, declaration in FIGURES.items():
        assert declaration.figure is figure
        assert set(declaration.dimensions) <= set(SOURCES[declaration.unit].fields)
        if declaration.of is not None:
            assert FIGURES[declaration.of].unit is declaration.unit  # a part of a figure counts its units
        assert declaration.of is not None or not declaration.follow_up
        assert declaration.since is None or declaration.unit is Unit.PERSONS
    assert [(shown.figure, beside and beside.figure) for shown, beside in headlines()] == [
        (Figure.JOINT_SHIFTS, None),
        (Figure.MINORS, Figure.MINORS_REFERRED),
        (Figure.ADULTS, Figure.ADULTS_INFORMED),
        (Figure.BUYERS, None),
        (Figure.MINOR_BUYERS, Figure.MINOR_BUYERS_REFERRED),
    ]
    # A follow-up needs its own records and those of the figure it follows.
    assert records_needed(Figure.MINORS_REFERRED) == {RecordType.ENCOUNTER, RecordType.REFERRAL}
    assert records_needed(Figure.ADULTS_INFORMED) == {RecordType.ENCOUNTER, RecordType.SUPPORT_ACTION}
    assert records_needed(Figure.MINOR_BUYERS_REFERRED) == {RecordType.SUSPECT, RecordType.CHILD_CONCERN_REPORT}


def test_a_person_counts_once_in_each_age_group_and_a_referral_after_any_encounter_counts(setting: dict[str, Any]) -> None:
    may, june = shift_on(setting, at(2021, 5, 3)), shift_on(setting, at(2021, 6, 7))
    met = [
        meet(setting, may, "exploited", "uncertain", at(2021, 5, 3, 21)),
        meet(setting, june, "exploited", "adult", at(2021, 6, 7, 21)),
        meet(setting, june, "exploited", "under_18", at(2021, 6, 7, 23)),
    ]
    client, _ = do_create_client(pseudonym="Dimma", acting_user=setting["worker"])
    for encounter in met:
        do_link_encounter(client, encounter=encounter, acting_user=setting["worker"])
    f = Filter.year(2021)
    assert counted(f, Figure.MINORS, Figure.MINORS_REFERRED, Figure.ADULTS, Figure.ADULTS_INFORMED) == (1, 0, 1, 0)
    # In the cell of the first encounter of each group: May as a minor, June as an adult.
    assert report(f).by[Figure.MINORS][Dimension.MONTH] == {5: 1}
    assert report(f).by[Figure.ADULTS][Dimension.MONTH] == {6: 1}
    # Sent after the first encounter as a minor, before the second: referred.
    do_refer(client, unit=SupportUnit.objects.get(code="sthlm-ungdomsjouren"), sent_on=dt.date(2021, 5, 20), acting_user=setting["worker"])
    assert counted(f, Figure.MINORS, Figure.MINORS_REFERRED, Figure.ADULTS_INFORMED) == (1, 1, 0)
    # Within May only the first encounter counts, and the referral still follows it.
    assert counted(Filter(dt.date(2021, 5, 1), dt.date(2021, 5, 31)), Figure.MINORS, Figure.MINORS_REFERRED, Figure.ADULTS) == (1, 1, 0)
    # Within June the referral came before every encounter: not referred.
    assert counted(Filter(dt.date(2021, 6, 1), dt.date(2021, 6, 30)), Figure.MINORS, Figure.MINORS_REFERRED, Figure.ADULTS) == (1, 0, 1)


# --- Age is revisable, protection is not; persons, not rows (issue 11) -------------------


def test_an_uncertain_person_assessed_as_19_moves_to_the_adults_and_the_concern_report_stays(setting: dict[str, Any]) -> None:
    shift = shift_on(setting, at(2021, 4, 1))
    encounter = meet(setting, shift, "exploited", "uncertain", at(2021, 4, 1,21))
    concern = ChildConcernReport.objects.get(encounter=encounter)
    f = Filter.year(2021)
    assert counted(f, Figure.MINORS, Figure.ADULTS) == (1, 0)
    assert report(f).notes[Figure.MINORS] == {Note.AGE_UNCERTAIN: 1, Note.UNLINKED: 1}
    client, _ = do_create_client(pseudonym="Höst", stated_age=19, acting_user=setting["worker"])
    do_link_encounter(client, encounter=encounter, acting_user=setting["worker"])
    # What the person says establishes nothing: still a minor, on an uncertain age, now linked.
    assert counted(f, Figure.MINORS, Figure.ADULTS) == (1, 0)
    assert report(f).notes[Figure.MINORS] == {Note.AGE_UNCERTAIN: 1, Note.UNLINKED: 0}
    do_record_age_assessment(
        client, min_years=19, basis="professional", assessed_on=dt.date(2021, 4, 20), acting_user=setting["worker"]
    )
    assert counted(f, Figure.MINORS, Figure.ADULTS) == (0, 1)
    assert report(f).notes == {Figure.MINORS: {Note.AGE_UNCERTAIN: 0, Note.UNLINKED: 0}, Figure.ADULTS: {Note.UNLINKED: 0}}
    assert report(f).by[Figure.ADULTS][Dimension.MONTH] == {4: 1}
    # The child-concern report filed at the encounter stands.
    assert ChildConcernReport.objects.filter(pk=concern.pk, encounter=encounter).exists()
    link = encounter.client_link
    link.refresh_from_db()
    assert (link.age_band, link.age_years, link.age_source) == ("adult", 18, "assessment")  # 19 three weeks later: at least 18 then


def test_a_birth_date_revises_the_age_both_ways_and_a_range_across_18_stays_uncertain(setting: dict[str, Any]) -> None:
    shift = shift_on(setting, at(2021, 6, 1))
    as_adult = meet(setting, shift, "exploited", "adult", at(2021, 6, 1, 21))
    as_uncertain = meet(setting, shift, "exploited", "uncertain", at(2021, 6, 1, 22))
    f = Filter.year(2021)
    young, _ = do_create_client(pseudonym="Källa", acting_user=setting["worker"])
    do_link_encounter(young, encounter=as_adult, acting_user=setting["worker"])
    assert counted(f, Figure.MINORS, Figure.ADULTS) == (1, 1)
    # A personal identity number shows 16 at the encounter: the "adult" was a child.
    do_add_identifier(young, kind="personnummer", value="200501012389", acting_user=setting["worker"])
    assert counted(f, Figure.MINORS, Figure.ADULTS) == (2, 0)
    assert report(f).notes[Figure.MINORS][Note.AGE_UNCERTAIN] == 1  # the other one
    other, _ = do_create_client(pseudonym="Bäck", acting_user=setting["worker"])
    do_link_encounter(other, encounter=as_uncertain, acting_user=setting["worker"])
    do_record_age_assessment(
        other, min_years=17, max_years=19, basis="medical", assessed_on=dt.date(2021, 6, 10), acting_user=setting["worker"]
    )
    assert counted(f, Figure.MINORS, Figure.ADULTS) == (2, 0)
    assert report(f).notes[Figure.MINORS][Note.AGE_UNCERTAIN] == 1
    do_record_age_assessment(
        other, min_years=17, basis="documents", assessed_on=dt.date(2021, 7, 1), acting_user=setting["worker"]
    )
    assert report(f).notes[Figure.MINORS][Note.AGE_UNCERTAIN] == 0


def test_a_person_is_uncertain_only_if_no_encounter_shows_them_a_minor_for_certain(setting: dict[str, Any]) -> None:
    shift = shift_on(setting, at(2021, 8, 1))
    first = meet(setting, shift, "exploited", "uncertain", at(2021, 8, 1, 21))
    second = meet(setting, shift, "exploited", "under_18", at(2021, 8, 1, 23))
    client, _ = do_create_client(pseudonym="Glöd", acting_user=setting["worker"])
    do_link_encounter(client, encounter=first, acting_user=setting["worker"])
    f = Filter.year(2021)
    assert counted(f, Figure.MINORS) == (2,)
    assert report(f).notes[Figure.MINORS] == {Note.AGE_UNCERTAIN: 1, Note.UNLINKED: 1}
    do_link_encounter(client, encounter=second, acting_user=setting["worker"])
    assert counted(f, Figure.MINORS) == (1,)
    assert report(f).notes[Figure.MINORS] == {Note.AGE_UNCERTAIN: 0, Note.UNLINKED: 0}


def test_unlinked_encounters_are_shown_and_a_mark_keeps_them_persons_of_their_own(setting: dict[str, Any]) -> None:
    shift = shift_on(setting, at(2021, 9, 1))
    met = [meet(setting, shift, "exploited", "adult", at(2021, 9, 1, 20 + i)) for i in range(3)]
    f = Filter.year(2021)
    assert counted(f, Figure.ADULTS) == (3,)
    assert report(f).notes[Figure.ADULTS] == {Note.UNLINKED: 3}
    client, _ = do_create_client(pseudonym="Tall", acting_user=setting["worker"])
    do_link_encounter(client, encounter=met[0], acting_user=setting["worker"])
    do_link_encounter(client, encounter=met[1], acting_user=setting["worker"])
    assert counted(f, Figure.ADULTS) == (2,)
    assert report(f).notes[Figure.ADULTS] == {Note.UNLINKED: 1}
    do_mark_unidentified(met[2], reason="Lämnade platsen", acting_user=setting["worker"])
    assert counted(f, Figure.ADULTS) == (2,)
    assert report(f).notes[Figure.ADULTS] == {Note.UNLINKED: 1}


def test_shifts_of_the_polices_own_operations_are_not_joint_shifts(setting: dict[str, Any]) -> None:
    torsk = ops.do_create_operation(
        collaboration=setting["c"], name="Insats Torsk", kind=OperationKind.POLICE, acting_user=setting["officer"]
    )
    joint = ops.do_create_operation(collaboration=setting["c"], name="Gemensam", acting_user=setting["officer"])
    for operation in (torsk, joint, None):
        complete(setting, shift_on(setting, at(2021, 10, 1), operation=operation))
    assert counted(Filter.year(2021), Figure.JOINT_SHIFTS) == (2,)
    assert counted(Filter.year(2021, operation_id=torsk.pk), Figure.JOINT_SHIFTS) == (0,)
    assert counted(Filter.year(2021, operation_id=joint.pk), Figure.JOINT_SHIFTS) == (1,)


def test_an_operation_of_the_polices_own_is_created_through_the_page(personas: dict[str, User], login: Any) -> None:
    from samverkan.operations.models import Operation

    page = login(personas["polis.samordnare"])
    response = page.post("/pass/insatser/", {"name": "Insats Prov", "kind": "police", "description": "", "starts_on": "", "ends_on": ""})
    assert response.status_code == 302
    assert Operation.objects.get(name="Insats Prov").kind == OperationKind.POLICE
    refused = page.post("/pass/insatser/", {"name": "Insats Fel", "kind": "neither"})
    assert refused.status_code == 400
    assert not Operation.objects.filter(name="Insats Fel").exists()
