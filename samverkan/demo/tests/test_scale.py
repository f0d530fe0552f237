"""The national-scale generator keeps the invariants, and the report's query count does not grow.

Small runs of ``generate_scale_data`` (one region, one year, a hundredth of
the national volume). Speed is measured by ``make bench``
(docs/benchmarks.md), never here.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from samverkan.accounts.models import Area, Collaboration, User
from samverkan.investigations.models import CrimeReport, Suspect
from samverkan.lib.age import is_minor
from samverkan.operations.models import (
    MINOR_AGE_BANDS,
    AgeBand,
    Encounter,
    EncounterRole,
    Operation,
    Venue,
    VenueKind,
)
from samverkan.reports import definitions as d
from samverkan.reports import tally
from samverkan.reports.definitions import Dimension, Figure, Note
from samverkan.support.models import (
    INFORMED_KINDS,
    Client,
    ClientIdentifier,
    IdentifierKind,
    Referral,
    ReferralStatus,
    SupportAction,
)

pytestmark = pytest.mark.django_db

YEAR = 2024


def generate(settings: Any, *, scale: float = 0.01, seed: int = 47, replace: bool = False, years: int = 1) -> None:
    settings.DEBUG = True
    call_command(
        "generate_scale_data", years=years, regions=1, scale=scale, seed=seed, start_year=YEAR - years + 1,
        replace=replace, verbosity=0,
    )


@pytest.fixture
def scale_data(settings: Any) -> None:
    generate(settings, years=2)


def filters() -> list[d.Filter]:
    area = Area.objects.filter(code__startswith="scale-", kind="local_police_area").order_by("pk").first()
    operation = Operation.objects.filter(collaboration__code__startswith="scale-").order_by("pk").first()
    collaboration = Collaboration.objects.get(code="scale-1")
    assert area is not None and operation is not None
    return [
        d.Filter.year(YEAR),
        d.Filter.year(YEAR - 1),
        d.Filter(dt.date(YEAR, 3, 15), dt.date(YEAR, 9, 30)),
        d.Filter.year(YEAR, area_ids=frozenset({area.pk})),
        d.Filter.year(YEAR, operation_id=operation.pk),
        d.Filter.year(YEAR, collaboration_ids=frozenset({collaboration.pk})),
    ]


# --- the generator ---------------------------------------------------------------


def test_refuses_to_run_in_production(settings: Any) -> None:
    settings.DEBUG = False
    settings.SAMVERKAN_DEMO = False
    with pytest.raises(CommandError, match="never in production"):
        call_command("generate_scale_data", years=1, regions=1, scale=0.01, verbosity=0)
    assert not Encounter.objects.exists()


def test_refuses_to_add_to_scale_data_unless_replacing(settings: Any) -> None:
    generate(settings)
    before = Encounter.objects.count()
    with pytest.raises(CommandError, match="--replace"):
        generate(settings)
    generate(settings, replace=True)
    assert Encounter.objects.count() == before


def test_the_same_seed_gives_the_same_data(settings: Any) -> None:
    generate(settings)
    first = tally.report(d.Filter.year(YEAR)).totals
    generate(settings, replace=True)
    assert tally.report(d.Filter.year(YEAR)).totals == first
    generate(settings, replace=True, seed=48)
    assert tally.report(d.Filter.year(YEAR)).totals != first


def test_every_possible_minor_and_every_buyer_under_18_has_a_child_concern_report(scale_data: None) -> None:
    minors = Encounter.objects.possible_minors().filter(role__in=[EncounterRole.EXPLOITED, EncounterRole.BUYER])
    assert minors.filter(age_band=AgeBand.UNCERTAIN).exists()
    assert minors.filter(role=EncounterRole.BUYER).exists()
    assert not minors.filter(concern_reports__isnull=True).exists()
    young_buyers = Suspect.objects.minors()
    assert young_buyers.exists()
    assert not young_buyers.filter(child_concern_report__isnull=True).exists()


def test_the_data_has_the_shape_of_the_real_thing(scale_data: None) -> None:
    # Persons met several times, buyers reported more than once, every venue kind, the offences.
    assert Client.objects.annotate(n=Count("encounter_links")).filter(n__gt=1).exists()
    assert Suspect.objects.values("person_key").annotate(n=Count("pk")).filter(n__gt=1).exists()
    assert set(Venue.objects.values_list("kind", flat=True)) == set(VenueKind.values)
    offences = set(CrimeReport.objects.values_list("offence__key", flat=True))
    assert {"brb-6-11", "brb-6-11-forsok", "brb-6-9"} <= offences
    assert offences & {"brb-6-12", "brb-6-12-grovt"} and "brb-4-1a" in offences
    # A hundredth of a region-year of about 28,500 encounters and 7,143 crime reports.
    assert 2 * 250 < Encounter.objects.count() < 2 * 330
    assert CrimeReport.objects.count() == 2 * (68 + 4)
    # Synthetic only: nobody has a personal identity number.
    assert not Suspect.objects.exclude(personnummer="").exists()
    assert not ClientIdentifier.objects.exclude(kind=IdentifierKind.NONE).exists()
    assert not Suspect.objects.exclude(name__startswith="Testperson ").exists()


# --- the report on it ---------------------------------------------------------------


def test_the_report_agrees_with_the_declarations(scale_data: None) -> None:
    """The three-query report counts what the declarations count, figure by figure and cell by cell."""
    for f in filters():
        full = tally.report(f)
        assert full.totals == {figure: d.count(figure, f) for figure in Figure}
        assert tally.reports(f) == [full]
        for figure, declaration in d.FIGURES.items():
            names = d.units(figure, f)
            assert len(names) == len(set(names)) == full.totals[figure]
            assert set(full.by.get(figure, {})) == set(declaration.dimensions)
            assert full.notes.get(figure, {}) == {note: d.noted(figure, note, f) for note in declaration.notes}
            for dimension in declaration.dimensions:
                assert full.by[figure][dimension] == d.breakdown(figure, f, dimension)
                # The cell key method's units: each unit counted, in exactly one cell.
                cells = d.units_by(figure, f, dimension)
                assert sorted(name for cell in cells.values() for name in cell) == sorted(names)
    totals = tally.report(d.Filter.year(YEAR)).totals
    assert totals[Figure.MINORS] > totals[Figure.MINORS_REFERRED] > 0
    assert totals[Figure.ADULTS] > totals[Figure.ADULTS_INFORMED] > 0
    assert totals[Figure.MINOR_BUYERS] >= totals[Figure.MINOR_BUYERS_REFERRED] > 0


def _first_cells(
    rows: Iterable[tuple[Any, ...]], dimensions: dict[Dimension, Callable[[tuple[Any, ...]], object]]
) -> dict[Dimension, dict[object, int]]:
    """Breakdowns counted by hand: rows sorted by (time, pk, person, ...) → each person's first row."""
    firsts: dict[object, tuple[Any, ...]] = {}
    for row in sorted(rows, key=lambda r: (r[0], r[1])):
        firsts.setdefault(row[2], row)
    counts: dict[Dimension, dict[object, int]] = {dimension: {} for dimension in dimensions}
    for row in firsts.values():
        for dimension, value_of in dimensions.items():
            cell = counts[dimension]
            cell[value_of(row)] = cell.get(value_of(row), 0) + 1
    return counts


