"""The demo data reproduces the press release's 2021 figures, and keeps the invariants."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connections
from django.db.models import F
from django.utils import timezone

from samverkan.demo.reference import seed_all_reference
from samverkan.investigations.models import Suspect
from samverkan.operations.models import (
    MINOR_AGE_BANDS,
    ChildConcernReport,
    Encounter,
    EncounterRole,
    Venue,
    VenueKind,
)
from samverkan.reports.definitions import (
    FIGURES,
    Figure,
    Filter,
    Note,
    completed_shifts,
    count,
    units,
)
from samverkan.reports.tally import report
from samverkan.support.models import ConcernHandling, ConcernStatus, open_concern_reports

pytestmark = pytest.mark.django_db


def restore_test_database() -> None:
    """Put the test database back as the migrations left it, for the modules that follow.

    When the session keeps a serialised copy (browser tests use serialized
    rollback), flush without recreating content types and load the copy, so
    that the primary keys match it; otherwise flush and seed the reference data.
    """
    connection = connections["default"]
    contents = getattr(connection, "_test_serialized_contents", None)
    if contents:
        call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
        connection.creation.deserialize_db_from_string(contents)
        # The rows come back with their old ids; move the sequences past them
        # (PostgreSQL's flush restarted them at 1), as loaddata does.
        statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
    else:
        call_command("flush", interactive=False, verbosity=0)
        seed_all_reference()


@pytest.fixture(scope="module")
def demo_db(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Load the demo once for the module (it takes a few seconds)."""
    from django.test.utils import override_settings

    with django_db_blocker.unblock(), override_settings(SAMVERKAN_DEMO=True):
        call_command("load_demo", quiet_users=True, verbosity=0)
    yield
    with django_db_blocker.unblock():
        restore_test_database()


PRESS_RELEASE_2021 = {
    Figure.JOINT_SHIFTS: 117,
    Figure.MINORS: 10,
    Figure.MINORS_REFERRED: 10,
    Figure.ADULTS: 240,
    Figure.ADULTS_INFORMED: 240,
    Figure.BUYERS: 220,
    Figure.MINOR_BUYERS: 3,
    Figure.MINOR_BUYERS_REFERRED: 3,
}


def test_2021_reproduces_the_press_release(demo_db: object) -> None:
    f = Filter.year(2021)
    assert report(f).totals == PRESS_RELEASE_2021
    assert {figure: count(figure, f) for figure in Figure} == PRESS_RELEASE_2021


def test_other_years_differ_so_that_trends_show(demo_db: object) -> None:
    y2020, y2021, y2022 = (report(Filter.year(y)).totals for y in (2020, 2021, 2022))
    assert y2020[Figure.JOINT_SHIFTS] < y2021[Figure.JOINT_SHIFTS] < y2022[Figure.JOINT_SHIFTS]
    assert y2020[Figure.BUYERS] != y2021[Figure.BUYERS] != y2022[Figure.BUYERS]


def test_every_possible_minor_has_a_child_concern_report(demo_db: object) -> None:
    minors = Encounter.objects.filter(age_band__in=MINOR_AGE_BANDS, role__in=[EncounterRole.EXPLOITED, EncounterRole.BUYER])
    assert minors.exists()
    assert not minors.filter(concern_reports__isnull=True).exists()
    assert not Suspect.objects.minors().filter(child_concern_report__isnull=True).exists()
    assert open_concern_reports(ChildConcernReport.objects.all()).exists()  # the inbox has work
    # Handled at every stage: closed, investigating, assessed, and not yet acted on.
    statuses = set(ConcernHandling.objects.values_list("status", flat=True))
    assert {ConcernStatus.CLOSED, ConcernStatus.INVESTIGATING, ConcernStatus.ASSESSED} <= statuses
    assert ChildConcernReport.objects.exclude(pk__in=ConcernHandling.objects.values("report")).exists()
    assert not ConcernHandling.objects.exclude(agency=F("report__addressed_to")).exists()


def test_some_persons_are_met_several_times_and_every_venue_kind_occurs(demo_db: object) -> None:
    from django.db.models import Count

    from samverkan.support.models import Client

    assert Client.objects.annotate(n=Count("encounter_links")).filter(n__gt=1).exists()
    assert set(Venue.objects.values_list("kind", flat=True)) == set(VenueKind.values)


def test_load_demo_is_idempotent(demo_db: object, settings: object) -> None:
    settings.SAMVERKAN_DEMO = True  # type: ignore[attr-defined]
    before = Encounter.objects.count()
    call_command("load_demo", quiet_users=True, verbosity=0)
    assert Encounter.objects.count() == before
    assert report(Filter.year(2021)).totals[Figure.JOINT_SHIFTS] == 117


