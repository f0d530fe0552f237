"""A property: on generated data, every figure and breakdown of every past period survives the purge.

Each example generates a small national data set (``generate_scale_data``: a
region over two years, a random seed), counts every figure and breakdown of
each year and of an area, purges as of a random day (some records expired,
others not yet, some under a legal hold), and counts again: the counts must be
the same, and the audit chain must verify. The example's writes are rolled back.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from samverkan.accounts.models import Area, User
from samverkan.audit.actions import verify_chain
from samverkan.reports import tally
from samverkan.reports.definitions import Filter
from samverkan.retention.models import LegalHold
from samverkan.retention.purge import ANONYMISED, purge
from samverkan.support.models import Client

pytestmark = pytest.mark.django_db

YEAR = 2022


class Rollback(Exception):
    pass


def _filters() -> list[Filter]:
    area = Area.objects.filter(code__startswith="scale-", kind="local_police_area").order_by("pk").first()
    assert area is not None
    return [Filter.year(YEAR - 1), Filter.year(YEAR), Filter.year(YEAR, area_ids=frozenset({area.pk}))]


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    seed=st.integers(1, 10_000),
    as_of=st.dates(dt.date(YEAR + 3, 6, 1), dt.date(YEAR + 12, 1, 1)),
    hold_every=st.integers(2, 50),
)
@example(seed=47, as_of=dt.date(YEAR + 10, 1, 1), hold_every=3)  # nearly everything expired
def test_every_count_survives_the_purge(
    personas: dict[str, User], settings: Any, seed: int, as_of: dt.date, hold_every: int
) -> None:
    settings.DEBUG = True
    try:
        with transaction.atomic():
            call_command(
                "generate_scale_data", years=2, regions=1, scale=0.004, seed=seed, start_year=YEAR - 1, verbosity=0
            )
            worker = personas["soc.handlaggare"]
            for client in Client.objects.order_by("pk")[::hold_every]:
                LegalHold.objects.create(
                    agency=client.agency, record_type="client", record_id=client.pk, reason="test", placed_by=worker
                )
            filters = _filters()
            before = [tally.report(f) for f in filters]
            result = purge(as_of)
            if as_of.year >= YEAR + 7:  # every file of the two years has expired, but the held ones
                assert Client.objects.filter(pseudonym=ANONYMISED).exists()
                assert result.done
            after = [tally.report(f) for f in filters]
            assert after == before
            assert verify_chain()[1] is None
            raise Rollback
    except Rollback:
        pass
