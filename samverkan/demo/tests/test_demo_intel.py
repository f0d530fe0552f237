"""The demo's tips and intelligence: networks to review, the tips behind the shifts (the 2021 figures, with them: test_demo_data)."""

from __future__ import annotations

from collections import defaultdict

import pytest
from django.test import Client

from samverkan.accounts.models import User
from samverkan.conftest import login_verified
from samverkan.demo.intel import ANALYST, demo_items

# The module-scoped demo of the other module; pytest builds it again for this one.
from samverkan.demo.tests.test_demo_data import demo_db  # noqa: F401
from samverkan.intel.models import (
    GlueIdentifier,
    Indicator,
    IndicatorKind,
    IndicatorStatus,
    IntelItem,
    ItemEntity,
    ItemOrigin,
    Network,
    NetworkLink,
    NetworkMembership,
    NetworkStatus,
    Tip,
    TipSource,
    TipStatus,
)
from samverkan.operations.models import Shift, ShiftBasis

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_db")]


def test_networks_exist_and_the_largest_has_several_items() -> None:
    networks = Network.objects.filter(status=NetworkStatus.ACTIVE)
    assert networks.count() >= 20
    largest = networks.order_by("-item_count").first()
    assert largest is not None and largest.item_count >= 20
    assert largest.memberships.count() == largest.item_count
    assert NetworkLink.objects.filter(network=largest).exists()
    assert ItemEntity.objects.exists() and GlueIdentifier.objects.exists()
    # Items lie in the demo's history and in the Stockholm area.
    imported = IntelItem.objects.filter(origin=ItemOrigin.IMPORT)
    years = {d.year for d in imported.values_list("observed_at", flat=True) if d is not None}
    assert years <= {2020, 2021, 2022}
    assert not imported.filter(city__in=["Göteborg", "Malmö", "Uppsala"]).exists()


def test_a_possible_minor_waits_in_the_review_queue() -> None:
    assert Indicator.objects.filter(kind=IndicatorKind.POSSIBLE_MINOR, status=IndicatorStatus.AWAITING_REVIEW).exists()
    assert Indicator.objects.filter(status__in=[IndicatorStatus.CONFIRMED, IndicatorStatus.DISMISSED]).exists()


def test_every_tip_shift_has_a_tip() -> None:
    shifts = Shift.objects.filter(basis=ShiftBasis.TIP)
    assert shifts.count() > 50
    assert not shifts.filter(tips__isnull=True).exists()
    # Submitted before the shift was planned.
    for tip in Tip.objects.filter(shift__starts_at__year=2021).select_related("shift")[:20]:
        assert tip.shift is not None and tip.submitted_at < tip.shift.starts_at


def test_tips_in_every_status_linked_every_way() -> None:
    assert set(Tip.objects.values_list("status", flat=True)) == set(TipStatus.values)
    for target in ("venue", "operation", "shift", "network"):
        assert Tip.objects.filter(**{f"{target}__isnull": False}).exists(), target
    assert Tip.objects.filter(status=TipStatus.LINKED, network__isnull=False).exists()
    assert TipSource.objects.exclude(name="").exists()
    submitters = {(kind, username) for kind, username in Tip.objects.values_list("submitter_agency__kind", "submitted_by__username")}
    assert len({kind for kind, _u in submitters}) == 2 and len(submitters) >= 4
    # Tips added to intelligence lie in a network.
    assert NetworkMembership.objects.filter(item__origin=ItemOrigin.TIP).exists()


def test_the_analyst_sees_tips_networks_and_the_tips_behind_a_shift() -> None:
    client = login_verified(Client(), User.objects.get(username=ANALYST))
    tip = Tip.objects.filter(status=TipStatus.NEW).order_by("pk").first()
    assert tip is not None
    assert f"/underrattelser/tips/{tip.pk}/" in client.get("/underrattelser/tips/").content.decode()
    network = Network.objects.ranked().first()
    assert network is not None
    assert f"/underrattelser/natverk/{network.key}/" in client.get("/underrattelser/natverk/").content.decode()
    assert client.get(f"/underrattelser/natverk/{network.key}/").status_code == 200
    assert client.get("/underrattelser/natverk/granskning/").status_code == 200
    behind = Tip.objects.filter(shift__isnull=False).order_by("pk").first()
    assert behind is not None and behind.shift is not None
    page = client.get(f"/pass/{behind.shift_id}/").content.decode()
    assert 'id="shift-tips"' in page and f"/underrattelser/tips/{behind.pk}/" in page


def test_the_intelligence_is_deterministic() -> None:
    """The same items for the seed, and linked again they form the same networks (sizes and members)."""
    assert demo_items(300) == demo_items(300)
    from samverkan.intel import linking
    from samverkan.intel.linkage import engine

    items = IntelItem.objects.filter(origin=ItemOrigin.IMPORT).order_by("pk")
    answer = engine.link_items(list(linking.item_records(items)), backend="duckdb")
    again: dict[str, set[int]] = defaultdict(set)
    for item_id, key in dict(answer.assignments).items():
        again[str(key)].add(int(item_id))
    stored: dict[int, set[int]] = defaultdict(set)
    for member, network in NetworkMembership.objects.filter(item__origin=ItemOrigin.IMPORT).values_list("item", "network"):
        stored[network].add(member)
    fresh = sorted(sorted(m) for m in again.values() if len(m) >= linking.MIN_NETWORK_SIZE)
    assert fresh == sorted(sorted(m) for m in stored.values())
