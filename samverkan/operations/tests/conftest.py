from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from samverkan.accounts.models import Area, Collaboration, User
from samverkan.operations import actions
from samverkan.operations.models import Shift, Venue


@pytest.fixture
def stockholm(db: None) -> Collaboration:
    return Collaboration.objects.get(code="stockholm")


@pytest.fixture
def hotel(personas: dict[str, User], stockholm: Collaboration) -> Venue:
    venue, _ = actions.do_find_or_create_venue(
        collaboration=stockholm, kind="hotel", name="Hotell Exempel", address="Exempelgatan 1",
        acting_user=personas["polis.inre"],
    )
    return venue


@pytest.fixture
def shift(personas: dict[str, User], stockholm: Collaboration, hotel: Venue) -> Shift:
    start = timezone.now() - dt.timedelta(hours=1)
    return actions.do_create_shift(
        collaboration=stockholm,
        area=Area.objects.get(code="lpo-farsta"),
        starts_at=start,
        ends_at=start + dt.timedelta(hours=6),
        basis="outreach",
        planned_venues=[hotel],
        participants=[personas["polis.inre"], personas["soc.handlaggare"]],
        acting_user=personas["polis.samordnare"],
    )


@pytest.fixture
def ongoing(shift: Shift, personas: dict[str, User]) -> Shift:
    return actions.do_start_shift(shift, acting_user=personas["polis.inre"])
