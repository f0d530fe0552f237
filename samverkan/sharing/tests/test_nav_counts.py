"""The main menu's counter of disclosures: requests to decide, answers to accept, per persona."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from samverkan.accounts.models import User
from samverkan.legal.models import LegalBasis
from samverkan.sharing.actions import (
    do_accept_disclosure,
    do_decide_disclosure,
    do_request_disclosure,
)
from samverkan.sharing.panels import nav_counts
from samverkan.tests.common import Login, menu_entry

from .conftest import ClientFactory, EncounterFactory

pytestmark = pytest.mark.django_db

INBOX = reverse("sharing:inbox")
START = reverse("web:start")


def test_requests_and_answers_are_counted_for_who_acts_on_them(
    personas: dict[str, User],
    officer: User,
    worker: User,
    encounter: EncounterFactory,
    make_client: ClientFactory,
    bases: dict[str, LegalBasis],
    login: Login,
) -> None:
    met = encounter()
    client = make_client(encounter=met, consent=True)
    assert worker.agency is not None
    d = do_request_disclosure(
        owning_agency=worker.agency,
        record_type="client",
        fields=["pseudonym"],
        purpose="Förhör med målsägande",
        encounter=met,
        acting_user=officer,
    )
    # The request waits for social services' decision: every social worker of the agency may decide.
    page = login(worker).get(START).content.decode()
    assert menu_entry(page, INBOX) == "Disclosures, 1 to decide"
    inbox = login(worker).get(INBOX).content.decode()
    assert menu_entry(inbox, INBOX) == "Disclosures, 1 to decide"
    # Nothing waits for the requester yet; nobody of another agency or a manager is counted.
    assert menu_entry(login(officer).get(START).content.decode(), INBOX) == "Disclosures"
    for username in (
        "gbg.handlaggare",
        "vast.polis",
        "soc.chef",
        "polis.chef",
        "soc.samordnare",
        "soc.granskare",
    ):
        assert nav_counts(personas[username]) == [], username
        html = login(personas[username]).get(START).content.decode()
        assert not re.search(r"\d+ (to decide|answers? to accept)<", html), username

    do_decide_disclosure(
        d,
        approve=True,
        record_id=client.pk,
        legal_basis=bases["osl-12-2"],
        fields=["pseudonym"],
        assessment="Samtycke finns.",
        acting_user=worker,
    )
    # Decided: gone from social services' menu; the answer waits for the officer who asked.
    assert menu_entry(login(worker).get(START).content.decode(), INBOX) == "Disclosures"
    assert (
        menu_entry(login(officer).get(START).content.decode(), INBOX)
        == "Disclosures, 1 answer to accept"
    )
    # Not for a colleague who did not ask.
    assert nav_counts(personas["polis.utredare"]) == []

    do_accept_disclosure(d, acting_user=officer)
    assert nav_counts(officer) == []
    assert menu_entry(login(officer).get(START).content.decode(), INBOX) == "Disclosures"


def test_the_counter_is_one_query(
    worker: User, officer: User, encounter: EncounterFactory, bases: dict[str, LegalBasis]
) -> None:
    assert worker.agency is not None
    for _ in range(3):
        do_request_disclosure(
            owning_agency=worker.agency,
            record_type="client",
            fields=["pseudonym"],
            purpose="Förhör med målsägande",
            encounter=encounter(),
            acting_user=officer,
        )
    with CaptureQueriesContext(connection) as captured:
        counts = nav_counts(worker)
    assert [(c.count, c.text) for c in counts] == [(3, "3 to decide")]
    assert len(captured) == 1
