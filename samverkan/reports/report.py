"""The year's results as one object: figures, breakdowns, comparison — exact or safe to publish.

``build_report`` counts every figure declared in ``definitions`` (the only
place figures are defined; counted by ``tally``) for a period and its previous
period of the same length, and lays them out: a headline for each figure not
shown beside another, a table for each breakdown a figure is declared with.
In public mode the tables go through statistical disclosure control
(``samverkan.lib.disclosure_control``): small counts are suppressed with
complementary suppression, or perturbed with the cell key method (each cell
keyed by the units ``definitions.units_by`` names), and no free text is
included. Renderers (text, JSON, CSV, XLSX, PDF,
the page) only ever see the finished ``Report``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db.models import Q
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from samverkan.accounts.models import Area
from samverkan.legal.models import Offence
from samverkan.lib import disclosure_control as sdc
from samverkan.lib.swedish_numbers import Language
from samverkan.operations.models import ShiftBasis, VenueKind
from samverkan.reports import definitions as d
from samverkan.reports import tally
from samverkan.reports.definitions import Dimension, Figure


class Mode(enum.StrEnum):
    INTERNAL = "internal"
    PUBLIC = "public"


Value = int | sdc.Suppressed


@dataclass(frozen=True)
class Line:
    label: str
    value: Value
    previous: Value
    change: Value | None = None
    percent: float | sdc.Suppressed | None = None


@dataclass(frozen=True)
class Section:
    """One table: a breakdown of one figure by one dimension, with its total."""

    figure: Figure
    by: Dimension
    title: str
    dimension: str  # the dimension's title, over the rows
    lines: tuple[Line, ...]
    total: Line

    @property
    def key(self) -> str:
        return f"{self.figure}_by_{self.by}"


@dataclass(frozen=True)
class Headline:
    key: Figure
    label: str
    value: Value
    previous: Value
    followed_up: Value | None = None  # referred / informed, where the figure has one
    followed_up_label: str = ""
    # Shown beside it (``definitions.Note``): how many rest on an uncertain age, on unlinked encounters.
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True)
class Note:
    """How many of a headline figure's persons rest on something uncertain (``definitions.Note``)."""

    key: d.Note
    label: str
    value: Value


@dataclass
class Report:
    period: d.Filter
    previous_period: d.Filter
    mode: Mode
    method: str  # "exact", "suppression" or "cell_key"
    headlines: list[Headline]
    sections: list[Section]
    area_names: list[str] = field(default_factory=list)
    threshold: int = 5

    @property
    def is_public(self) -> bool:
        return self.mode is Mode.PUBLIC

    def headline(self, key: Figure) -> Headline:
        return next(h for h in self.headlines if h.key == key)


def previous_period(f: d.Filter) -> d.Filter:
    """The period of the same length just before; a calendar year gives the year before."""
    if f.start == dt.date(f.start.year, 1, 1) and f.end == dt.date(f.start.year, 12, 31):
        return d.Filter(
            dt.date(f.start.year - 1, 1, 1), dt.date(f.start.year - 1, 12, 31),
            f.area_ids, f.operation_id, f.collaboration_ids,
        )
    length = f.end - f.start
    end = f.start - dt.timedelta(days=1)
    return d.Filter(end - length, end, f.area_ids, f.operation_id, f.collaboration_ids)


# --- labels ------------------------------------------------------------------------

def _labeller(dimension: Dimension, period: d.Filter | None = None) -> Callable[[object], str]:
    if dimension is Dimension.AREA:
        areas: dict[object, str] = dict(Area.objects.values_list("pk", "name"))
        return lambda v: areas.get(v, str(_("Unknown area")))
    if dimension is Dimension.VENUE_KIND:
        kinds: dict[object, str] = {k.value: str(k.label) for k in VenueKind}
        return lambda v: kinds.get(v, str(v))
    if dimension is Dimension.BASIS:
        bases: dict[object, str] = {b.value: str(b.label) for b in ShiftBasis}
        return lambda v: bases.get(v, str(v))
    if dimension is Dimension.MONTH:
        return lambda v: _month_name(int(str(v)))
    # The names in force in the period: both where it spans a change of the law.
    offences: dict[object, str] = {
        o.key: o.label_between(period.start, period.end) if period is not None else f"{o.name} ({o.code})"
        for o in Offence.objects.prefetch_related("names")
    }
    return lambda v: offences.get(v, str(v))


def _always_shown(dimension: Dimension, period: d.Filter | None) -> list[object]:
    """Rows a breakdown shows even at zero: for the offences, every sex-purchase offence in
    force in the period, so that the table names the law as it was (both names across a change)."""
    if dimension is not Dimension.OFFENCE or period is None:
        return []
    return list(
        Offence.objects.sex_purchase()
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=period.end))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=period.start))
        .values_list("key", flat=True)
    )


