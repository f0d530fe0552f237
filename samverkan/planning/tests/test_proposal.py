"""The proposed plan: who may plan, the proposal read by a form, accepted as changed in one step."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from samverkan.accounts.models import User
from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.conftest import login_verified
from samverkan.operations.models import Shift, ShiftStatus, Venue
from samverkan.planning.forms import next_monday
from samverkan.planning.tests.test_map import world  # noqa: F401

pytestmark = pytest.mark.django_db
URL = "/planering/forslag/"


def _management(prefix: str, total: int) -> dict[str, str]:
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(total), f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "14"}


def test_a_coordinator_changes_the_proposal_and_plans_it(personas: dict[str, User], world: Venue) -> None:  # noqa: F811
    client = login_verified(Client(), personas["polis.samordnare"])
    week = next_monday()
    query = {"week": week.isoformat(), "shifts": "2", "hours": "4"}
    response = client.get(URL, query)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert len(rows) == 2
    body = response.content.decode()
    assert "Hemligt innehåll" not in body and "Källans Namn" not in body
    # The venue with the tip is proposed, with the tip among the reasons.
    assert any(world.pk in form.initial["venues"] for form, _r in rows)
    assert any("Hotell Kartan" in line for _f, lines in rows for line in lines)
    assert AuditEvent.objects.filter(action=AuditAction.LIST, detail__startswith="plan:").exists()
    # The same data gives the same proposal.
    again = client.get(URL, query).context["rows"]
    assert [f.initial for f, _r in again] == [f.initial for f, _r in rows]
    # Accept it changed: the shift at the tipped venue moved to 18:00 for 3 hours, the other left out.
    chosen = next(i for i, (form, _r) in enumerate(rows) if world.pk in form.initial["venues"])
    data: dict[str, str | list[str]] = {**_management("form", 2)}
    for i, (form, _r) in enumerate(rows):
        initial = form.initial
        data |= {
            f"form-{i}-area": str(initial["area"].pk), f"form-{i}-day": initial["day"].isoformat(),
            f"form-{i}-start": initial["start"].strftime("%H:%M"), f"form-{i}-hours": str(initial["hours"]),
        }
        if i == chosen:
            data |= {f"form-{i}-include": "on", f"form-{i}-start": "18:00", f"form-{i}-hours": "3"}
            data[f"form-{i}-venues"] = [str(world.pk)]
    before = Shift.objects.count()
    response = client.post(f"{URL}?week={week}&shifts=2&hours=4", data)
    assert response.status_code == 302 and "/kalender/" in response["Location"]
    assert Shift.objects.count() == before + 1
    shift = Shift.objects.latest("pk")
    local = timezone.localtime(shift.starts_at)
    assert (local.hour, local.minute) == (18, 0) and shift.ends_at - shift.starts_at == dt.timedelta(hours=3)
    assert shift.status == ShiftStatus.PLANNED and list(shift.planned_venues.all()) == [world]
    assert "Hotell Kartan" in shift.briefing
    calendar = client.get(response["Location"])
    assert f"/pass/{shift.pk}/" in calendar.content.decode() or str(shift.pk) in calendar.content.decode()


def test_bad_parameters_answer_400(personas: dict[str, User], world: Venue) -> None:  # noqa: F811
    client = login_verified(Client(), personas["polis.samordnare"])
    assert client.get(URL, {"week": "x", "shifts": "2", "hours": "4"}).status_code == 400
    assert client.get(URL, {"week": "2027-01-04", "shifts": "99", "hours": "4"}).status_code == 400
    assert client.get(URL, {"week": "2027-01-04", "shifts": "2", "hours": "0"}).status_code == 400
    bad = _management("form", 1) | {"form-0-include": "on", "form-0-area": "999999", "form-0-day": "2027-01-05", "form-0-start": "25:00", "form-0-hours": "4"}
    before = Shift.objects.count()
    assert client.post(f"{URL}?week=2027-01-04&shifts=1&hours=4", bad).status_code == 400
    assert Shift.objects.count() == before


@pytest.mark.parametrize("who, status", [
    ("polis.inre", 404), ("soc.handlaggare", 404), ("soc.chef", 404), ("polis.analytiker", 200),
])
def test_who_may_plan(personas: dict[str, User], world: Venue, who: str, status: int) -> None:  # noqa: F811
    client = login_verified(Client(), personas[who])
    assert client.get(URL).status_code == status
    if status == 404:
        assert client.post(URL, _management("form", 0)).status_code == 404
