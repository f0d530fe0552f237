"""Fixtures for the intel tests: personas in English, a tip, items and a stored network."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from samverkan.accounts.models import Agency, Collaboration, User
from samverkan.intel import actions, indicators, linking
from samverkan.intel.models import Entity, IntelItem, ItemEntity, ItemKind, LinkRun, Network, Tip
from samverkan.tests.common import _english as _english
from samverkan.tests.common import login as login

Login = Callable[[User], Client]

SOURCE_NAME = "Källa Källström"


@pytest.fixture
def stockholm(personas: dict[str, User]) -> Collaboration:
    return Collaboration.objects.get(code="stockholm")


@pytest.fixture
def police(personas: dict[str, User]) -> Agency:
    agency = personas["polis.analytiker"].agency
    assert agency is not None
    return agency


@pytest.fixture
def tip(personas: dict[str, User], stockholm: Collaboration) -> Tip:
    """A tip from a social worker, with a named source."""
    return actions.do_submit_tip(
        collaboration=stockholm,
        what="Young women brought to a flat on Testgatan 3 every evening",
        where="Testgatan 3",
        city="Stockholm",
        venue_kind="short_term_rental",
        source_type="public",
        source_name=SOURCE_NAME,
        source_contact="070-000 00 00",
        acting_user=personas["soc.handlaggare"],
    )


def make_item(agency: Agency, external_id: str, **fields: Any) -> IntelItem:
    defaults: dict[str, Any] = {
        "kind": ItemKind.AD,
        "observed_at": timezone.now() - dt.timedelta(days=3),
        "title": f"Ad {external_id}",
        "text": "Sweet and discreet, call me.",
        "city": "Stockholm",
    }
    defaults.update(fields)
    item = IntelItem.objects.create(agency=agency, external_id=external_id, **defaults)
    # Test data is written already normalised; the import path is tested with the package.
    for field_name, kind in (("phones", "phone"), ("names", "name")):
        for value in defaults.get(field_name, []):
            entity, _created = Entity.objects.get_or_create(agency=agency, kind=kind, value=value)
            ItemEntity.objects.create(item=item, entity=entity, raw=value)
    return item


def store(agency: Agency, result: linking.LinkResult, *, full: bool = True) -> set[int]:
    """Store a linkage answer as ``link_all`` does, without calling the package."""
    run = LinkRun.objects.create(agency=agency, mode=LinkRun.Mode.BATCH, backend="test")
    changed = linking._store(agency, result, run, full=full)
    indicators.refresh(Network.objects.filter(pk__in=changed))
    linking.refresh_figures(changed)
    return changed


@pytest.fixture
def network(police: Agency) -> Network:
    """Network N-1: three ads sharing a phone, one of them stating age 17."""
    a = make_item(police, "ad-1", phones=["+46701234567"], names=["Anna"], age=17, address="Hotellgatan 1")
    b = make_item(police, "ad-2", phones=["+46701234567"], names=["Bella"], city="Göteborg")
    c = make_item(police, "ad-3", phones=["+46701234567"], names=["=HYPERLINK(\"x\")"], city="Malmö")
    explanation = {
        "kind": "identifier",
        "shared": [{"kind": "phone", "value": "+46701234567"}],
        "items_with_identifier": 3,
        "match_weight": 11.2,
    }
    result = linking.LinkResult(
        assignments={a.pk: "N-1", b.pk: "N-1", c.pk: "N-1"},
        links=[
            linking.PairLink(a.pk, b.pk, 11.2, 0.999, explanation),
            linking.PairLink(b.pk, c.pk, 8.4, 0.99, explanation),
        ],
    )
    store(police, result)
    return Network.objects.get(agency=police, key="N-1")
