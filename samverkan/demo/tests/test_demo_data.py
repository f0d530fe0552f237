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
from samverkan.reports.definitions import Filter, Followed, results
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


def test_2021_reproduces_the_press_release(demo_db: object) -> None:
    figures = results(Filter.year(2021))
    assert figures.joint_shifts == 117
    assert figures.minors == Followed(persons=10, followed_up=10)
    assert figures.adults == Followed(persons=240, followed_up=240)
    assert figures.buyers == 220
    assert figures.minor_buyers == Followed(persons=3, followed_up=3)


def test_other_years_differ_so_that_trends_show(demo_db: object) -> None:
    y2020, y2021, y2022 = (results(Filter.year(y)) for y in (2020, 2021, 2022))
    assert y2020.joint_shifts < y2021.joint_shifts < y2022.joint_shifts
    assert y2020.buyers != y2021.buyers != y2022.buyers


def test_every_possible_minor_has_a_child_concern_report(demo_db: object) -> None:
    minors = Encounter.objects.filter(age_band__in=MINOR_AGE_BANDS, role__in=[EncounterRole.EXPLOITED, EncounterRole.BUYER])
    assert minors.exists()
    assert not minors.filter(concern_reports__isnull=True).exists()
    assert not Suspect.objects.filter(age_at_offence__lt=18, child_concern_report__isnull=True).exists()
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
    assert results(Filter.year(2021)).joint_shifts == 117


def test_breakdowns_sum_to_the_totals(demo_db: object) -> None:
    from samverkan.reports.definitions import (
        Dimension,
        buyers_by,
        persons_found_by,
        shifts_by,
    )

    f = Filter.year(2021)
    figures = results(f)
    for dimension in (Dimension.AREA, Dimension.BASIS, Dimension.MONTH):
        assert sum(shifts_by(f, dimension).values()) == figures.joint_shifts
    for dimension in (Dimension.AREA, Dimension.VENUE_KIND, Dimension.BASIS, Dimension.MONTH):
        assert sum(persons_found_by(f, dimension, minors=True).values()) == figures.minors.persons
        assert sum(persons_found_by(f, dimension, minors=False).values()) == figures.adults.persons
    for dimension in (Dimension.AREA, Dimension.OFFENCE, Dimension.MONTH):
        assert sum(buyers_by(f, dimension).values()) == figures.buyers


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