def test_breakdowns_sum_to_the_totals(demo_db: object) -> None:
    counts = report(Filter.year(2021))
    breakdowns = [(figure, dimension) for figure, d in FIGURES.items() for dimension in d.dimensions]
    assert len(breakdowns) == 3 + 4 + 4 + 3
    for figure, dimension in breakdowns:
        assert sum(counts.by[figure][dimension].values()) == counts.totals[figure]


def test_every_shift_is_in_an_area_of_its_day(demo_db: object) -> None:
    """Areas change (Norrmalm and Södermalm ended in 2024): no shift is in an area that did not exist."""
    from samverkan.operations.models import Shift

    wrong = [
        (shift.pk, shift.area.code, day)
        for shift in Shift.objects.select_related("area")
        if (day := timezone.localdate(shift.starts_at)) < (shift.area.valid_from or day)
        or (shift.area.valid_to is not None and day > shift.area.valid_to)
    ]
    assert wrong == []


# --- The press release's story (issue 11) ------------------------------------------------


def test_joint_shifts_are_in_the_citys_police_areas_and_the_polices_own_operations_are_not_joint(demo_db: object) -> None:
    from samverkan.operations.models import Operation, OperationKind, Shift

    f = Filter.year(2021)
    joint = completed_shifts(f)
    assert joint.count() == 117
    # Botkyrka is another municipality: the city's social workers have no shifts there.
    assert not joint.filter(area__code="lpo-botkyrka").exists()
    assert set(joint.values_list("area__code", flat=True)) == {"lpo-norrmalm", "lpo-sodermalm", "lpo-farsta", "lpo-globen", "lpo-jarva"}
    assert joint.filter(participants__agency__code="stockholms-stad").distinct().count() == 117
    # The police's own operations: insats Torsk in Norrmalm and Södermalm, others in Farsta, Globen, Järva, Botkyrka.
    own = Operation.objects.filter(kind=OperationKind.POLICE)
    assert set(own.values_list("name", flat=True)) == {"Insats Torsk", "Riktad insats Söder", "Riktad insats Järva"}
    police_shifts = Shift.objects.completed().filter(operation__in=own, starts_at__year=2021)
    assert police_shifts.count() > 0
    assert set(police_shifts.filter(operation__name="Insats Torsk").values_list("area__code", flat=True)) <= {"lpo-norrmalm", "lpo-sodermalm"}
    assert police_shifts.filter(area__code="lpo-botkyrka").exists()
    assert not police_shifts.filter(participants__agency__code="stockholms-stad").exists()
    # Not joint shifts: the figure is the same whether they are there or not.
    assert report(f).totals[Figure.JOINT_SHIFTS] == 117
    assert report(Filter.year(2021, operation_id=own.get(name="Insats Torsk").pk)).totals[Figure.JOINT_SHIFTS] == 0


def test_the_2021_figures_show_what_they_rest_on(demo_db: object) -> None:
    notes = report(Filter.year(2021)).notes
    # Two of the ten minors were met with an uncertain age that nothing has established since.
    assert notes[Figure.MINORS] == {Note.AGE_UNCERTAIN: 2, Note.UNLINKED: 0}
    assert notes[Figure.ADULTS] == {Note.UNLINKED: 0}


def test_the_demo_covers_up_to_last_year_and_the_default_year_has_figures(
    demo_db: object, personas: dict[str, Any], login: Any
) -> None:
    from django.utils import timezone

    last_year = timezone.localdate().year - 1
    years = {year: report(Filter.year(year)).totals for year in range(2020, last_year + 1)}
    for year, totals in years.items():
        assert all(totals[figure] > 0 for figure in (Figure.JOINT_SHIFTS, Figure.MINORS, Figure.ADULTS, Figure.BUYERS)), year
    page = login(personas["polis.chef"]).get("/resultat/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f'<td class="num">{years[last_year][Figure.JOINT_SHIFTS]}</td>' in body
    assert login(personas["polis.chef"]).get("/resultat/?public=on").status_code == 200


def test_an_age_shown_later_by_a_passport_moves_the_person_and_the_concern_report_stays(demo_db: object) -> None:
    from samverkan.demo.generate import AGE_REVISED_YEAR
    from samverkan.support.models import ClientEncounter

    revised = ClientEncounter.objects.filter(
        encounter__age_band="uncertain", age_band="adult", encounter__occurred_at__year=AGE_REVISED_YEAR
    )
    assert revised.count() == 1
    link = revised.get()
    assert link.client.age_assessments.filter(basis="documents").exists()
    assert link.encounter.concern_reports.exists()  # protection is not revised
    f = Filter.year(AGE_REVISED_YEAR)
    assert f"client:{link.client_id}" in units(Figure.ADULTS, f)
    assert f"client:{link.client_id}" not in units(Figure.MINORS, f)