def _month(moment: dt.datetime) -> int:
    return timezone.localtime(moment).month


def _followed_up(
    rows: list[tuple[Any, ...]], records: Iterable[tuple[int, dt.date]]
) -> int:
    """By hand: the clients with a follow-up on or after the day of one of their encounters."""
    days: dict[int, dt.date] = {}
    for at, _pk, person, *_cells in rows:
        if person > 0:
            days[person] = min(days.get(person, dt.date.max), timezone.localdate(at))
    return len({client for client, on in records if client in days and on >= days[client]})


def test_every_figure_and_breakdown_is_each_persons_first_cell_counted_by_hand(scale_data: None) -> None:
    referrals = list(Referral.objects.exclude(status=ReferralStatus.DECLINED).values_list("client_id", "sent_on"))
    informed = list(SupportAction.objects.filter(kind__in=INFORMED_KINDS).values_list("client_id", "happened_on"))
    for f in filters():
        full = tally.report(f)
        shifts = list(d.completed_shifts(f).values_list("starts_at", "pk", "pk", "area_id", "basis"))
        expected = _first_cells(
            shifts,
            {Dimension.AREA: lambda r: r[3], Dimension.BASIS: lambda r: r[4], Dimension.MONTH: lambda r: _month(r[0])},
        )
        assert full.totals[Figure.JOINT_SHIFTS] == len(shifts)
        for dimension in d.FIGURES[Figure.JOINT_SHIFTS].dimensions:
            assert full.by[Figure.JOINT_SHIFTS][dimension] == expected[dimension]
        groups = (
            (Figure.MINORS, Figure.MINORS_REFERRED, MINOR_AGE_BANDS, referrals),
            (Figure.ADULTS, Figure.ADULTS_INFORMED, (AgeBand.ADULT,), informed),
        )
        for figure, follow_up, bands, records in groups:
            # The best established age: the link's, else the band recorded at the encounter.
            rows = [
                (at, pk, client if client is not None else -pk, area, kind, basis, established or recorded)
                for pk, at, client, area, kind, basis, established, recorded in d.exploited_encounters(f).values_list(
                    "pk", "occurred_at", "client_link__client_id", "shift__area_id", "venue__kind", "shift__basis",
                    "client_link__age_band", "age_band",
                )
                if (established or recorded) in bands
            ]
            expected = _first_cells(
                rows,
                {
                    Dimension.AREA: lambda r: r[3],
                    Dimension.VENUE_KIND: lambda r: r[4],
                    Dimension.BASIS: lambda r: r[5],
                    Dimension.MONTH: lambda r: _month(r[0]),
                },
            )
            assert full.totals[figure] == len({row[2] for row in rows})
            assert full.totals[follow_up] == _followed_up(rows, records)
            persons = {row[2] for row in rows}
            certain = {row[2] for row in rows if row[6] != AgeBand.UNCERTAIN}
            notes = {Note.UNLINKED: len({p for p in persons if p < 0}), Note.AGE_UNCERTAIN: len(persons - certain)}
            assert full.notes[figure] == {note: notes[note] for note in d.FIGURES[figure].notes}
            for dimension in d.FIGURES[figure].dimensions:
                assert full.by[figure][dimension] == expected[dimension]
                assert sum(expected[dimension].values()) == full.totals[figure]
        buyer_rows = [
            (at, pk, key, area, offence, age, concern)
            for pk, at, key, area, offence, age, concern in d.reported_buyers(f).values_list(
                "pk", "crime_report__committed_at", "person_key", "crime_report__shift__area_id",
                "crime_report__offence__key", "age_at_offence", "child_concern_report_id",
            )
        ]
        expected = _first_cells(
            buyer_rows,
            {
                Dimension.AREA: lambda r: r[3],
                Dimension.OFFENCE: lambda r: r[4],
                Dimension.MONTH: lambda r: _month(r[0]),
            },
        )
        assert full.totals[Figure.BUYERS] == len({row[2] for row in buyer_rows})
        assert full.totals[Figure.MINOR_BUYERS] == len({row[2] for row in buyer_rows if is_minor(row[5])})
        assert full.totals[Figure.MINOR_BUYERS_REFERRED] == len(
            {row[2] for row in buyer_rows if is_minor(row[5]) and row[6] is not None}
        )
        for dimension in d.FIGURES[Figure.BUYERS].dimensions:
            assert full.by[Figure.BUYERS][dimension] == expected[dimension]


