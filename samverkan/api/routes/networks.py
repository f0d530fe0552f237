"""Networks of intelligence items: the ranked list, one network with its indicators and the
explanation of each link, and its member items.

Police analysts and investigators of the owning agency only, as on the network pages
(``intel.access.access_network``: hidden and missing both 404, each read audited);
indicators waiting for a person's review (possible minors) are left out, as on the page.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from samverkan.accounts.access import require_list
from samverkan.accounts.policy import Action, RecordType
from samverkan.api.errors import ERRORS
from samverkan.api.paging import Page, PageIn, page_of
from samverkan.api.security import caller
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction
from samverkan.intel.access import access_network
from samverkan.intel.models import IndicatorStatus, IntelItem, Network, NetworkLink

router = Router(tags=["networks"])
NetworkKey = Annotated[str, Path(max_length=64, pattern=r"^[-A-Za-z0-9_]+$", description="The network's stable id.")]
LINKS_SHOWN = 100


class NetworkOut(Schema):
    key: str
    status: str
    item_count: int
    entity_count: int
    city_count: int
    venue_count: int
    recent_count: int = Field(description="Items in the last four weeks.")
    previous_count: int = Field(description="Items in the four weeks before.")
    first_seen: dt.datetime | None
    last_seen: dt.datetime | None
    score: float


class IndicatorOut(Schema):
    kind: str
    status: str
    evidence: dict[str, Any]
    found_at: dt.datetime


class LinkOut(Schema):
    id: int
    item_a: int
    item_b: int
    kind: str = Field(description="identifier (a shared identifier) or similarity (similar ads).")
    match_weight: float | None
    match_probability: float | None
    shared: list[dict[str, Any]] = Field(description="The identifiers both items carry.")
    comparisons: list[dict[str, Any]] = Field(description="The similarities compared, each with its level and weight.")


class NetworkDetailOut(NetworkOut):
    indicators: list[IndicatorOut]
    links: list[LinkOut] = Field(description=f"The {LINKS_SHOWN} strongest links, each with why it was made.")


class MemberOut(Schema):
    id: int
    kind: str
    external_id: str
    title: str
    city: str
    observed_at: dt.datetime | None


def _network(network: Network) -> dict[str, Any]:
    return {name: getattr(network, name) for name in NetworkOut.model_fields}


@router.get("/networks/", response={200: Page[NetworkOut], **ERRORS}, summary="Your agency's active networks")
def networks(request: HttpRequest, paging: Query[PageIn]) -> dict[str, Any]:
    user = caller(request)
    require_list(user, RecordType.NETWORK)
    qs = Network.objects.visible_to(user, Action.LIST).active()
    page = page_of(qs, paging, lambda rows: [_network(n) for n in rows])
    with transaction.atomic():
        do_record_event(
            user=user, action=AuditAction.LIST, record_type=RecordType.NETWORK,
            detail=f"api; keys={','.join(n['key'] for n in page['items'])}"[:500],
        )
    return page


@router.get("/networks/{key}/", response={200: NetworkDetailOut, **ERRORS}, summary="One network, its indicators and why its items are linked")
def network(request: HttpRequest, key: NetworkKey) -> dict[str, Any]:
    found = access_network(caller(request), key)
    links = NetworkLink.objects.filter(network=found).order_by("-match_weight", "pk")[:LINKS_SHOWN]
    return {
        **_network(found),
        "indicators": [
            {"kind": i.kind, "status": i.status, "evidence": i.evidence if isinstance(i.evidence, dict) else {}, "found_at": i.found_at}
            for i in found.indicators.exclude(status=IndicatorStatus.AWAITING_REVIEW).order_by("pk")
        ],
        "links": [
            {
                "id": link.pk, "item_a": link.item_a_id, "item_b": link.item_b_id, "kind": link.kind,
                "match_weight": link.match_weight, "match_probability": link.match_probability,
                "shared": link.shared_entities, "comparisons": link.comparisons,
            }
            for link in links
        ],
    }


@router.get("/networks/{key}/members/", response={200: Page[MemberOut], **ERRORS}, summary="The items of a network")
def members(request: HttpRequest, key: NetworkKey, paging: Query[PageIn]) -> dict[str, Any]:
    found = access_network(caller(request), key)
    qs = IntelItem.objects.filter(membership__network=found)
    return page_of(
        qs, paging,
        lambda rows: [
            {"id": i.pk, "kind": i.kind, "external_id": i.external_id, "title": i.title, "city": i.city, "observed_at": i.observed_at}
            for i in rows
        ],
    )
