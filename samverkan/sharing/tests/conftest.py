"""A Stockholm shift with encounters, clients and crime reports made through the real actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, cast

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from samverkan.accounts.models import Collaboration, User
from samverkan.investigations import actions as police
from samverkan.investigations.models import CrimeReport, Suspect
from samverkan.legal.models import LegalBasis, Offence
from samverkan.legal.reference import seed_legal_bases, seed_offences
from samverkan.operations import actions as ops
from samverkan.operations.models import Encounter, Shift, Venue
from samverkan.support import actions as social
from samverkan.support.models import Client, Consent
from samverkan.support.reference import seed_support_units
from samverkan.tests.common import _english as _english
from samverkan.tests.common import login as login
from samverkan.tests.common import personnummer as personnummer
from samverkan.tests.common import record_encounter, started_shift
from samverkan.tests.common import years_ago as years_ago

Login = Callable[[User], HttpClient]

SECRET_NARRATIVE = "Narrative marker: paid 1500 kronor in room 12"
SECRET_CONTACT = "Contact marker: 070-000 00 00"


@pytest.fixture
def reference(personas: dict[str, User]) -> None:
    # Seeded by the migrations; again here in case a transactional test flushed the database.
    seed_offences()
    seed_support_units()
    seed_legal_bases()


@pytest.fixture
def bases(reference: None) -> dict[str, LegalBasis]:
    return {b.code: b for b in LegalBasis.objects.all()}


@pytest.fixture
def offences(reference: None) -> dict[str, Offence]:
    return {o.key: o for o in Offence.objects.all()}


@pytest.fixture
def officer(personas: dict[str, User]) -> User:
    return personas["polis.inre"]


@pytest.fixture
def worker(personas: dict[str, User]) -> User:
    return personas["soc.handlaggare"]


@pytest.fixture
def stockholm(personas: dict[str, User]) -> Collaboration:
    return Collaboration.objects.get(code="stockholm")


@pytest.fixture
def venue(officer: User, stockholm: Collaboration) -> Venue:
    venue, _ = ops.do_find_or_create_venue(
        collaboration=stockholm,
        kind="hotel",
        name="Hotell Provet",
        address="Provgatan 1",
        acting_user=officer,
    )
    return venue


@pytest.fixture
def shift(
    officer: User, worker: User, stockholm: Collaboration, venue: Venue, reference: None
) -> Shift:
    return started_shift(stockholm, venue, planner=officer, staff=[officer, worker], hours_ago=3)


EncounterFactory = Callable[..., Encounter]


@pytest.fixture
def encounter(shift: Shift, venue: Venue, officer: User) -> EncounterFactory:
    """``encounter(role="exploited", age_band="adult")`` → a new encounter on the shift."""

    def make(role: str = "exploited", age_band: str = "adult", minutes_ago: int = 60) -> Encounter:
        return record_encounter(
            shift, venue, officer, role=role, age_band=age_band, minutes_ago=minutes_ago
        )

    return make


ClientFactory = Callable[..., Client]


@pytest.fixture
def make_client(worker: User, reference: None) -> ClientFactory:
    """``make_client("Rosa", age=25, encounter=e, consent=True)`` → a Stockholm client."""

    def make(
        pseudonym: str = "Rosa",
        *,
        age: int | None = 25,
        serial: str = "123",
        encounter: Encounter | None = None,
        consent: bool = False,
    ) -> Client:
        birth = years_ago(age) if age is not None else None
        client, created = social.do_create_client(
            pseudonym=pseudonym,
            identifier_kind="personnummer" if birth else "none",
            identifier_value=personnummer(birth, serial) if birth else "",
            stated_age=None,
            language="rumänska",
            contact=SECRET_CONTACT,
            protected_identity=False,
            acting_user=worker,
        )
        assert created
        if encounter is not None:
            social.do_link_encounter(client, encounter=encounter, acting_user=worker)
        if consent:
            give_consent(client, worker)
        return client

    return make


def give_consent(client: Client, worker: User) -> Consent:
    return social.do_record_consent(
        client,
        scope="share_with_police",
        given_by="client",
        # Yesterday: a disclosure the tests date an hour back must find the consent in force
        # then too, also in the hour after midnight.
        given_on=timezone.localdate() - dt.timedelta(days=1),
        acting_user=worker,
    )


ReportFactory = Callable[..., CrimeReport]


@pytest.fixture
def make_report(
    officer: User,
    stockholm: Collaboration,
    shift: Shift,
    venue: Venue,
    offences: dict[str, Offence],
) -> ReportFactory:
    counter = iter(range(100001, 199999))

    def make(offence: str = "brb-6-11", **extra: str) -> CrimeReport:
        return police.do_create_crime_report(
            collaboration=stockholm,
            case_number=f"K{next(counter)}-26",
            offence=offences[offence],
            committed_at=timezone.now() - dt.timedelta(hours=1),
            shift=shift,
            venue=venue,
            narrative=SECRET_NARRATIVE,
            acting_user=officer,
            **extra,
        )

    return make


def add_suspect(
    report: CrimeReport, officer: User, *, encounter: Encounter | None = None, age: int = 45
) -> Suspect:
    born = timezone.localdate(report.committed_at).replace(
        year=timezone.localdate().year - age
    ) - dt.timedelta(days=40)
    return police.do_add_suspect(
        report,
        name="Sven Suspektsson",
        personnummer=personnummer(born, "456"),
        role="buyer",
        encounter=encounter,
        acting_user=officer,
    )


def give_purpose(http: HttpClient, record_type: str, pk: int, purpose: str = "Utredning") -> None:
    """State why a secret record is read (remembered in the session for an hour)."""
    response = http.post(
        reverse("sharing:purpose"), {"record_type": record_type, "record": pk, "purpose": purpose}
    )
    assert response.status_code == 302, response.content.decode()[:500]


class Scene:
    """The people, reference data and makers most sharing tests use, as one fixture.

    ``scene.officer`` (polis.inre), ``scene.worker`` (soc.handlaggare), ``scene.utredare`` and
    ``scene.analytiker`` (two more police users of the region); ``scene.bases`` and
    ``scene.offences`` by key; ``scene.encounter(...)``, ``scene.make_client(...)`` and
    ``scene.make_report(...)`` as the fixtures of those names. Each is the fixture itself,
    made when first used, so a test makes no more than it reads.
    """

    def __init__(self, request: pytest.FixtureRequest) -> None:
        self._request = request

    def _fixture(self, name: str) -> Any:
        return self._request.getfixturevalue(name)

    @property
    def officer(self) -> User:
        return cast(User, self._fixture("officer"))

    @property
    def worker(self) -> User:
        return cast(User, self._fixture("worker"))

    @property
    def utredare(self) -> User:
        return cast(User, self._fixture("personas")["polis.utredare"])

    @property
    def analytiker(self) -> User:
        return cast(User, self._fixture("personas")["polis.analytiker"])

    @property
    def bases(self) -> dict[str, LegalBasis]:
        return cast(dict[str, LegalBasis], self._fixture("bases"))

    @property
    def offences(self) -> dict[str, Offence]:
        return cast(dict[str, Offence], self._fixture("offences"))

    @property
    def shift(self) -> Shift:
        return cast(Shift, self._fixture("shift"))

    @property
    def encounter(self) -> EncounterFactory:
        return cast(EncounterFactory, self._fixture("encounter"))

    @property
    def make_client(self) -> ClientFactory:
        return cast(ClientFactory, self._fixture("make_client"))

    @property
    def make_report(self) -> ReportFactory:
        return cast(ReportFactory, self._fixture("make_report"))


@pytest.fixture
def scene(request: pytest.FixtureRequest) -> Scene:
    return Scene(request)
