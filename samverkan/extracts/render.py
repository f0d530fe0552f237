"""The approved extract as the person receives it: JSON and a PDF (reportlab, as the results' PDF).

Both carry the same content: the agency, the person's identifier, the dates,
and every part in order; a withheld part keeps its heading and the secrecy
provision, never its content or the handler's internal reason.
"""

from __future__ import annotations

import io
import json
from itertools import groupby
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from samverkan.extracts.models import Extract, Section


def as_data(extract: Extract) -> dict[str, Any]:
    parts = list(extract.parts.order_by("position"))
    return {
        "agency": extract.agency.name,
        "law": _law(extract),
        "subject": {
            "kind": extract.subject_kind,
            "kind_label": extract.get_subject_kind_display(),
            "identifier": extract.subject_display,
        },
        "request_received": extract.received_on.isoformat(),
        "approved_at": timezone.localtime(extract.approved_at).isoformat() if extract.approved_at else None,
        "parts": [p.as_delivered() for p in parts],
        "withheld_parts": sum(1 for p in parts if p.withheld),
    }


def _law(extract: Extract) -> str:
    if extract.agency.is_police:
        return _("Right of access under the Criminal Data Act (brottsdatalagen 4:6)")
    return _("Right of access under the GDPR, article 15")


def render_json(extract: Extract) -> bytes:
    return json.dumps(as_data(extract), ensure_ascii=False, indent=2).encode("utf-8")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_pdf(extract: Extract) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    data = as_data(extract)
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    title = _("Register extract")
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, title=title, author=data["agency"], leftMargin=20 * mm,
        rightMargin=20 * mm, topMargin=18 * mm, bottomMargin=18 * mm,
    )
    story: list[Any] = [
        Paragraph(_escape(title), styles["Title"]),
        Paragraph(_escape(data["agency"]), styles["Heading2"]),
        Paragraph(_escape(data["law"]), styles["BodyText"]),
        Paragraph(_escape(f"{data['subject']['kind_label']}: {data['subject']['identifier']}"), styles["BodyText"]),
        Paragraph(_escape(_("Request received: %(day)s") % {"day": data["request_received"]}), styles["BodyText"]),
        Spacer(1, 4 * mm),
    ]
    if data["withheld_parts"]:
        story.append(Paragraph(_escape(_(
            "Parts withheld under secrecy: %(n)d. Each shows the provision it is withheld under; "
            "you may ask for a decision that can be appealed."
        ) % {"n": data["withheld_parts"]}), styles["BodyText"]))
    if not data["parts"]:
        story.append(Paragraph(_escape(_("We hold no personal data about you.")), styles["BodyText"]))
    grid = TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa3b2")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
    ])
    labels = dict(Section.choices)
    for section, parts in groupby(data["parts"], key=lambda p: p["section"]):
        story.append(Paragraph(_escape(str(labels.get(section, section))), styles["Heading3"]))
        for part in parts:
            block: list[Any] = [Paragraph(f"<b>{_escape(part['heading'])}</b>", styles["BodyText"])]
            if "withheld" in part:
                block.append(Paragraph(_escape(_("Withheld under %(provision)s") % {
                    "provision": part["withheld"]["provision_label"]}), styles["Italic"]))
            elif part["content"]:
                rows = [
                    [Paragraph(_escape(c["label"]), styles["BodyText"]), Paragraph(_escape(c["value"]), styles["BodyText"])]
                    for c in part["content"]
                ]
                block.append(Table(rows, colWidths=[45 * mm, 125 * mm], style=grid))
            block.append(Spacer(1, 3 * mm))
            story.append(KeepTogether(block))
    doc.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return buffer.getvalue()


def _footer(canvas: Any, doc: Any) -> None:
    canvas.saveState()
    canvas.setFont("Helvetica", 8)
    canvas.drawString(doc.leftMargin, 10 * 2.835, f"Samverkan · {doc.page}")
    canvas.restoreState()
