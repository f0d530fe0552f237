"""On the demo, places are one picture: one spelling per city, indicators that signal, venues found again (issue 16)."""

from __future__ import annotations

from collections import Counter

import pytest
from django.test import Client

from samverkan.accounts.models import User
from samverkan.conftest import login_verified
from samverkan.demo.intel import ANALYST

# The module-scoped demo of the other module; pytest builds it again for this one.
from samverkan.demo.tests.test_demo_data import demo_db  # noqa: F401
from samverkan.intel.models import Indicator, IndicatorKind, IntelItem, Network, NetworkStatus
from samverkan.intel.places import network_cities, network_places
from samverkan.lib.places import normalise_city

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_db")]


def the_issues_network() -> Network:
    """The network the issue names N75: its ads spell Stockholm four ways and Solna two, and
    name Sundbyberg. Found by what it holds, as the linkage numbers networks in the order it
    meets them, which need not be the same on SQLite and PostgreSQL (N75 where it is one)."""
    wanted = {"Stockholm", "STOCKHOLM", "Sthlm", "stockholm", "Solna", "SOLNA", "Sundbyberg"}
    found = [
        network
        for network in Network.objects.filter(status=NetworkStatus.ACTIVE).order_by("pk")
        if wanted <= set(
            IntelItem.objects.filter(membership__network=network).values_list("city", flat=True)
        )
    ]
    assert found, "no network of the demo spells its cities as the issue's N75 does"
    return next((n for n in found if n.key == "N75"), found[0])


def test_no_network_shows_two_spellings_of_one_city() -> None:
    for network in Network.objects.filter(status=NetworkStatus.ACTIVE):
        shown = [city for city, _n in network_cities(network)]
        assert len({normalise_city(c) for c in shown}) == len(shown), (network.key, shown)
        assert network.city_count == len(shown), network.key
        for indicator in network.indicators.filter(kind=IndicatorKind.CITY_ROTATION):
            route = {step["city"] for step in indicator.evidence["route"]}
            assert len({normalise_city(c) for c in route}) == len(route), (network.key, route)
    # N75 names Stockholm in four spellings and Solna in two (the issue): its page shows each once.
    n75 = the_issues_network()
    client = login_verified(Client(), User.objects.get(username=ANALYST))
    page = client.get(f"/underrattelser/natverk/{n75.key}/").content.decode()
    cities = page.split('id="network-city-names">', 1)[1].split("</span>", 1)[0]
    assert "Stockholm" in cities and "Sthlm" not in cities and "STOCKHOLM" not in cities and "SOLNA" not in cities
    assert "Sthlm" not in page and "STOCKHOLM" not in page
    # One address is one place, whatever city the ads name with it.
    places = network_places(n75)
    assert len({p.address_key for p in places}) == len(places)


def test_no_indicator_fires_on_more_than_half_of_the_networks() -> None:
    networks = Network.objects.filter(status=NetworkStatus.ACTIVE).count()
    fired = Counter(
        Indicator.objects.filter(network__status=NetworkStatus.ACTIVE).values_list("kind", flat=True)
    )
    assert networks >= 100
    for kind in IndicatorKind.values:
        assert fired[kind] <= networks / 2, (kind, fired[kind], networks)


def test_planning_from_n75_offers_existing_venues_and_creates_none_unasked() -> None:
    client = login_verified(Client(), User.objects.get(username=ANALYST))
    response = client.get(f"/underrattelser/natverk/{the_issues_network().key}/pass/")
    assert response.status_code == 200
    choices = dict(response.context["form"].fields["venues"].choices)
    existing = [value for value in choices if value.startswith("v")]
    assert existing, choices
    # Its hotels' addresses lie in Sundbyberg, outside the collaboration's areas: offered, not ticked.
    outside = [value for value, label in choices.items() if value.startswith("p") and "Sundbyberg" in label]
    assert outside
    assert not set(outside) & set(response.context["form"].initial["venues"])