MONTHS = [
    gettext_lazy("January"), gettext_lazy("February"), gettext_lazy("March"), gettext_lazy("April"),
    gettext_lazy("May"), gettext_lazy("June"), gettext_lazy("July"), gettext_lazy("August"),
    gettext_lazy("September"), gettext_lazy("October"), gettext_lazy("November"), gettext_lazy("December"),
]


def _month_name(month: int) -> str:
    return str(MONTHS[month - 1]) if 1 <= month <= 12 else calendar.month_name[month]


DIMENSION_TITLES = {
    Dimension.AREA: gettext_lazy("Area"),
    Dimension.VENUE_KIND: gettext_lazy("Kind of venue"),
    Dimension.BASIS: gettext_lazy("Basis of the shift"),
    Dimension.MONTH: gettext_lazy("Month"),
    Dimension.OFFENCE: gettext_lazy("Offence"),
}


def _change(now: int, before: int) -> tuple[int, float | None]:
    return now - before, (None if before == 0 else round(100.0 * (now - before) / before, 1))


def _section_exact(
    figure: Figure, dimension: Dimension, now: dict[object, int], before: dict[object, int], period: d.Filter | None = None
) -> Section:
    label = _labeller(dimension, period)
    keys = list(dict.fromkeys([*now, *before, *_always_shown(dimension, period)]))
    if dimension is Dimension.MONTH:
        keys = list(range(1, 13))
    lines = []
    for k in keys:
        value, prev = now.get(k, 0), before.get(k, 0)
        change, pct = _change(value, prev)
        lines.append(Line(label(k), value, prev, change, pct))
    total_now, total_before = sum(now.values()), sum(before.values())
    change, pct = _change(total_now, total_before)
    title = f"{d.FIGURES[figure].label} – {str(DIMENSION_TITLES[dimension]).lower()}"
    return Section(figure, dimension, title, str(DIMENSION_TITLES[dimension]), tuple(lines), Line(_("Total"), total_now, total_before, change, pct))


def _language() -> Language:
    return "en" if get_language() == "en" else "sv"


def _publish_section(section: Section, threshold: int) -> Section:
    """Suppress small counts in a section, in its previous period and in the changes.

    A breakdown with no rows (a period without data in either period) has nothing to
    protect: its total is 0 in both.
    """
    if not section.lines:
        return section
    current = sdc.breakdown(section.title, [(ln.label, int(ln.value)) for ln in section.lines], total_label=section.total.label)  # type: ignore[arg-type]
    previous = sdc.breakdown(section.title, [(ln.label, int(ln.previous)) for ln in section.lines], total_label=section.total.label)  # type: ignore[arg-type]
    published = sdc.compare(current, previous, threshold, language=_language()).lines()
    lines = tuple(
        Line(ln.label, pub.current, pub.previous, pub.change, _percent(pub.percent))
        for ln, pub in zip(section.lines, published, strict=False)
    )
    t = published[-1]
    return replace(section, lines=lines, total=Line(section.total.label, t.current, t.previous, t.change, _percent(t.percent)))


def _percent(value: object) -> float | sdc.Suppressed | None:
    if value is None or isinstance(value, sdc.Suppressed):
        return value
    return round(float(value), 1)  # type: ignore[arg-type]


def _publish_headline(h: Headline, threshold: int) -> Headline:
    """A figure with its follow-up is a small table: followed up + not followed up = total."""
    language = _language()
    notes = _publish_notes(h, threshold)
    previous = sdc.suppress(sdc.breakdown(h.label, [("n", int(h.previous))]), threshold, language=language).grid[-1][0]  # type: ignore[arg-type]
    if h.followed_up is None:
        value = sdc.suppress(sdc.breakdown(h.label, [("n", int(h.value))]), threshold, language=language).grid[-1][0]  # type: ignore[arg-type]
        return Headline(h.key, h.label, value, previous, notes=notes)
    followed, total = int(h.followed_up), int(h.value)  # type: ignore[arg-type]
    table = sdc.suppress(sdc.breakdown(h.label, [("followed", followed), ("not", total - followed)]), threshold, language=language)
    return Headline(h.key, h.label, table.grid[-1][0], previous, table.grid[0][0], h.followed_up_label, notes)


def _publish_notes(h: Headline, threshold: int) -> tuple[Note, ...]:
    """Each note as a part of its figure: noted + not noted = total, small counts suppressed."""
    out = []
    for note in h.notes:
        noted, total = int(note.value), int(h.value)  # type: ignore[arg-type]
        table = sdc.suppress(sdc.breakdown(note.label, [("noted", noted), ("not", total - noted)]), threshold, language=_language())
        out.append(replace(note, value=table.grid[0][0]))
    return tuple(out)


