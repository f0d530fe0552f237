"""The week's heat table: encounters and tips by hour of the week, counts only, filters by a form."""

from __future__ import annotations

import pytest
from django.test import Client

from samverkan.accounts.models import User
from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.conftest import login_verified
from samverkan.operations.models import Venue
from samverkan.planning.tests.test_map import world  # noqa: F401

pytestmark = pytest.mark.django_db
URL = "/planering/monster/"


def test_the_heat_table_counts_encounters_by_hour_of_the_week(personas: dict[str, User], world: Venue) -> None:  # noqa: F811
    client = login_verified(Client(), personas["polis.samordnare"])
    response = client.get(URL)
    assert response.status_code == 200
    tables = response.context["tables"]
    encounters = tables[0]
    assert encounters["total"] == 3
    cells = [value for day, row in encounters["days"] for value, _shade in row]
    assert sum(cells) == 3 and len(cells) == 7 * 24
    assert tables[1]["total"] == 2  # the tips, counted, never shown
    body = response.content.decode()
    assert "Hemligt innehåll" not in body and "Källans Namn" not in body
    assert AuditEvent.objects.filter(action=AuditAction.LIST, detail__startswith="patterns:").exists()
    assert client.get(URL, {"start": "2020-01-01", "end": "2020-02-01"}).context["tables"][0]["total"] == 0
    assert client.get(URL, {"kind": "casino"}).status_code == 400
    assert client.get(URL, {"end": "x"}).status_code == 400
    assert client.get(URL, {"kind": "street"}).context["tables"][0]["total"] == 0


def test_a_social_worker_sees_encounters_only(personas: dict[str, User], world: Venue) -> None:  # noqa: F811
    response = login_verified(Client(), personas["soc.handlaggare"]).get(URL)
    assert [t["total"] for t in response.context["tables"]] == [3]
    assert login_verified(Client(), personas["soc.chef"]).get(URL).status_code == 404
