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


def test_trends_yield_recurring_and_unvisited_venues(personas: dict[str, User], world: Venue) -> None:  # noqa: F811
    from samverkan.operations import actions
    from samverkan.operations.models import Shift

    officer = personas["polis.inre"]
    client = login_verified(Client(), personas["polis.samordnare"])
    # The tip linked to the venue came in after the last encounter there: not visited since.
    assert [row.name for row in client.get(URL).context["unvisited"]] == ["Hotell Kartan"]
    shift = Shift.objects.get(planned_venues=world)
    actions.do_record_encounter(shift, role="exploited", age_band="under_18", venue=world, acting_user=officer)
    actions.do_record_encounter(shift, role="exploited", age_band="adult", venue=world, acting_user=officer)
    actions.do_record_encounter(shift, role="exploited", age_band="uncertain", venue=world, acting_user=officer)
    actions.do_complete_shift(shift, acting_user=officer)
    context = client.get(URL).context
    assert sum(m.encounters for m in context["months"]) == 6
    assert sum(m.persons for m in context["months"]) == 3 and sum(m.minors for m in context["months"]) == 2
    assert sum(m.tips or 0 for m in context["months"]) == 2
    *areas, total = context["yield_rows"]
    assert [a.area for a in areas] == ["LPO Farsta"] or len(areas) == 1
    assert (total.shifts, total.persons, total.minors) == (1, 3, 2)
    # A coordinator may not count suspects: the buyers are those met on the shift.
    assert context["buyers_reported"] is False and total.buyers == 3
    assert total.persons_per_hour == round(3 / total.hours, 2)
    assert context["recurring"] == []  # one shift only
    assert context["unvisited"] == []  # encounters there since the tip
    body = client.get(URL).content.decode()
    assert "Hemligt innehåll" not in body and "Källans Namn" not in body


def test_the_social_worker_sees_no_tips_in_the_trends(personas: dict[str, User], world: Venue) -> None:  # noqa: F811
    context = login_verified(Client(), personas["soc.handlaggare"]).get(URL).context
    assert all(m.tips is None for m in context["months"])
    assert context["unvisited"] == []