def build_report(
    f: d.Filter, *, mode: Mode = Mode.INTERNAL, method: str | None = None, before: d.Filter | None = None
) -> Report:
    """The report of ``f`` beside ``before`` (by default ``previous_period(f)``)."""
    before = before or previous_period(f)
    now, then = tally.reports(f, before)
    headlines = [
        Headline(
            shown.figure, str(shown.label), now.totals[shown.figure], then.totals[shown.figure],
            None if beside is None else now.totals[beside.figure], "" if beside is None else str(beside.label),
            tuple(Note(note, str(d.NOTE_LABELS[note]), now.notes[shown.figure][note]) for note in shown.notes),
        )
        for shown, beside in d.headlines()
    ]
    sections = [
        _section_exact(
            declaration.figure, dimension, now.by[declaration.figure][dimension], then.by[declaration.figure][dimension], f
        )
        for declaration in d.FIGURES.values()
        for dimension in declaration.dimensions
    ]
    areas = sorted(Area.objects.filter(pk__in=f.area_ids).values_list("name", flat=True)) if f.area_ids else []
    report = Report(f, before, Mode.INTERNAL, "exact", headlines, sections, areas)
    if mode is Mode.PUBLIC:
        return publish(report, method=method or settings.SAMVERKAN_PUBLIC_METHOD)
    return report


def publish(report: Report, *, method: str) -> Report:
    """The report as it may be published: suppression, or the cell key method."""
    threshold = settings.SAMVERKAN_SUPPRESSION_THRESHOLD
    if method == "cell_key":
        return _perturbed(report)
    return Report(
        report.period,
        report.previous_period,
        Mode.PUBLIC,
        "suppression",
        [_publish_headline(h, threshold) for h in report.headlines],
        [_publish_section(s, threshold) for s in report.sections],
        report.area_names,
        threshold,
    )


def _noisy(units: Iterable[str]) -> int:
    secret = settings.SAMVERKAN_CELL_KEY_SECRET.encode("utf-8")
    return sdc.perturbed_count([sdc.record_key(secret, u) for u in units])


def _perturbed(report: Report) -> Report:
    """Statistics Sweden's cell key method: every cell, totals included, gets its own
    small, fixed noise from the keys of the persons in it. Totals may then differ
    from the sum of their parts; no cell is ever suppressed."""
    f, before = report.period, report.previous_period
    sections = []
    for section in report.sections:
        now_units, before_units = d.units_by(section.figure, f, section.by), d.units_by(section.figure, before, section.by)
        label = _labeller(section.by, f)
        keys: list[object] = list(range(1, 13)) if section.by is Dimension.MONTH else list(dict.fromkeys([*now_units, *before_units, *_always_shown(section.by, f)]))
        lines = []
        for k in keys:
            value, prev = _noisy(now_units.get(k, [])), _noisy(before_units.get(k, []))
            change, pct = _change(value, prev)
            lines.append(Line(label(k), value, prev, change, pct))
        # The same rows in the same order as the exact table.
        order = {ln.label: i for i, ln in enumerate(section.lines)}
        lines.sort(key=lambda ln: order.get(ln.label, len(order)))
        total_now = _noisy(u for units in now_units.values() for u in units)
        total_before = _noisy(u for units in before_units.values() for u in units)
        change, pct = _change(total_now, total_before)
        sections.append(replace(section, lines=tuple(lines), total=Line(section.total.label, total_now, total_before, change, pct)))
    return Report(f, before, Mode.PUBLIC, "cell_key", _perturbed_headlines(report), sections, report.area_names, report.threshold)


def _perturbed_headlines(report: Report) -> list[Headline]:
    f, before = report.period, report.previous_period
    beside = {shown.figure: follow_up for shown, follow_up in d.headlines()}
    out = []
    for h in report.headlines:
        follow_up = beside[h.key]
        followed = None if follow_up is None else _noisy(d.units(follow_up.figure, f))
        notes = tuple(replace(note, value=_noisy(d.noted_units(h.key, note.key, f))) for note in h.notes)
        out.append(
            replace(
                h, value=_noisy(d.units(h.key, f)), previous=_noisy(d.units(h.key, before)), followed_up=followed,
                notes=notes,
            )
        )
    return out


def all_values(report: Report) -> Iterable[Value | None]:
    """Every count the report publishes (for the tests that no small count leaks).

    Changes between periods are not counts: a change is only published when
    both counts are, so it reveals nothing that is not already there."""
    for h in report.headlines:
        yield h.value
        yield h.previous
        yield h.followed_up
        for note in h.notes:
            yield note.value
    for s in report.sections:
        for ln in (*s.lines, s.total):
            yield ln.value
            yield ln.previous
