"""Network pages: ranked list, detail, graph JSON, explanations, review, exports and follow-ups."""

from __future__ import annotations

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from samverkan.accounts.models import Area, Collaboration, User
from samverkan.audit.models import AuditEvent
from samverkan.intel.models import (
    IndicatorKind,
    IndicatorStatus,
    Network,
    NetworkFollowUp,
    NetworkLink,
    Tip,
)
from samverkan.investigations.models import CrimeReport
from samverkan.legal.reference import seed_offences
from samverkan.operations.models import Shift, ShiftBasis, Venue

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]


def test_list_detail_and_search(personas: dict[str, User], login: Login, network: Network) -> None:
    client = login(personas["polis.analytiker"])
    page = client.get("/underrattelser/natverk/").content.decode()
    assert "N-1" in page and 'id="network-table"' in page
    assert "possible minor awaits review" in page
    found = client.get("/underrattelser/natverk/?q=070-123 45 67").content.decode()
    assert "/underrattelser/natverk/N-1/" in found
    none = client.get("/underrattelser/natverk/?q=08-999 99 99").content.decode()
    assert "/underrattelser/natverk/N-1/" not in none
    detail = client.get("/underrattelser/natverk/N-1/").content.decode()
    assert 'id="network-items">3<' in detail
    assert "Possible third-party control" in detail
    assert "+46701234567" in detail
    assert AuditEvent.objects.filter(action="view", record_type="network", record_id=str(network.pk)).exists()


def test_list_query_count_does_not_grow(personas: dict[str, User], login: Login, network: Network) -> None:
    client = login(personas["polis.analytiker"])
    client.get("/underrattelser/natverk/")
    with CaptureQueriesContext(connection) as one:
        client.get("/underrattelser/natverk/")
    for i in range(5):
        Network.objects.create(agency=network.agency, key=f"N-{i + 10}", item_count=2)
    with CaptureQueriesContext(connection) as six:
        client.get("/underrattelser/natverk/")
    assert len(six) == len(one)


def test_graph_json_and_page(personas: dict[str, User], login: Login, network: Network) -> None:
    client = login(personas["polis.utredare"])
    page = client.get("/underrattelser/natverk/N-1/graf/").content.decode()
    assert "vendor/cytoscape.min.js" in page and "samverkan/intel-graph.js" in page
    assert "<script>" not in page  # no inline scripts under the CSP
    assert 'id="graph-edge-table"' in page
    data = client.get("/underrattelser/natverk/N-1/graf.json").json()
    kinds = {n["kind"] for n in data["nodes"]}
    assert {"item", "phone", "name"} <= kinds
    linked = [e for e in data["edges"] if e["kind"] == "linked"]
    assert len(linked) == 2 and linked[0]["weight"] == 11.2


def test_why_two_ads_are_linked(personas: dict[str, User], login: Login, network: Network) -> None:
    link = NetworkLink.objects.filter(network=network).order_by("-match_weight").first()
    assert link is not None
    page = login(personas["polis.analytiker"]).get(f"/underrattelser/natverk/N-1/lank/{link.pk}/").content.decode()
    assert 'id="match-weight">11.20<' in page
    assert "+46701234567" in page and "ad-1" in page and "ad-2" in page
    other = login(personas["polis.analytiker"]).get("/underrattelser/natverk/N-1/lank/999999/")
    assert other.status_code == 404


def test_exports(personas: dict[str, User], login: Login, network: Network) -> None:
    client = login(personas["polis.analytiker"])
    nodes = client.get("/underrattelser/natverk/N-1/export/nodes.csv/")
    assert nodes["Content-Disposition"].startswith('attachment; filename="network-N-1-')
    rows = list(csv.DictReader(io.StringIO(nodes.content.decode("utf-8-sig"))))
    labels = {r["label"] for r in rows}
    assert "'+46701234567" in labels  # a leading + would be read as a formula
    assert "'=HYPERLINK(\"x\")" in labels
    edges = list(csv.DictReader(io.StringIO(client.get("/underrattelser/natverk/N-1/export/edges.csv/").content.decode("utf-8-sig"))))
    assert {e["kind"] for e in edges} == {"mentions", "linked"}

    graphml = ET.fromstring(client.get("/underrattelser/natverk/N-1/export/graphml/").content)
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    assert len(graphml.findall(".//g:node", ns)) == len(rows)
    assert len(graphml.findall(".//g:edge", ns)) == len(edges)

    chart = ET.fromstring(client.get("/underrattelser/natverk/N-1/export/anx/").content)
    assert chart.tag == "Chart"
    entity_ids = {e.get("EntityId") for e in chart.iter("Entity")}
    type_ids = {t.get("Id") for t in chart.iter("EntityType")}
    link_type_ids = {t.get("Id") for t in chart.iter("LinkType")}
    assert len(entity_ids) == len(rows)
    for link in chart.iter("Link"):
        assert link.get("End1Id") in entity_ids and link.get("End2Id") in entity_ids
    for style in chart.iter("IconStyle"):
        assert style.get("EntityTypeReference") in type_ids
    for style in chart.iter("LinkStyle"):
        assert style.get("LinkTypeReference") in link_type_ids
    assert len(list(chart.iter("Link"))) == len(edges)
    assert AuditEvent.objects.filter(action="export", record_type="network").count() == 4
    assert client.get("/underrattelser/natverk/N-1/export/xlsx/").status_code == 404


