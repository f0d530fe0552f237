"""Coordinators see what they plan from: tips and networks as a summary, never a tip's source (policy Scope.SUMMARY)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from samverkan.accounts.models import Area, Collaboration, User
from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.intel import actions
from samverkan.intel.models import Network, Tip, TipStatus
from samverkan.operations.models import Shift, ShiftBasis, ShiftStatus

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]


@pytest.fixture
def tip_with_source(personas: dict[str, User], stockholm: Collaboration) -> int:
    tip = actions.do_submit_tip(
        collaboration=stockholm, what="Kvinnor tas emot på Hotell Norr varje kväll", where="Hotell Norr", city="Stockholm",
        source_type="public", source_name="Källans Namn", source_contact="070-000 00 00", source_relation="Granne",
        acting_user=personas["polis.inre"],
    )
    actions.do_assess_tip(tip, relevance="high", urgency="soon", assessment="Analytikerns bedömning", acting_user=personas["polis.analytiker"])
    return tip.pk


@pytest.mark.parametrize("coordinator", ["polis.samordnare", "soc.samordnare"])
def test_a_coordinator_reads_a_tip_as_a_summary(personas: dict[str, User], login: Login, tip_with_source: int, coordinator: str) -> None:
    client = login(personas[coordinator])
    listing = client.get("/underrattelser/tips/").content.decode()
    assert "Kvinnor tas emot på Hotell Norr" in listing
    page = client.get(f"/underrattelser/tips/{tip_with_source}/")
    body = page.content.decode()
    assert page.status_code == 200 and 'id="tip-summary"' in body
    assert "Hotell Norr" in body and "Stockholm" in body
    for secret in ("Källans Namn", "070-000 00 00", "Granne", "Analytikerns bedömning", personas["polis.inre"].display_name):
        assert secret not in body
    # The source's page and the analysts' actions stay closed (404, audited as denied).
    assert client.get(f"/underrattelser/tips/{tip_with_source}/kalla/").status_code == 404
    assert AuditEvent.objects.filter(user_id=personas[coordinator].pk, action=AuditAction.DENIED).exists()


def test_a_coordinator_reads_a_network_as_a_summary(personas: dict[str, User], login: Login, network: Network) -> None:
    client = login(personas["polis.samordnare"])
    assert "N-1" in client.get("/underrattelser/natverk/").content.decode()
    page = client.get("/underrattelser/natverk/N-1/")
    body = page.content.decode()
    assert page.status_code == 200 and 'id="network-summary"' in body
    assert "Hotellgatan 1" in body  # where it is, for planning
    assert "+46701234567" not in body and "Anna" not in body and "ad-1" not in body
    for url in ("graf/", "graf.json", "export/graphml/"):
        assert client.get(f"/underrattelser/natverk/N-1/{url}").status_code == 404, url
    assert client.get("/underrattelser/natverk/granskning/").status_code == 404
    # Planning from it works.
    assert client.get("/underrattelser/natverk/N-1/pass/").status_code == 200


def test_other_roles_keep_their_reach(personas: dict[str, User], login: Login, tip_with_source: int) -> None:
    assert login(personas["soc.handlaggare"]).get(f"/underrattelser/tips/{tip_with_source}/").status_code == 404
    analyst = login(personas["polis.analytiker"]).get(f"/underrattelser/tips/{tip_with_source}/").content.decode()
    assert "Analytikerns bedömning" in analyst and 'id="tip-summary"' not in analyst


@pytest.mark.parametrize("coordinator", ["polis.samordnare", "soc.samordnare"])
def test_a_coordinator_plans_a_shift_from_an_assessed_tip(
    personas: dict[str, User], login: Login, tip_with_source: int, coordinator: str
) -> None:
    """The summary offers "plan a shift"; the shift is linked back to the tip, and the form shows nothing more of it."""
    client = login(personas[coordinator])
    summary = client.get(f"/underrattelser/tips/{tip_with_source}/").content.decode()
    assert f'href="/underrattelser/tips/{tip_with_source}/pass/"' in summary
    form = client.get(f"/underrattelser/tips/{tip_with_source}/pass/")
    assert form.status_code == 200
    for secret in ("Källans Namn", "070-000 00 00", "Analytikerns bedömning"):
        assert secret not in form.content.decode()
    area = Area.objects.get(code="lpo-sodermalm-2025")
    start = timezone.localtime() + dt.timedelta(days=2)
    data = {"area": area.pk, "starts_at": f"{start:%Y-%m-%dT%H:%M}", "ends_at": f"{start + dt.timedelta(hours=4):%Y-%m-%dT%H:%M}"}
    # Ends before it starts: a clear message, nothing written.
    refused = client.post(f"/underrattelser/tips/{tip_with_source}/pass/", {**data, "ends_at": data["starts_at"]})
    assert refused.status_code == 400 and not Shift.objects.exists()
    response = client.post(f"/underrattelser/tips/{tip_with_source}/pass/", data)
    shift = Shift.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/pass/{shift.pk}/"
    assert (shift.basis, shift.status, shift.created_by) == (ShiftBasis.TIP, ShiftStatus.PLANNED, personas[coordinator])
    tip = Tip.objects.get(pk=tip_with_source)
    assert (tip.shift, tip.status) == (shift, TipStatus.LINKED)
    assert AuditEvent.objects.filter(
        user_id=personas[coordinator].pk, action=AuditAction.UPDATE, record_type="tip", record_id=str(tip.pk),
        detail=f"planned shift {shift.pk}",
    ).exists()


def test_a_coordinator_cannot_plan_from_a_tip_nobody_assessed(personas: dict[str, User], login: Login, stockholm: Collaboration) -> None:
    tip = actions.do_submit_tip(collaboration=stockholm, what="Nytt tips", source_type="staff", acting_user=personas["polis.inre"])
    client = login(personas["polis.samordnare"])
    assert f"/underrattelser/tips/{tip.pk}/pass/" not in client.get(f"/underrattelser/tips/{tip.pk}/").content.decode()
    area = Area.objects.get(code="lpo-sodermalm-2025")
    start = timezone.localtime() + dt.timedelta(days=2)
    response = client.post(f"/underrattelser/tips/{tip.pk}/pass/", {
        "area": area.pk, "starts_at": f"{start:%Y-%m-%dT%H:%M}", "ends_at": f"{start + dt.timedelta(hours=4):%Y-%m-%dT%H:%M}",
    })
    assert response.status_code == 400
    assert not Shift.objects.exists()
    assert Tip.objects.get(pk=tip.pk).status == TipStatus.NEW


def test_other_roles_still_cannot_plan_from_a_tip(personas: dict[str, User], login: Login, tip_with_source: int) -> None:
    """Those who may not read tips get the not-found page, as before."""
    for name in ("soc.handlaggare", "polis.inre", "polis.chef", "polis.granskare"):
        assert login(personas[name]).get(f"/underrattelser/tips/{tip_with_source}/pass/").status_code == 404, name
