"""Server-rendered SVG bar charts: no script, readable without colour, with a text alternative."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from samverkan.lib import disclosure_control as sdc
from samverkan.reports.report import Section

register = template.Library()

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 220, 36, 48, 16


@register.simple_tag
def bar_chart(section: Section, chart_id: str) -> SafeString:
    """A bar per line; suppressed values are drawn as a hatched stub and named in their title."""
    lines = section.lines
    values = [ln.value if isinstance(ln.value, int) else 0 for ln in lines]
    top = max([*values, 1])
    step = (WIDTH - PAD_LEFT) / max(len(lines), 1)
    bar = step * 0.7
    plot = HEIGHT - PAD_BOTTOM - PAD_TOP
    bars = []
    for i, ln in enumerate(lines):
        x = PAD_LEFT + i * step + (step - bar) / 2
        suppressed = isinstance(ln.value, sdc.Suppressed)
        value = 0 if suppressed else int(ln.value)  # type: ignore[arg-type]
        h = plot * value / top if not suppressed else 4
        y = HEIGHT - PAD_BOTTOM - h
        bars.append((
            f"{x:.1f}", f"{y:.1f}", f"{bar:.1f}", f"{h:.1f}",
            "bar bar--suppressed" if suppressed else "bar",
            f"{ln.label}: {ln.value}",
            f"{x + bar / 2:.1f}", str(HEIGHT - PAD_BOTTOM + 14), ln.label[:3] if len(lines) > 8 else ln.label[:12],
            f"{x + bar / 2:.1f}", f"{y - 4:.1f}", "" if suppressed else str(value),
        ))
    body = format_html_join(
        "",
        '<g><title>{}</title><rect x="{}" y="{}" width="{}" height="{}" class="{}"></rect>'
        '<text x="{}" y="{}" class="chart__label" text-anchor="middle">{}</text>'
        '<text x="{}" y="{}" class="chart__value" text-anchor="middle">{}</text></g>',
        ((b[5], b[0], b[1], b[2], b[3], b[4], b[6], b[7], b[8], b[9], b[10], b[11]) for b in bars),
    )
    return format_html(
        # Drawn at its own size, never shrunk below it (the labels would shrink to ~6 px on a
        # phone): a narrow screen scrolls it sideways, by keyboard too (a focusable region).
        '<div class="chart-wrap" role="region" tabindex="0" aria-labelledby="{}-title">'
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title" preserveAspectRatio="xMidYMid meet">'
        '<title id="{}-title">{}</title>'
        '<line x1="{}" y1="{}" x2="{}" y2="{}" class="chart__axis"></line>{}</svg></div>',
        chart_id, WIDTH, HEIGHT, chart_id, chart_id, section.title,
        PAD_LEFT, HEIGHT - PAD_BOTTOM, WIDTH, HEIGHT - PAD_BOTTOM, body,
    )
