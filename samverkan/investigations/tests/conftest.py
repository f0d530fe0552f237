"""A Stockholm shift with encounters, and crime reports made through the real actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from dateutil.relativedelta import relativedelta
from django.test import Client
from django.utils import timezone

from samverkan.accounts.models import Collaboration, User
from samverkan.investigations import actions
from samverkan.investigations.models import CrimeReport, Suspect
from samverkan.legal.models import Offence
from samverkan.legal.reference import seed_offences
from samverkan.operations import actions as ops
from samverkan.operations.models import AgeBand, Encounter, EncounterRole, Shift, Venue
from samverkan.tests.common import _english as _english
from samverkan.tests.common import login as login
from samverkan.tests.common import personnummer as personnummer
from samverkan.tests.common import record_encounter, started_shift

Login = Callable[[User], Client]

SECRET_NARRATIVE = "Narrative marker: the buyer paid 1500 kronor in room 12"
SUSPECT_NAME = "Sven Suspektsson"


def born_years_before(moment: dt.datetime, years: int, days: int = 30) -> dt.date:
    """A birth date that makes someone ``years`` old (not yet ``years + 1``) at ``moment``."""
    return timezone.localdate(moment) - relativedelta(years=years) - dt.timedelta(days=days)


@pytest.fixture
def offences(db: None) -> dict[str, Offence]:
    seed_offences()  # gone after a flushed database
    return {o.key: o for o in Offence.objects.all()}


@pytest.fixture
def stockholm(personas: dict[str, User]) -> Collaboration:
    return Collaboration.objects.get(code="stockholm")


@pytest.fixture
def hotel(personas: dict[str, User], stockholm: Collaboration) -> Venue:
    venue, _ = ops.do_find_or_create_venue(
        collaboration=stockholm,
        kind="hotel",
        name="Hotell Exempel",
        address="Exempelgatan 1",
        acting_user=personas["polis.inre"],
    )
    return venue


@pytest.fixture
def shift(personas: dict[str, User], stockholm: Collaboration, hotel: Venue) -> Shift:
    return started_shift(
        stockholm,
        hotel,
        planner=personas["polis.samordnare"],
        staff=[personas["polis.inre"], personas["soc.handlaggare"]],
        hours_ago=2,
    )


@pytest.fixture
def seller(shift: Shift, hotel: Venue, personas: dict[str, User]) -> Encounter:
    """An adult in prostitution, met by the social worker."""
    return record_encounter(
        shift,
        hotel,
        personas["soc.handlaggare"],
        role=EncounterRole.EXPLOITED,
        age_band=AgeBand.ADULT,
    )


@pytest.fixture
def child(shift: Shift, hotel: Venue, personas: dict[str, User]) -> Encounter:
    """A child in prostitution (files its own child-concern report)."""
    return record_encounter(
        shift,
        hotel,
        personas["polis.inre"],
        role=EncounterRole.EXPLOITED,
        age_band=AgeBand.UNDER_18,
    )


@pytest.fixture
def buyer(shift: Shift, hotel: Venue, personas: dict[str, User]) -> Encounter:
    return record_encounter(
        shift, hotel, personas["polis.inre"], role=EncounterRole.BUYER, age_band=AgeBand.ADULT
    )


def make_report(
    user: User,
    offence: Offence,
    *,
    case_number: str = "K100001-26",
    committed_at: dt.datetime | None = None,
    shift: Shift | None = None,
    venue: Venue | None = None,
    **extra: str,
) -> CrimeReport:
    return actions.do_create_crime_report(
        collaboration=Collaboration.objects.get(code="stockholm"),
        case_number=case_number,
        offence=offence,
        committed_at=committed_at or timezone.now() - dt.timedelta(hours=1),
        shift=shift,
        venue=venue,
        narrative=SECRET_NARRATIVE,
        acting_user=user,
        **extra,
    )


@pytest.fixture
def report(
    personas: dict[str, User], offences: dict[str, Offence], shift: Shift, hotel: Venue
) -> CrimeReport:
    """A report of purchase of a sexual service (BrB 6:11) on the shift."""
    return make_report(personas["polis.inre"], offences["brb-6-11"], shift=shift, venue=hotel)


@pytest.fixture
def suspect(personas: dict[str, User], report: CrimeReport) -> Suspect:
    born = born_years_before(report.committed_at, 45)
    return actions.do_add_suspect(
        report,
        name=SUSPECT_NAME,
        personnummer=personnummer(born),
        role="buyer",
        acting_user=personas["polis.inre"],
    )
