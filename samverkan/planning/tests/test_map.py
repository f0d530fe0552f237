"""The map's page and its data endpoint: filters read by a form, points only of what the user may see,
encounters as counts, every fetch audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from samverkan.accounts.models import Area, Collaboration, User
from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.conftest import login_verified
from samverkan.intel import actions as intel
from samverkan.operations import actions
from samverkan.operations.models import Venue

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]
URL = "/planering/karta/punkter.json"


@pytest.fixture
def login() -> Login:
    return lambda user: login_verified(Client(), user)


@pytest.fixture
def world(personas: dict[str, User]) -> Venue:
    stockholm = Collaboration.objects.get(code="stockholm")
    officer, worker = personas["polis.inre"], personas["soc.handlaggare"]
    farsta = Area.objects.get(code="lpo-farsta")
    venue, _ = actions.do_find_or_create_venue(
        collaboration=stockholm, kind="hotel", name="Hotell Kartan", address="Kartvägen 1, Stockholm", area=farsta, acting_user=officer,
    )
    start = timezone.now() - dt.timedelta(hours=2)
    shift = actions.do_create_shift(
        collaboration=stockholm, area=farsta, starts_at=start, ends_at=start + dt.timedelta(hours=5), basis="outreach",
        planned_venues=[venue], participants=[officer, worker], acting_user=personas["polis.samordnare"],
    )
    actions.do_start_shift(shift, acting_user=officer)
    for person in (officer, worker):
        actions.do_check_in(shift, acting_user=person)
    for _ in range(3):
        actions.do_record_encounter(shift, role="buyer", age_band="adult", venue=venue, acting_user=officer)
    intel.do_submit_tip(
        collaboration=stockholm, what="Hemligt innehåll om hotellet", where="Hotell Kartan", source_type="public",
        source_name="Källans Namn", acting_user=officer,
    )
    tip = intel.do_submit_tip(collaboration=stockholm, what="Ett till", source_type="staff", acting_user=officer)
    intel.do_assess_tip(tip, relevance="high", urgency="soon", assessment="", acting_user=personas["polis.analytiker"])
    intel.do_link_tip(tip, venue=venue, acting_user=personas["polis.analytiker"])
    return venue


def test_a_coordinator_gets_venues_encounter_counts_and_tips(personas: dict[str, User], login: Login, world: Venue) -> None:
    client = login(personas["polis.samordnare"])
    page = client.get("/planering/karta/")
    assert page.status_code == 200 and 'id="map"' in page.content.decode()
    response = client.get(URL)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    data = response.json()
    layers = {p["layer"] for p in data["points"]}
    assert {"venues", "encounters", "tips"} <= layers
    encounters = [p for p in data["points"] if p["layer"] == "encounters"]
    assert encounters == [{**encounters[0], "count": 3, "label": "Hotell Kartan"}]
    # Counts and labels only: never a person, never a tip's text or source.
    body = response.content.decode()
    for secret in ("Hemligt innehåll", "Källans Namn", "buyer"):
        assert secret not in body
    assert set(encounters[0]) == {"layer", "lat", "lon", "label", "count", "url", "approximate"}
    event = AuditEvent.objects.filter(action=AuditAction.LIST, detail__startswith="map:").latest("seq")
    assert event.user_id == personas["polis.samordnare"].pk and "points=" in event.detail


def test_the_filters_are_read_by_a_form(personas: dict[str, User], login: Login, world: Venue) -> None:
    client = login(personas["polis.samordnare"])
    for bad in ({"start": "igår"}, {"layers": "satellite"}, {"area": "x"}, {"kind": "casino"},
                {"start": "2026-02-01", "end": "2026-01-01"}, {"start": "2001-01-01", "end": "2026-01-01"}):
        assert client.get(URL, bad).status_code == 400, bad
        assert client.get("/planering/karta/", bad).status_code == 400, bad
    only_venues = client.get(URL, {"layers": "venues", "kind": "hotel", "area": str(world.area_id)}).json()
    assert {p["layer"] for p in only_venues["points"]} == {"venues"}
    assert client.get(URL, {"kind": "street"}).json()["counts"].get("venues", 0) == 0
    past = client.get(URL, {"start": "2020-01-01", "end": "2020-12-31", "layers": ["encounters", "tips"]}).json()
    assert past["points"] == []


def test_a_social_worker_sees_no_tips_and_a_manager_no_map(personas: dict[str, User], login: Login, world: Venue) -> None:
    data = login(personas["soc.handlaggare"]).get(URL).json()
    assert "tips" not in {p["layer"] for p in data["points"]} and "networks" not in {p["layer"] for p in data["points"]}
    assert login(personas["soc.chef"]).get(URL).status_code == 404
    other = login(personas["vast.polis"]).get(URL).json()
    assert "Hotell Kartan" not in str(other)


def test_without_a_tile_server_the_csp_allows_no_other_images() -> None:
    from django.conf import settings as django_settings

    assert django_settings.SAMVERKAN_MAP_TILES == ""
    assert django_settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"] == ["'self'", "data:"]
