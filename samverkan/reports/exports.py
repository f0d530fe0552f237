"""A finished ``Report`` as text, JSON, CSV, XLSX or PDF.

Every renderer reads the same ``Report``, so the page, the files and the
command line always show the same figures. A suppressed cell is written as
its label ("färre än 5"), never as a number. Cells a spreadsheet could run
as a formula are neutralised.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samverkan.lib import disclosure_control as sdc
from samverkan.lib.swedish_numbers import Language, digits
from samverkan.reports.definitions import Dimension, Figure
from samverkan.reports.press import press_text
from samverkan.reports.report import Line, Report, Value

FORMATS = ("text", "json", "csv", "xlsx", "pdf")
CONTENT_TYPES = {
    "text": "text/plain; charset=utf-8",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Keep a spreadsheet from running a cell as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def cell(value: Value | float | None) -> str:
    if value is None:
        return ""
    if isinstance(value, sdc.Suppressed):
        return str(value)
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def shown(value: Value | float | None, language: Language) -> str:
    """A cell as a person reads it in ``language`` (the PDF): "1 250", "−3", "12,5" in Swedish.

    The PDF's standard fonts have no minus sign (U+2212): an en dash stands in for it.
    """
    if value is None or isinstance(value, sdc.Suppressed):
        return cell(value)
    if isinstance(value, float):
        text = f"{value:.1f}".replace("-", "\u2013")
        return text.replace(".", ",") if language == "sv" else text
    return digits(int(value), language=language).replace("\u2212", "\u2013")


def plain(value: Value | float | None) -> int | float | str | None:
    """A number stays a number (for spreadsheets and JSON); a suppressed cell becomes its label."""
    if isinstance(value, sdc.Suppressed):
        return str(value)
    return value


def _period_label(report: Report) -> str:
    f = report.period
    return f"{f.start:%Y-%m-%d}–{f.end:%Y-%m-%d}"


def _mode_label(report: Report) -> str:
    if not report.is_public:
        return _("internal (exact figures)")
    if report.method == "cell_key":
        return _("public (cell key method)")
    return _("public (counts under %(n)d suppressed)") % {"n": report.threshold}


def marking(report: Report) -> str:
    """What a document says on every page and sheet: internal, or the rule that made it publishable."""
    if not report.is_public:
        return _("Internal – not for publication")
    if report.method == "cell_key":
        return _("For publication: small counts are perturbed by the cell key method")
    return _("For publication: counts under %(n)d are suppressed, with complementary suppression") % {
        "n": report.threshold
    }


def _mark_sheet(sheet: Any, text: str) -> None:
    """The marking as the sheet's first row (seen on screen) and its printed header and footer."""
    from openpyxl.styles import Font

    sheet.insert_rows(1)
    sheet["A1"] = text
    sheet["A1"].font = Font(bold=True, color="B00020" if text.startswith(("Intern", "Internal")) else "1B5E20")
    for header in (sheet.oddHeader, sheet.evenHeader, sheet.firstHeader):
        header.center.text = text
    for footer in (sheet.oddFooter, sheet.evenFooter, sheet.firstFooter):
        footer.center.text = text


def to_dict(report: Report, language: Language) -> dict[str, Any]:
    def line(ln: Line) -> dict[str, Any]:
        return {
            "label": ln.label,
            "value": plain(ln.value),
            "previous": plain(ln.previous),
            "change": plain(ln.change),
            "percent": plain(ln.percent),
        }

    return {
        "period": {"start": report.period.start.isoformat(), "end": report.period.end.isoformat()},
        "previous_period": {
            "start": report.previous_period.start.isoformat(),
            "end": report.previous_period.end.isoformat(),
        },
        "areas": report.area_names,
        "mode": report.mode.value,
        "method": report.method,
        "figures": [
            {
                "key": h.key,
                "label": h.label,
                "value": plain(h.value),
                "previous": plain(h.previous),
                "followed_up": plain(h.followed_up),
                "followed_up_label": h.followed_up_label,
                "notes": [{"key": n.key.value, "label": n.label, "value": plain(n.value)} for n in h.notes],
            }
            for h in report.headlines
        ],
        "tables": [
            {"key": s.key, "title": s.title, "dimension": s.dimension, "rows": [line(x) for x in s.lines], "total": line(s.total)}
            for s in report.sections
        ],
        "press_text": press_text(report, language),
    }


def render_json(report: Report, language: Language) -> bytes:
    return json.dumps(to_dict(report, language), ensure_ascii=False, indent=2).encode("utf-8")


def _notes(report: Report) -> list[tuple[str, Value]]:
    """Every headline's notes as (``figure: note``, value)."""
    return [(f"{h.label}: {n.label}", n.value) for h in report.headlines for n in h.notes]


