"""Fixtures for the support app: a running joint shift, encounters, clients, disclosures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from unittest.mock import patch

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from samverkan.accounts.models import Area, Collaboration, User
from samverkan.accounts.policy import (
    RecordType,
)
from samverkan.operations.actions import (
    do_add_participant,
    do_create_shift,
    do_find_or_create_venue,
    do_record_encounter,
    do_start_shift,
)
from samverkan.operations.models import Encounter, Shift, Venue
from samverkan.support.actions import do_create_client
from samverkan.support.models import Client
from samverkan.support.reference import seed_support_units
from samverkan.tests.common import _english as _english
from samverkan.tests.common import login as login
from samverkan.tests.common import personnummer as personnummer
from samverkan.tests.common import years_ago as years_ago

Login = Callable[[User], HttpClient]

# Every persona who is not a social worker: none of them handles clients or child-concern
# reports, of any agency.
NOT_SOCIAL_WORKERS = (
    "polis.inre",
    "polis.utredare",
    "polis.analytiker",
    "polis.samordnare",
    "polis.chef",
    "polis.granskare",
    "polis.admin",
    "soc.samordnare",
    "soc.chef",
    "soc.granskare",
    "soc.admin",
    "vast.polis",
)


@pytest.fixture
def units(personas: dict[str, User]) -> None:
    # Seeded by the migration; again here in case a transactional test flushed the database
    # (after the personas, whose agencies own some of the units).
    seed_support_units()


@pytest.fixture
def worker(personas: dict[str, User]) -> User:
    return personas["soc.handlaggare"]


@pytest.fixture
def social(worker: User, login: Login) -> HttpClient:
    return login(worker)


@pytest.fixture
def stockholm(db: None) -> Collaboration:
    return Collaboration.objects.get(code="stockholm")


@pytest.fixture
def venue(personas: dict[str, User], stockholm: Collaboration) -> Venue:
    venue, _created = do_find_or_create_venue(
        collaboration=stockholm,
        kind="hotel",
        name="Hotell Provet",
        address="Testgatan 1",
        acting_user=personas["polis.inre"],
    )
    return venue


@pytest.fixture
def shift(personas: dict[str, User], stockholm: Collaboration) -> Shift:
    """An ongoing joint shift in Farsta with an officer and the social worker."""
    officer = personas["polis.inre"]
    now = timezone.now()
    shift = do_create_shift(
        collaboration=stockholm,
        area=Area.objects.get(code="lpo-farsta"),
        starts_at=now - dt.timedelta(hours=2),
        ends_at=now + dt.timedelta(hours=2),
        basis="outreach",
        acting_user=officer,
    )
    do_add_participant(shift, user=officer, acting_user=officer)
    do_add_participant(shift, user=personas["soc.handlaggare"], acting_user=officer)
    return do_start_shift(shift, acting_user=officer)


EncounterFactory = Callable[..., Encounter]


@pytest.fixture
def encounter(personas: dict[str, User], shift: Shift, venue: Venue) -> EncounterFactory:
    """``encounter(age_band="under_18", role="exploited")`` → a new encounter on the shift."""

    def make(
        age_band: str = "under_18", role: str = "exploited", occurred_at: dt.datetime | None = None
    ) -> Encounter:
        found, _created = do_record_encounter(
            shift,
            role=role,
            age_band=age_band,
            venue=venue,
            acting_user=personas["polis.inre"],
            occurred_at=occurred_at,
        )
        return found

    return make


ClientFactory = Callable[..., Client]


@pytest.fixture
def make_client(worker: User, units: None) -> ClientFactory:
    """``make_client("Rosa", birth=date, protected=False, stated_age=None)`` → a Stockholm client."""

    def make(
        pseudonym: str = "Rosa",
        *,
        birth: dt.date | None = None,
        serial: int = 123,
        protected: bool = False,
        stated_age: int | None = None,
        user: User | None = None,
    ) -> Client:
        client, created = do_create_client(
            pseudonym=pseudonym,
            identifier_kind="personnummer" if birth else "none",
            identifier_value=personnummer(birth, serial) if birth else "",
            stated_age=stated_age,
            language="svenska",
            contact="Nås via mottagningen",
            protected_identity=protected,
            acting_user=user or worker,
        )
        assert created
        return client

    return make


@contextmanager
def disclosed(grants: dict[RecordType, dict[int, frozenset[str]]]) -> Iterator[None]:
    """The gate grants ``grants`` to every police user, for the ``with`` block."""

    def provider(user: User, record: RecordType) -> dict[int, frozenset[str]]:
        agency = user.agency
        if agency is None or not agency.is_police:
            return {}
        return grants.get(record, {})

    with patch("samverkan.sharing.gate.grants", provider):
        yield