def test_review_queue(personas: dict[str, User], login: Login, network: Network) -> None:
    client = login(personas["polis.analytiker"])
    indicator = network.indicators.get(kind=IndicatorKind.POSSIBLE_MINOR)
    assert indicator.status == IndicatorStatus.AWAITING_REVIEW
    assert "N-1" in client.get("/underrattelser/natverk/granskning/").content.decode()
    url = f"/underrattelser/natverk/N-1/indikator/{indicator.pk}/"
    page = client.get(url).content.decode()
    assert "stated age 17" in page and "not a verdict" in page
    assert client.post(url, {"status": "confirmed", "note": ""}).status_code == 400
    assert client.post(url, {"status": "confirmed", "note": "Ad says 17"}).status_code == 302
    indicator.refresh_from_db()
    assert indicator.status == IndicatorStatus.CONFIRMED and indicator.reviewed_by == personas["polis.analytiker"]
    assert "N-1" not in client.get("/underrattelser/natverk/granskning/").content.decode()


def test_follow_ups(personas: dict[str, User], login: Login, network: Network, stockholm: Collaboration) -> None:
    analyst = login(personas["polis.analytiker"])
    response = analyst.post("/underrattelser/natverk/N-1/tips/", {"collaboration": stockholm.pk, "what": "Check the hotel"})
    assert response.status_code == 302
    tip = Tip.objects.get(network=network)
    assert NetworkFollowUp.objects.filter(network=network, tip=tip).exists()

    area = Area.objects.get(code="lpo-sodermalm-2025")
    start = timezone.localtime() + dt.timedelta(days=2)
    times = {"starts_at": start.strftime("%Y-%m-%dT%H:%M"), "ends_at": (start + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")}
    # The collaboration works nowhere yet: the network's place is offered as a new venue outside its
    # areas, and is not created unasked.
    page = analyst.get("/underrattelser/natverk/N-1/pass/").content.decode()
    assert "Hotellgatan 1, Stockholm" in page
    response = analyst.post("/underrattelser/natverk/N-1/pass/", {"collaboration": stockholm.pk, "area": area.pk, "venues": ["p0"], **times})
    assert response.status_code == 400 and not Venue.objects.exists() and not Shift.objects.exists()
    response = analyst.post("/underrattelser/natverk/N-1/pass/", {
        "collaboration": stockholm.pk, "area": area.pk, "venues": ["p0"], "outside_areas": "on", **times,
    })
    assert response.status_code == 302
    shift = Shift.objects.get()
    assert shift.basis == ShiftBasis.INTELLIGENCE
    assert list(shift.planned_venues.values_list("address", flat=True)) == ["Hotellgatan 1, Stockholm"]
    assert Venue.objects.count() == 1
    # Planned again, the venue is proposed (ticked) as an existing one, and no second one is made.
    venue = Venue.objects.get()
    form = analyst.get("/underrattelser/natverk/N-1/pass/").context["form"]
    assert form.initial["venues"] == [f"v{venue.pk}"]
    response = analyst.post("/underrattelser/natverk/N-1/pass/", {"collaboration": stockholm.pk, "area": area.pk, "venues": [f"v{venue.pk}"], **times})
    assert response.status_code == 302 and Venue.objects.count() == 1 and Shift.objects.count() == 2

    # Analysts read crime reports but do not register them; investigators do.
    assert analyst.get("/underrattelser/natverk/N-1/anmalan/").status_code == 403
    seed_offences()
    investigator = login(personas["polis.utredare"])
    form = investigator.get("/underrattelser/natverk/N-1/anmalan/")
    assert form.status_code == 200 and "Network N-1" in form.content.decode()
    from samverkan.legal.models import Offence

    offence = Offence.objects.filter(counts_as_sex_purchase=True).first()
    assert offence is not None
    response = investigator.post("/underrattelser/natverk/N-1/anmalan/", {
        "collaboration": stockholm.pk, "case_number": "K123456-24", "offence": offence.pk,
        "committed_at": (timezone.localtime() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "narrative": "Lead from network N-1",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    report = CrimeReport.objects.get()
    assert NetworkFollowUp.objects.filter(network=network, crime_report=report).exists()
