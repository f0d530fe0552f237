"""Coordinators see what they plan from: tips and networks as a summary, never a tip's source (policy Scope.SUMMARY)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from samverkan.accounts.models import Collaboration, User
from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.intel import actions
from samverkan.intel.models import Network

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
