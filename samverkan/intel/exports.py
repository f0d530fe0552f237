"""A network's graph as node and edge CSV, GraphML, and an i2 Analyst's Notebook chart.

CSV cells that a spreadsheet would run as a formula are neutralised with a
leading apostrophe. The i2 chart is ANX XML (the Analyst's Notebook exchange
format): a ``Chart`` with its entity and link types declared, one
``ChartItem`` with an ``End``/``Entity`` per node and one ``ChartItem`` with a
``Link`` per edge, the links referring to their ends by ``EntityId`` — so it
opens in Analyst's Notebook with File › Open, without an import specification.
"""

from __future__ import annotations

import csv
import io
import math
import xml.etree.ElementTree as ET
from typing import Any

from samverkan.intel.graph import Graph, Node

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

NODE_COLUMNS = ("id", "kind", "label", "external_id", "observed_at", "city", "address", "source", "stated_age", "glue")
EDGE_COLUMNS = ("id", "source", "target", "kind", "label", "weight", "probability", "shared", "similarities", "as_written")


def neutralise(value: object) -> str:
    """The cell as text that no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def _csv(header: tuple[str, ...], rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(row.get(column)) for column in header])
    # A byte-order mark so that spreadsheets read the file as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def nodes_csv(graph: Graph) -> bytes:
    return _csv(NODE_COLUMNS, [{"id": n.id, "kind": n.kind, "label": n.label, **n.attributes} for n in graph.nodes])


def edges_csv(graph: Graph) -> bytes:
    rows = [
        {"id": e.id, "source": e.source, "target": e.target, "kind": e.kind, "label": e.label, "weight": e.weight, **e.attributes}
        for e in graph.edges
    ]
    return _csv(EDGE_COLUMNS, rows)


# --- GraphML -------------------------------------------------------------------------------------

GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"


def _graphml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    return "string"


def graphml(graph: Graph) -> bytes:
    ET.register_namespace("", GRAPHML_NS)
    root = ET.Element(f"{{{GRAPHML_NS}}}graphml")
    keys: dict[tuple[str, str], str] = {}

    def key(domain: str, name: str, sample: Any) -> str:
        if (domain, name) not in keys:
            key_id = f"{domain[0]}_{name}"
            keys[(domain, name)] = key_id
            ET.SubElement(root, f"{{{GRAPHML_NS}}}key", {
                "id": key_id, "for": domain, "attr.name": name, "attr.type": _graphml_type(sample),
            })
        return keys[(domain, name)]

    node_data = [(n, {"kind": n.kind, "label": n.label, **n.attributes}) for n in graph.nodes]
    edge_data = [(e, {"kind": e.kind, "label": e.label, "weight": e.weight, **e.attributes}) for e in graph.edges]
    # Keys must come before the graph element; declare them all first.
    for _node, data in node_data:
        for name, value in data.items():
            if value is not None and value != "":
                key("node", name, value)
    for _edge, data in edge_data:
        for name, value in data.items():
            if value is not None and value != "":
                key("edge", name, value)
    g = ET.SubElement(root, f"{{{GRAPHML_NS}}}graph", {"id": graph.network.key, "edgedefault": "undirected"})
    for node, data in node_data:
        el = ET.SubElement(g, f"{{{GRAPHML_NS}}}node", {"id": node.id})
        for name, value in data.items():
            if value is not None and value != "":
                d = ET.SubElement(el, f"{{{GRAPHML_NS}}}data", {"key": keys[("node", name)]})
                d.text = _scalar(value)
    for edge, data in edge_data:
        el = ET.SubElement(g, f"{{{GRAPHML_NS}}}edge", {"id": edge.id, "source": edge.source, "target": edge.target})
        for name, value in data.items():
            if value is not None and value != "":
                d = ET.SubElement(el, f"{{{GRAPHML_NS}}}data", {"key": keys[("edge", name)]})
                d.text = _scalar(value)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _xml_safe(str(value))


def _xml_safe(text: str) -> str:
    """XML 1.0 cannot hold most control characters, even escaped: drop them."""
    return "".join(c for c in text if c in "\t\n\r" or ord(c) >= 0x20)


# --- i2 Analyst's Notebook (ANX) ----------------------------------------------------------------

# Entity types with icons from Analyst's Notebook's standard palette.
ANX_ENTITY_TYPES: dict[str, tuple[str, str]] = {
    "item": ("Document", "Document"),
    "phone": ("Telephone", "Telephone"),
    "email": ("E-mail Address", "Email"),
    "url": ("Web Site", "Web Site"),
    "handle": ("Account", "Account"),
    "name": ("Person", "Person"),
    "vehicle": ("Vehicle", "Vehicle"),
    "image_hash": ("Image", "Image"),
    "address": ("Address", "Address"),
}
ANX_LINK_TYPES = {"mentions": "Mentions", "linked": "Linked by analysis"}


def _entity_type(node: Node) -> tuple[str, str]:
    return ANX_ENTITY_TYPES.get(node.kind, ("Entity", "General"))


def anx(graph: Graph) -> bytes:
    """A minimal Analyst's Notebook chart (ANX XML) of the graph, laid out in a circle."""
    root = ET.Element("Chart", {"IdReferenceLinking": "false", "Rigorous": "false"})
    strengths = ET.SubElement(root, "StrengthCollection")
    ET.SubElement(strengths, "Strength", {"Id": "S_confirmed", "Name": "Confirmed", "DotStyle": "DotStyleSolid"})
    ET.SubElement(strengths, "Strength", {"Id": "S_tentative", "Name": "Tentative", "DotStyle": "DotStyleDashed"})

    used_entity_types = {_entity_type(n) for n in graph.nodes}
    entity_type_ids: dict[str, str] = {}
    etc = ET.SubElement(root, "EntityTypeCollection")
    for index, (name, icon_file) in enumerate(sorted(used_entity_types)):
        type_id = f"ET{index + 1}"
        entity_type_ids[name] = type_id
        ET.SubElement(etc, "EntityType", {
            "Id": type_id, "Name": name, "IconFile": icon_file, "PreferredRepresentation": "RepresentAsIcon",
        })
    link_type_ids: dict[str, str] = {}
    ltc = ET.SubElement(root, "LinkTypeCollection")
    for index, (kind, name) in enumerate(sorted(ANX_LINK_TYPES.items())):
        type_id = f"LT{index + 1}"
        link_type_ids[kind] = type_id
        ET.SubElement(ltc, "LinkType", {"Id": type_id, "Name": name, "Colour": "0"})

    items = ET.SubElement(root, "ChartItemCollection")
    entity_ids: dict[str, str] = {}
    count = max(len(graph.nodes), 1)
    radius = 120 * math.sqrt(count) + 200
    for index, node in enumerate(graph.nodes):
        entity_id = f"E{index + 1}"
        entity_ids[node.id] = entity_id
        angle = 2 * math.pi * index / count
        x, y = round(radius * math.cos(angle)), round(radius * math.sin(angle))
        description = "; ".join(f"{k}: {v}" for k, v in node.attributes.items() if v not in (None, "", False))
        chart_item = ET.SubElement(items, "ChartItem", {
            "Label": _xml_safe(node.label), "Description": _xml_safe(description), "XPosition": str(x),
        })
        end = ET.SubElement(chart_item, "End", {"X": str(x), "Y": str(y)})
        type_name = _entity_type(node)[0]
        entity = ET.SubElement(end, "Entity", {
            "EntityId": entity_id, "Identity": _xml_safe(f"{node.kind}:{node.label}" if node.kind != "item" else node.id),
            "LabelIsIdentity": "false",
        })
        icon = ET.SubElement(entity, "Icon")
        ET.SubElement(icon, "IconStyle", {"Type": type_name, "EntityTypeReference": entity_type_ids[type_name]})
    for edge in graph.edges:
        if edge.source not in entity_ids or edge.target not in entity_ids:
            continue
        description = "; ".join(f"{k}: {v}" for k, v in edge.attributes.items() if v not in (None, ""))
        chart_item = ET.SubElement(items, "ChartItem", {"Label": _xml_safe(edge.label), "Description": _xml_safe(description)})
        link = ET.SubElement(chart_item, "Link", {"End1Id": entity_ids[edge.source], "End2Id": entity_ids[edge.target]})
        strength = "Tentative" if edge.kind == "linked" else "Confirmed"
        ET.SubElement(link, "LinkStyle", {
            "Type": ANX_LINK_TYPES[edge.kind],
            "LinkTypeReference": link_type_ids[edge.kind],
            "ArrowStyle": "ArrowNone",
            "LineWidth": "1",
            "Strength": strength,
            "StrengthReference": "S_tentative" if strength == "Tentative" else "S_confirmed",
        })
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


EXPORTS = {
    "nodes.csv": ("text/csv; charset=utf-8", nodes_csv),
    "edges.csv": ("text/csv; charset=utf-8", edges_csv),
    "graphml": ("application/graphml+xml", graphml),
    "anx": ("application/xml", anx),
}
