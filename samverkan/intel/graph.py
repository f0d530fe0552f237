"""A network as nodes and edges: for the graph page, and for every export format.

Nodes are the network's items and the entities found in them; edges join an
item to each of its entities ("mentions") and two items that the linkage
linked ("linked", with the match weight and the explanation). The same graph
feeds the JSON endpoint, the node and edge CSV files, GraphML and the i2
Analyst's Notebook chart, so that every view of a network says the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.formats import number_format

from samverkan.intel.models import Entity, IntelItem, ItemEntity, Network, NetworkLink

MAX_ITEMS = 400


@dataclass
class Node:
    id: str
    kind: str  # "item" or an EntityKind
    label: str
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Edge:
    id: str
    source: str
    target: str
    kind: str  # "mentions" or "linked"
    label: str
    weight: float | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Graph:
    network: Network
    nodes: list[Node]
    edges: list[Edge]
    truncated: bool
    total_items: int

    def as_json(self) -> dict[str, Any]:
        return {
            "network": self.network.key,
            "truncated": self.truncated,
            "total_items": self.total_items,
            "nodes": [{"id": n.id, "kind": n.kind, "label": n.label, "data": n.attributes} for n in self.nodes],
            "edges": [
                {"id": e.id, "source": e.source, "target": e.target, "kind": e.kind, "label": e.label,
                 "weight": e.weight, "data": e.attributes}
                for e in self.edges
            ],
        }


@dataclass
class ItemRow:
    """One item of the list view: what it mentions and which items the analysis linked it to."""

    pk: int
    node: Node
    mentions: list[Node]
    linked: list[tuple[Node, Edge]]


def list_view(graph: Graph) -> list[ItemRow]:
    """The graph as a list a phone can read: each item with its entities and its linked items."""
    by_id = {n.id: n for n in graph.nodes}
    rows = {n.id: ItemRow(int(n.id.split("-", 1)[1]), n, [], []) for n in graph.nodes if n.kind == "item"}
    for edge in graph.edges:
        if edge.kind == "mentions" and edge.source in rows:
            rows[edge.source].mentions.append(by_id[edge.target])
        elif edge.kind == "linked":
            rows[edge.source].linked.append((by_id[edge.target], edge))
            rows[edge.target].linked.append((by_id[edge.source], edge))
    return list(rows.values())


def evidence_kinds(graph: Graph) -> list[tuple[str, str]]:
    """The kinds of entity in the graph, as (kind, name), for the graph's filter."""
    kinds: dict[str, str] = {}
    for node in graph.nodes:
        if node.kind != "item":
            kinds.setdefault(node.kind, str(node.attributes.get("kind", node.kind)))
    return sorted(kinds.items(), key=lambda pair: pair[1])


def item_node_id(pk: int) -> str:
    return f"item-{pk}"


def entity_node_id(pk: int) -> str:
    return f"entity-{pk}"


def _local(value: Any) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""


def build_graph(network: Network, *, max_items: int = MAX_ITEMS) -> Graph:
    """The network's graph; past ``max_items`` items, the most recent ones (marked truncated)."""
    items_qs = IntelItem.objects.filter(membership__network=network).order_by("-observed_at", "-pk")
    total = items_qs.count()
    items = list(items_qs[:max_items])
    item_ids = [i.pk for i in items]
    nodes: list[Node] = []
    edges: list[Edge] = []
    for item in items:
        nodes.append(Node(
            item_node_id(item.pk), "item", item.summary[:80],
            {
                "external_id": item.external_id, "kind": item.get_kind_display(), "observed_at": _local(item.observed_at),
                "city": item.city, "address": item.address, "source": item.source, "stated_age": item.age,
            },
        ))
    links = list(
        ItemEntity.objects.filter(item_id__in=item_ids)
        .select_related("entity")
        .order_by("entity__kind", "entity__value", "item_id")
    )
    entities: dict[int, Entity] = {}
    for link in links:
        entities.setdefault(link.entity_id, link.entity)
    glue = set(
        Entity.objects.filter(pk__in=list(entities), glue__isnull=False).values_list("pk", flat=True)
    )
    for entity in entities.values():
        nodes.append(Node(
            entity_node_id(entity.pk), entity.kind, entity.value,
            {"kind": entity.get_kind_display(), "glue": entity.pk in glue},
        ))
    for link in links:
        edges.append(Edge(
            f"m-{link.item_id}-{link.entity_id}", item_node_id(link.item_id), entity_node_id(link.entity_id), "mentions",
            link.entity.get_kind_display(), None, {"as_written": link.raw},
        ))
    shown = set(item_ids)
    for nl in NetworkLink.objects.filter(network=network).order_by("-match_weight", "pk"):
        if nl.item_a_id not in shown or nl.item_b_id not in shown:
            continue
        edges.append(Edge(
            f"l-{nl.pk}", item_node_id(nl.item_a_id), item_node_id(nl.item_b_id), "linked",
            number_format(nl.match_weight, 1) if nl.match_weight is not None else "", nl.match_weight,
            {
                "probability": nl.match_probability,
                "shared": ", ".join(str(e.get("value", "")) for e in nl.shared_entities),
                "similarities": "; ".join(
                    f"{c['name']}: {c['result']}" for c in nl.comparisons
                ),
            },
        ))
    return Graph(network, nodes, edges, total > max_items, total)
