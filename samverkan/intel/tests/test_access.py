"""Every persona against every intel URL: intelligence reaches police analysts and investigators only.

No intel page, export or search result reaches a social-services user, a
coordinator, a manager, an auditor or an admin: they get 404, never 403, and
the refusal is audited. Tips are submitted by many but read by analysts only;
a tip's source by police analysts only.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client

from samverkan.accounts.models import User
from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.intel.models import ImportBatch, Indicator, Network, NetworkLink, Tip
from samverkan.intel.tests.conftest import SOURCE_NAME

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]

INTEL_READERS = {"polis.analytiker", "polis.utredare"}
TIP_READERS = {"polis.analytiker"}
# Coordinators read tips and networks as a summary (policy Scope.SUMMARY) and plan from them.
COORDINATORS = {"polis.samordnare", "soc.samordnare"}
SUMMARY_PAGES = ("/", "/pass/", "/tips/")
TIP_SUBMITTERS = {"polis.inre", "polis.utredare", "polis.analytiker", "polis.samordnare", "soc.handlaggare", "soc.samordnare", "vast.polis", "gbg.handlaggare"}


def intel_urls(network: Network) -> list[str]:
    link = NetworkLink.objects.filter(network=network).first()
    indicator = Indicator.objects.filter(network=network).first()
    item = network.memberships.first()
    assert link is not None and indicator is not None and item is not None
    base = f"/underrattelser/natverk/{network.key}/"
    entity = item.item.entity_links.first()
    assert entity is not None
    batch = ImportBatch.objects.create(agency=network.agency, file_name="annonser.jsonl", sha256="0" * 64, file_format="jsonl")
    return [
        f"/underrattelser/import/{batch.pk}/",
        base + "pass/",
        base + "anmalan/",
        "/underrattelser/natverk/",
        "/underrattelser/natverk/?q=%2B46701234567",
        "/underrattelser/natverk/granskning/",
        base,
        base + "graf/",
        base + "graf.json",
        base + f"lank/{link.pk}/",
        base + f"indikator/{indicator.pk}/",
        base + "export/nodes.csv/",
        base + "export/edges.csv/",
        base + "export/graphml/",
        base + "export/anx/",
        base + "tips/",
        "/underrattelser/uppgifter/",
        "/underrattelser/uppgifter/?q=ad-1",
        f"/underrattelser/uppgifter/{item.item_id}/",
        "/underrattelser/uppgifter/ny/",
        "/underrattelser/import/",
        "/underrattelser/entiteter/",
        "/underrattelser/entiteter/?q=%2B46701234567",
        f"/underrattelser/entiteter/{entity.entity_id}/",
    ]


def test_intel_pages_reach_analysts_and_investigators_only(
    personas: dict[str, User], login: Login, network: Network
) -> None:
    urls = intel_urls(network)
    # Readers who may not write what a page makes get 403 there (the project's rule for a
    # read-only user): analysts read police records but do not register crime reports.
    read_only = {("polis.analytiker", f"/underrattelser/natverk/{network.key}/anmalan/")}
    wrong = []
    for username, user in personas.items():
        client = login(user)
        for url in urls:
            response = client.get(url)
            expected = 200 if username in INTEL_READERS else 404
            expected = 403 if (username, url) in read_only else expected
            summary = url.startswith("/underrattelser/natverk/?") or url == "/underrattelser/natverk/" or url in {
                f"/underrattelser/natverk/{network.key}{suffix}" for suffix in SUMMARY_PAGES
            }
            if username in COORDINATORS and summary:
                expected = 200
            if response.status_code != expected:
                wrong.append((username, url, response.status_code))
            if expected != 200:
                assert b"+46701234567" not in response.content, (username, url)
    assert wrong == []


def test_every_intel_url_is_in_the_persona_walk(personas: dict[str, User], network: Network, tip: Tip) -> None:
    """A new intel page cannot escape the walk above: every route is walked here or in the tip tests."""
    from django.urls import resolve

    from samverkan.intel.urls import urlpatterns

    walked = {resolve(url.split("?")[0]).url_name for url in intel_urls(network)}
    # Tips (walked by the tip tests below) and the one route that only takes POST.
    elsewhere = {
        "tip_list", "tip_create", "tip_detail", "tip_assess", "tip_link", "tip_close", "tip_shift", "tip_source",
        "tip_to_intel", "network_link_run",
    }
    assert {pattern.name for pattern in urlpatterns} == walked | elsewhere


def test_refusals_are_audited(personas: dict[str, User], login: Login, network: Network) -> None:
    before = AuditEvent.objects.filter(action=AuditAction.DENIED).count()
    login(personas["soc.handlaggare"]).get(f"/underrattelser/natverk/{network.key}/")
    login(personas["polis.chef"]).get("/underrattelser/natverk/")
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == before + 2


def test_a_network_of_another_police_agency_is_hidden(personas: dict[str, User], login: Login, network: Network) -> None:
    from samverkan.accounts.models import Agency, AgencyKind, Membership, Role

    west = Agency.objects.get(code="polisregion-vast")
    assert west.kind == AgencyKind.POLICE
    analyst = User.objects.create(username="vast.analytiker")
    Membership.objects.create(user=analyst, agency=west, role=Role.POLICE_ANALYST)
    client = login(analyst)
    for url in intel_urls(network):
        response = client.get(url)
        if "?" in url or url.endswith(("/natverk/", "/granskning/", "/uppgifter/", "/ny/", "/import/", "/entiteter/")):
            # Their own (empty) lists and forms: nothing of Stockholm's in them.
            assert response.status_code == 200, url
            body = response.content.decode()
            assert f"/natverk/{network.key}/" not in body, url
            assert "/uppgifter/" + str(network.memberships.first().item_id) not in body, url  # type: ignore[union-attr]
            assert not re.search(r"/entiteter/\d", body), url
        else:
            assert response.status_code == 404, url


def test_tips_reach_analysts_only_and_anyone_may_submit(personas: dict[str, User], login: Login, tip: Tip) -> None:
    for username, user in personas.items():
        client = login(user)
        for url in ("/underrattelser/tips/", f"/underrattelser/tips/{tip.pk}/"):
            expected = 200 if username in TIP_READERS | COORDINATORS else 404
            assert client.get(url).status_code == expected, (username, url)
        expected = 200 if username in TIP_SUBMITTERS else 404
        assert client.get("/underrattelser/tips/nytt/").status_code == expected, username


def test_the_source_is_for_police_analysts_only_and_audited(personas: dict[str, User], login: Login, tip: Tip) -> None:
    url = f"/underrattelser/tips/{tip.pk}/kalla/"
    for username, user in personas.items():
        response = login(user).post(url, {"purpose": "checking"})
        if username == "polis.analytiker":
            assert SOURCE_NAME in response.content.decode()
        else:
            assert response.status_code == 404, username
            assert SOURCE_NAME.encode() not in response.content
    # The tip page itself never shows the source.
    page = login(personas["polis.analytiker"]).get(f"/underrattelser/tips/{tip.pk}/").content.decode()
    assert SOURCE_NAME not in page
    event = AuditEvent.objects.filter(record_type="tip", record_id=str(tip.pk), purpose="checking").get()
    assert event.username == "polis.analytiker"


def test_the_source_needs_a_purpose(personas: dict[str, User], login: Login, tip: Tip) -> None:
    response = login(personas["polis.analytiker"]).post(f"/underrattelser/tips/{tip.pk}/kalla/", {"purpose": ""})
    assert response.status_code == 400
    assert SOURCE_NAME not in response.content.decode()


def test_investigators_read_but_do_not_triage_tips(personas: dict[str, User], login: Login, tip: Tip) -> None:
    client = login(personas["polis.utredare"])
    response = client.post(f"/underrattelser/tips/{tip.pk}/bedom/", {"relevance": "high", "urgency": "urgent"})
    assert response.status_code == 404


def test_wrong_method_is_405(personas: dict[str, User], login: Login, tip: Tip, network: Network) -> None:
    client = login(personas["polis.analytiker"])
    assert client.get(f"/underrattelser/tips/{tip.pk}/bedom/").status_code == 405
    assert client.get("/underrattelser/natverk/lanka/").status_code == 405
    assert client.post(f"/underrattelser/natverk/{network.key}/graf.json").status_code == 405
    assert client.delete(f"/underrattelser/tips/{tip.pk}/").status_code == 405


def test_login_required(client: Client, db: None) -> None:
    for url in ("/underrattelser/tips/nytt/", "/underrattelser/natverk/", "/underrattelser/import/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/konto/logga-in/" in response["Location"]


def test_the_menu(personas: dict[str, User], login: Login) -> None:
    analyst = login(personas["polis.analytiker"]).get("/").content.decode()
    assert 'href="/underrattelser/natverk/"' in analyst
    assert 'href="/underrattelser/tips/"' in analyst
    worker = login(personas["soc.handlaggare"]).get("/").content.decode()
    assert 'href="/underrattelser/natverk/"' not in worker
    assert 'href="/underrattelser/tips/nytt/"' in worker
    manager = login(personas["soc.chef"]).get("/").content.decode()
    assert "/underrattelser/" not in manager


def test_writes_are_refused_to_everyone_outside(personas: dict[str, User], login: Login, network: Network, tip: Tip) -> None:
    from samverkan.intel.models import IntelItem, NetworkFollowUp

    indicator = Indicator.objects.filter(network=network).first()
    assert indicator is not None
    status = indicator.status
    posts = [
        ("/underrattelser/natverk/lanka/", {}),
        ("/underrattelser/uppgifter/ny/", {"kind": "ad", "observed_at": "2024-01-01T10:00"}),
        (f"/underrattelser/natverk/N-1/indikator/{indicator.pk}/", {"status": "dismissed", "note": "x"}),
        ("/underrattelser/natverk/N-1/tips/", {"what": "x"}),
        ("/underrattelser/natverk/N-1/pass/", {}),
        ("/underrattelser/natverk/N-1/anmalan/", {}),
        (f"/underrattelser/tips/{tip.pk}/bedom/", {"relevance": "high", "urgency": "urgent"}),
        (f"/underrattelser/tips/{tip.pk}/till-underrattelser/", {}),
    ]
    items = IntelItem.objects.count()
    for username, user in personas.items():
        if username in INTEL_READERS:
            continue
        client = login(user)
        for url, data in posts:
            if username in COORDINATORS and url in ("/underrattelser/natverk/N-1/tips/", "/underrattelser/natverk/N-1/pass/"):
                # They plan from a network's summary: the incomplete form is refused, nothing made.
                assert client.post(url, data).status_code == 400, (username, url)
                continue
            if username in COORDINATORS and url == "/underrattelser/natverk/lanka/":
                assert client.post(url, data).status_code == 403, username  # they read networks, never link them
                continue
            assert client.post(url, data).status_code == 404, (username, url)
    indicator.refresh_from_db()
    assert indicator.status == status and indicator.reviewed_by is None
    assert IntelItem.objects.count() == items
    assert not NetworkFollowUp.objects.exists()
    tip.refresh_from_db()
    assert tip.status == "new"


@pytest.mark.parametrize("url", ["/underrattelser/uppgifter/", "/underrattelser/entiteter/"])
@pytest.mark.parametrize("q", ["a\x00b", "x" * 201])
def test_a_search_with_a_nul_byte_or_too_long_is_refused(
    personas: dict[str, User], login: Login, url: str, q: str
) -> None:
    response = login(personas["polis.analytiker"]).get(url, {"q": q})
    assert response.status_code == 400