def render_text(report: Report, language: Language) -> bytes:
    out = [press_text(report, language), ""]
    notes = _notes(report)
    if notes:
        out.append(_("What the figures rest on"))
        width = max(len(label) for label, _value in notes)
        for label, count in notes:
            shown = count if isinstance(count, sdc.Suppressed) else digits(int(count), language=language)
            out.append(f"  {label:<{width}}  {shown!s:>12}")
        out.append("")
    for s in report.sections:
        out.append(s.title)
        width = max(len(x.label) for x in (*s.lines, s.total))
        for ln in (*s.lines, s.total):
            value = ln.value if isinstance(ln.value, sdc.Suppressed) else digits(int(ln.value), language=language)
            out.append(f"  {ln.label:<{width}}  {value!s:>12}")
        out.append("")
    return "\n".join(out).encode("utf-8")


def _rows(report: Report) -> list[list[Any]]:
    header = [_("Table"), _("Row"), _("Value"), _("Previous period"), _("Change"), _("Change (%)")]
    rows: list[list[Any]] = [header]
    for h in report.headlines:
        rows.append([_("Summary"), h.label, plain(h.value), plain(h.previous), "", ""])
        if h.followed_up is not None:
            rows.append([_("Summary"), f"{h.label}: {h.followed_up_label}", plain(h.followed_up), "", "", ""])
        for n in h.notes:
            rows.append([_("Summary"), f"{h.label}: {n.label}", plain(n.value), "", "", ""])
    for s in report.sections:
        for ln in (*s.lines, s.total):
            rows.append([s.title, ln.label, plain(ln.value), plain(ln.previous), plain(ln.change), plain(ln.percent)])
    return rows


def render_csv(report: Report, language: Language) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in _rows(report):
        writer.writerow([neutralise(cell(v)) if not isinstance(v, (int, float)) else v for v in row])
    # A byte-order mark so that spreadsheets read å, ä and ö right.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def render_xlsx(report: Report, language: Language) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = _("Summary")[:31]
    summary.append([_("Results"), _period_label(report)])
    summary.append([_("Mode"), _mode_label(report)])
    summary.append([])
    summary.append([_("Figure"), _("Value"), _("Previous period"), _("Followed up")])
    for h in report.headlines:
        summary.append([neutralise(h.label), plain(h.value), plain(h.previous), plain(h.followed_up)])
    for label, value in _notes(report):
        summary.append([neutralise(label), plain(value), "", ""])
    summary.append([])
    for paragraph in press_text(report, language).splitlines():
        summary.append([neutralise(paragraph)])
    summary["A1"].font = Font(bold=True, size=14)
    used: set[str] = {summary.title}
    for s in report.sections:
        name = _sheet_name(sheet_title(s.figure, s.by), used)
        sheet = book.create_sheet(name)
        sheet.append([neutralise(s.title)])
        sheet.append([neutralise(s.dimension), _("Value"), _("Previous period"), _("Change"), _("Change (%)")])
        for ln in (*s.lines, s.total):
            sheet.append([neutralise(ln.label), plain(ln.value), plain(ln.previous), plain(ln.change), plain(ln.percent)])
        sheet["A1"].font = Font(bold=True)
        sheet.column_dimensions["A"].width = 40
    for sheet in book.worksheets:
        _mark_sheet(sheet, marking(report))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# Short names for the sheets of an XLSX (a sheet's name has at most 31 characters).
SHEET_FIGURES: dict[Figure, Promise] = {
    Figure.JOINT_SHIFTS: gettext_lazy("Shifts"),
    Figure.MINORS: gettext_lazy("Minors"),
    Figure.MINORS_REFERRED: gettext_lazy("Minors referred"),
    Figure.ADULTS: gettext_lazy("Adults"),
    Figure.ADULTS_INFORMED: gettext_lazy("Adults informed"),
    Figure.BUYERS: gettext_lazy("Buyers"),
    Figure.MINOR_BUYERS: gettext_lazy("Minor buyers"),
    Figure.MINOR_BUYERS_REFERRED: gettext_lazy("Minor buyers referred"),
}
SHEET_DIMENSIONS: dict[Dimension, Promise] = {
    Dimension.AREA: gettext_lazy("area"),
    Dimension.VENUE_KIND: gettext_lazy("venue kind"),
    Dimension.BASIS: gettext_lazy("basis"),
    Dimension.MONTH: gettext_lazy("month"),
    Dimension.OFFENCE: gettext_lazy("offence"),
}


def sheet_title(figure: Figure, by: Dimension) -> str:
    """The sheet's name in the user's language, e.g. "Minderåriga per område"."""
    return _("%(figure)s by %(dimension)s") % {
        "figure": SHEET_FIGURES.get(figure, figure), "dimension": SHEET_DIMENSIONS.get(by, by),
    }