def _queries(function: Callable[[], object]) -> int:
    """The SELECTs a function issues (transaction control and settings left out)."""
    with CaptureQueriesContext(connection) as captured:
        function()
    return sum(1 for query in captured.captured_queries if query["sql"].lstrip().upper().startswith("SELECT"))


def _figure_by_figure(f: d.Filter) -> None:
    tally.report(f)
    for declaration in d.FIGURES.values():
        for _dimension in declaration.dimensions:
            tally.unit_counts(declaration.unit, f)


def test_the_report_issues_as_many_queries_whatever_the_data_size(settings: Any) -> None:
    f = d.Filter.year(YEAR)
    generate(settings, scale=0.01)
    small = (_queries(lambda: tally.report(f)), _queries(lambda: _figure_by_figure(f)))
    small_encounters = Encounter.objects.count()
    generate(settings, scale=0.03, replace=True)
    assert Encounter.objects.count() > 2.5 * small_encounters
    large = (_queries(lambda: tally.report(f)), _queries(lambda: _figure_by_figure(f)))
    assert small == large
    # One query per unit counted: shifts, persons found, buyers.
    assert large[0] == 3
    assert large[1] == 3 + 3 + 8 + 3


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_side_by_side_queries_give_the_figures_of_one_snapshot(settings: Any, personas: dict[str, User]) -> None:
    """PostgreSQL, outside a transaction: the queries run on their own connections, in one snapshot.

    ``personas`` seeds the reference data again: an earlier transactional test flushed it.
    """
    generate(settings, years=2)
    wanted = [d.Filter.year(YEAR), d.Filter.year(YEAR - 1)]
    settings.SAMVERKAN_REPORT_WORKERS = 1
    assert not tally._side_by_side(connection.alias)
    one_by_one = tally.reports(*wanted)
    settings.SAMVERKAN_REPORT_WORKERS = 2
    assert tally._side_by_side(connection.alias)
    assert tally.reports(*wanted) == one_by_one
    assert tally.report(wanted[0]) == one_by_one[0]
    # The snapshot is the one the first query exported: a write made while the other queries
    # wait is not counted by any of them.
    original = tally._persons
    late: list[int] = []

    def person_tallies_after_a_write(f: d.Filter) -> tally.Counts:
        if not late:
            writer = threading.Thread(target=lambda: late.append(_add_an_adult_encounter()))
            writer.start()
            writer.join()
        return original(f)

    try:
        tally._persons = person_tallies_after_a_write
        assert tally.reports(wanted[0])[0] == one_by_one[0]
    finally:
        tally._persons = original
    after = tally.report(wanted[0])
    assert late and after.totals[Figure.ADULTS] == one_by_one[0].totals[Figure.ADULTS] + 1
    # Inside a transaction the queries run one after the other, in it.
    with transaction.atomic():
        assert not tally._side_by_side(connection.alias)
        assert tally.report(wanted[0]) == after


def _add_an_adult_encounter() -> int:
    """A new adult found in the year, written and committed on a connection of its own."""
    try:
        encounter = (
            Encounter.objects.filter(role=EncounterRole.EXPLOITED, age_band=AgeBand.ADULT)
            .filter(occurred_at__gte=d.Filter.year(YEAR).bounds()[0], occurred_at__lt=d.Filter.year(YEAR).bounds()[1])
            .order_by("pk")
            .first()
        )
        assert encounter is not None
        encounter.pk = None
        encounter.idempotency_key = uuid.uuid4()
        encounter.save(force_insert=True)
        return encounter.pk
    finally:
        connections["default"].close()