def _sheet_name(name: str, used: set[str]) -> str:
    name = "".join(" " if c in "[]:*?/\\" else c for c in name)[:31]
    base, n = name, 2
    while name in used:
        name = f"{base[:28]} {n}"
        n += 1
    used.add(name)
    return name


def render_pdf(report: Report, language: Language) -> bytes:
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing
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

    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    title = _("Results of the joint work against prostitution and human trafficking")
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, title=title, author="Samverkan", leftMargin=20 * mm, rightMargin=20 * mm,
        topMargin=18 * mm, bottomMargin=18 * mm, lang=language,
    )
    story: list[Any] = [Paragraph(title, styles["Title"]), Paragraph(f"{_period_label(report)} · {_mode_label(report)}", styles["Normal"]), Spacer(1, 6 * mm)]
    for paragraph in press_text(report, language).split("\n"):
        if paragraph.strip():
            style = styles["Heading2"] if paragraph.startswith(("FAKTA", "FACTS")) else styles["BodyText"]
            story.append(Paragraph(_escape(paragraph), style))
    story.append(Spacer(1, 6 * mm))
    grid_style = TableStyle([
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8ecf2")),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa3b2")),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
    ])
    head = [[_("Figure"), _("Value"), _("Previous period"), _("Followed up")]]
    for h in report.headlines:
        head.append([
            Paragraph(_escape(h.label), styles["BodyText"]),
            shown(h.value, language), shown(h.previous, language), shown(h.followed_up, language),
        ])
        head += [[Paragraph(_escape(f"– {n.label}"), styles["BodyText"]), shown(n.value, language), "", ""] for n in h.notes]
    story += [Table(head, colWidths=[85 * mm, 25 * mm, 30 * mm, 30 * mm], style=grid_style), Spacer(1, 6 * mm)]
    for s in report.sections:
        rows: list[list[Any]] = [[s.dimension, _("Value"), _("Previous period"), _("Change"), "%"]]
        rows += [
            [ln.label, *(shown(v, language) for v in (ln.value, ln.previous, ln.change, ln.percent))]
            for ln in (*s.lines, s.total)
        ]
        block: list[Any] = [Paragraph(_escape(s.title), styles["Heading3"])]
        if s.by is Dimension.MONTH and all(isinstance(ln.value, int) for ln in s.lines):
            block.append(_bar_chart(s, VerticalBarChart, Drawing, colors))
        block += [Table(rows, colWidths=[70 * mm, 25 * mm, 30 * mm, 25 * mm, 20 * mm], style=grid_style), Spacer(1, 5 * mm)]
        story.append(KeepTogether(block))
    mark = marking(report)
    doc.samverkan_marking = mark  # the footer repeats it

    def on_page(canvas: Any, page_doc: Any) -> None:
        _marking(canvas, page_doc, mark, internal=not report.is_public)
        _footer(canvas, page_doc)

    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()


def _bar_chart(section: Any, chart_class: Any, drawing_class: Any, colors: Any) -> Any:
    drawing = drawing_class(440, 130)
    chart = chart_class()
    chart.x, chart.y, chart.width, chart.height = 30, 20, 400, 100
    chart.data = [[int(ln.value) for ln in section.lines]]
    chart.categoryAxis.categoryNames = [ln.label[:3] for ln in section.lines]
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = colors.HexColor("#10346b")
    drawing.add(chart)
    return drawing


def _marking(canvas: Any, doc: Any, text: str, *, internal: bool) -> None:
    """The marking at the top of every page: red for an internal document."""
    canvas.saveState()
    canvas.setFont("Helvetica-Bold", 9)
    canvas.setFillColorRGB(0.69, 0, 0.13) if internal else canvas.setFillColorRGB(0.1, 0.37, 0.13)
    width, height = doc.pagesize
    canvas.drawCentredString(width / 2, height - 10 * 2.835, text)
    canvas.restoreState()


def _footer(canvas: Any, doc: Any) -> None:
    canvas.saveState()
    canvas.setFont("Helvetica", 8)
    canvas.drawString(doc.leftMargin, 10 * 2.835, f"Samverkan · {doc.page}")
    mark = getattr(doc, "samverkan_marking", "")
    if mark:
        canvas.drawRightString(doc.pagesize[0] - doc.rightMargin, 10 * 2.835, mark)
    canvas.restoreState()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


RENDERERS: dict[str, Callable[[Report, Language], bytes]] = {
    "text": render_text,
    "json": render_json,
    "csv": render_csv,
    "xlsx": render_xlsx,
    "pdf": render_pdf,
}


def render(report: Report, fmt: str, language: Language = "sv") -> bytes:
    if fmt not in RENDERERS:
        raise ValueError(f"Unknown format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    return RENDERERS[fmt](report, language)
