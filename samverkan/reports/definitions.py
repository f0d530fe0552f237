"""The results statistics of DESIGN.md §5, each figure declared once.

Every figure the collaboration publishes is one ``Declaration`` in ``FIGURES``:
its key (``Figure``), its label, the unit it counts (``Unit``), the record
types it counts (``accounts.policy``: who may see it exactly follows from
them), the breakdowns it is published by (``Dimension``), and which of its
unit's rows in the period it counts. An "of whom" figure (``of``) counts a
part of another's units: its rows are the other's rows that also meet its own
condition.

The counting units differ on purpose (Brå's conventions): shifts are counted
as shifts, people found as *distinct persons*, and buyers as *distinct
suspects* — not as encounters or offences.

- A person found is a social-services client linked to the encounter; an
  encounter that no client is linked to counts as one person of its own.
  How many of a figure's persons rest on such encounters is shown beside it
  (``Note.UNLINKED``): a person met three times and never linked may be
  counted three times there.
- Age is the best established age at the encounter: the age band that a
  date of birth, documents or a professional or medical assessment of the
  linked client gives for the encounter's day (``ClientEncounter.age_band``,
  revised whenever one is recorded), else the band recorded at the encounter.
  For suspects it is the age at the offence, frozen at registration. An
  uncertain age counts as a minor (presumption of childhood,
  ``samverkan.lib.age``), and how many of the minors rest on an uncertain age
  only — none of their encounters counted shows them under 18 for certain —
  is shown beside them (``Note.AGE_UNCERTAIN``). The child-concern report
  filed at the encounter stands whatever is learnt later.
- A joint shift is a completed shift that is not part of one of the police's
  own operations (``OperationKind.POLICE``).
- The period is by the encounter's or the offence's date in Swedish time:
  a report dated 31 December counts in that year.
- A minor counts as linked to support within social services when the client
  has a referral (not declined) to a unit of social services' own support
  (``support.models.SUPPORT_WITHIN_SOCIAL_SERVICES``: not health care, a
  shelter, a voluntary organisation, a national line, a programme for buyers
  or a tip line) sent on or after the day of one of their encounters in the
  period; an
  adult counts as informed when a support action (information, an offer,
  acceptance or refusal) is recorded on or after such a day.
- A buyer under 18 counts as referred to social services when a
  child-concern report was filed for them.

Breakdowns place each unit in exactly one cell: that of its first counted row
(encounter, offence) in the period, by time and then by id, so that every
breakdown sums to its total.

From the declarations follow ``units`` and ``units_by`` (the units a figure
counts, in all and in each cell of a breakdown, named stably for the cell key
method), ``count`` and ``breakdown`` (their numbers), and, in ``report`` and
``access``, the headlines, the tables and who may see each figure.
``reports.tally`` counts every figure and breakdown of a period in three
queries, for the pages and exports: an optimisation, which the tests pin to
``count`` and ``breakdown`` here and to counts by hand.

These functions count over the whole database: callers decide who may see
the figures (``samverkan.accounts.policy``: aggregates), never the records.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Value, When, Window
from django.db.models.expressions import Expression
from django.db.models.functions import ExtractMonth, RowNumber, TruncDate
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from samverkan.accounts.policy import RecordType
from samverkan.investigations.models import MINOR_AT_OFFENCE, Suspect
from samverkan.operations.models import (
    Encounter,
    EncounterRole,
    Shift,
)
from samverkan.support.counting import (
    ADULT_AT_ENCOUNTER,
    AGE_UNCERTAIN_AT_ENCOUNTER,
    MINOR_AT_ENCOUNTER,
    person_found,
)
from samverkan.support.models import (
    INFORMED_KINDS,
    SUPPORT_WITHIN_SOCIAL_SERVICES,
    Referral,
    ReferralStatus,
    SupportAction,
)


@dataclass(frozen=True)
class Filter:
    """A period (inclusive dates, Swedish time) and optional areas and operation."""

    start: dt.date
    end: dt.date
    area_ids: frozenset[int] = field(default_factory=frozenset)
    operation_id: int | None = None
    collaboration_ids: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def year(cls, year: int, **kwargs: object) -> Filter:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), **kwargs)  # type: ignore[arg-type]

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(self.start, dt.time(), tzinfo=tz)
        end = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=tz)
        return start, end


# --- The rows each unit is counted from ------------------------------------------------------


def _shift_scope(f: Filter, prefix: str = "") -> Q:
    q = Q()
    if f.area_ids:
        q &= Q(**{f"{prefix}area_id__in": f.area_ids})
    if f.operation_id is not None:
        q &= Q(**{f"{prefix}operation_id": f.operation_id})
    if f.collaboration_ids:
        q &= Q(**{f"{prefix}collaboration_id__in": f.collaboration_ids})
    return q


def completed_shifts(f: Filter) -> QuerySet[Shift]:
    """Completed joint shifts (not the police's own operations') that started in the period."""
    start, end = f.bounds()
    return Shift.objects.completed().joint().filter(starts_at__gte=start, starts_at__lt=end).filter(_shift_scope(f))


# The age band of an encounter by the best established age, and the person it counts as, are
# declared once in ``support.counting`` (the shift planning counts with them too).


def exploited_encounters(f: Filter, *, minors: bool | None = None) -> QuerySet[Encounter]:
    """Encounters with persons in prostitution in the period: minors, adults, or every one (``None``)."""
    start, end = f.bounds()
    encounters = Encounter.objects.filter(
        role=EncounterRole.EXPLOITED, occurred_at__gte=start, occurred_at__lt=end
    ).filter(_shift_scope(f, "shift__"))
    if minors is None:
        return encounters
    return encounters.filter(condition(Figure.MINORS if minors else Figure.ADULTS))


def reported_buyers(f: Filter) -> QuerySet[Suspect]:
    """Suspects of buying sex (BrB 6:11 and attempt, 6:9) with the offence in the period."""
    start, end = f.bounds()
    scope = Q()
    if f.area_ids:
        scope &= Q(crime_report__shift__area_id__in=f.area_ids) | Q(
            crime_report__shift__isnull=True, crime_report__venue__area_id__in=f.area_ids
        )
    if f.operation_id is not None:
        scope &= Q(crime_report__shift__operation_id=f.operation_id)
    if f.collaboration_ids:
        scope &= Q(crime_report__collaboration_id__in=f.collaboration_ids)
    return Suspect.objects.of_sex_purchase().committed_between(start, end).filter(scope)


def _encounters_with_their_day(f: Filter) -> QuerySet[Encounter]:
    # The day in Swedish time, for the follow-ups "on or after the day of the encounter".
    return exploited_encounters(f).annotate(day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()))


class Unit(enum.StrEnum):
    """What a figure counts, each once."""

    SHIFTS = "shifts"
    PERSONS = "persons"  # found in prostitution: a client, or an encounter nobody is linked to
    SUSPECTS = "suspects"  # distinct persons (``Suspect.person_key``) reported for an offence


class Note(enum.StrEnum):
    """What is shown beside a figure of persons found: how many of them rest on what is uncertain."""

    AGE_UNCERTAIN = "age_uncertain"  # none of their counted encounters shows them under 18 for certain
    UNLINKED = "unlinked"  # an encounter that no client is linked to, counted as a person of its own


NOTE_LABELS: dict[Note, Promise] = {
    Note.AGE_UNCERTAIN: _("of whom age uncertain"),
    Note.UNLINKED: _("of whom met at an encounter not linked to a client"),
}


# The records a note reads beyond its figure's: which encounters are linked to a client and
# what is established of a client's age are social services' (an aggregate scope on clients).
NOTE_RECORDS: dict[Note, tuple[RecordType, ...]] = {
    Note.AGE_UNCERTAIN: (RecordType.CLIENT,),
    Note.UNLINKED: (RecordType.CLIENT,),
}


class Dimension(enum.StrEnum):
    """What a figure can be broken down by."""

    AREA = "area"
    VENUE_KIND = "venue_kind"
    BASIS = "basis"
    MONTH = "month"
    OFFENCE = "offence"


def month(field_name: str) -> ExtractMonth:
    """The month of a moment, in Swedish time."""
    return ExtractMonth(field_name, tzinfo=timezone.get_current_timezone())


def _person_name(person: int) -> str:
    return f"client:{person}" if person > 0 else f"encounter:{-person}"


@dataclass(frozen=True)
class Source:
    """A unit's rows in a period, the unit each row counts, and the cells a row falls in."""

    rows: Callable[[Filter], QuerySet[Any]]
    unit: Callable[[], Expression | F]
    name: Callable[[Any], str]  # the unit's stable name, e.g. ``client:12`` (cell key method)
    at: str  # a unit's first row is the earliest by this moment, then by id
    # The field each dimension reads; the month is that of the field's moment.
    fields: Mapping[Dimension, str]

    def cell(self, dimension: Dimension) -> Expression | F:
        path = self.fields[dimension]
        return month(path) if dimension is Dimension.MONTH else F(path)


SOURCES: dict[Unit, Source] = {
    Unit.SHIFTS: Source(
        rows=completed_shifts,
        unit=lambda: F("pk"),
        name=lambda pk: f"shift:{pk}",
        at="starts_at",
        fields={Dimension.AREA: "area_id", Dimension.BASIS: "basis", Dimension.MONTH: "starts_at"},
    ),
    Unit.PERSONS: Source(
        rows=_encounters_with_their_day,
        # The client, or the encounter (negated) that no client is linked to.
        unit=person_found,
        name=_person_name,
        at="occurred_at",
        fields={
            Dimension.AREA: "shift__area_id",
            Dimension.VENUE_KIND: "venue__kind",
            Dimension.BASIS: "shift__basis",
            Dimension.MONTH: "occurred_at",
        },
    ),
    Unit.SUSPECTS: Source(
        rows=reported_buyers,
        unit=lambda: F("person_key"),
        name=lambda key: f"suspect:{key}",
        at="crime_report__committed_at",
        fields={
            Dimension.AREA: "crime_report__shift__area_id",
            Dimension.OFFENCE: "crime_report__offence__key",
            Dimension.MONTH: "crime_report__committed_at",
        },
    ),
}


# --- The figures ------------------------------------------------------------------------------


class Figure(enum.StrEnum):
    """Every published figure; the values are the keys of the exports."""

    JOINT_SHIFTS = "shifts"
    MINORS = "minors"
    MINORS_REFERRED = "minors_referred"
    ADULTS = "adults"
    ADULTS_INFORMED = "adults_informed"
    BUYERS = "buyers"
    MINOR_BUYERS = "minor_buyers"
    MINOR_BUYERS_REFERRED = "minor_buyers_referred"


# Records that show a client was followed up on or after a day: ``(client, day) → queryset``.
FollowUp = Callable[[Any, Any], QuerySet[Any]]


def referred_since(client: Any, day: Any) -> QuerySet[Referral]:
    """A referral of the client to social services' own support, not declined, sent on or after the day."""
    return Referral.objects.exclude(status=ReferralStatus.DECLINED).filter(
        client_id=client, sent_on__gte=day, unit__kind__in=SUPPORT_WITHIN_SOCIAL_SERVICES
    )


def informed_since(client: Any, day: Any) -> QuerySet[SupportAction]:
    """Information, an offer, or its acceptance or refusal, recorded for the client on or after the day."""
    return SupportAction.objects.filter(kind__in=INFORMED_KINDS, client_id=client, happened_on__gte=day)


@dataclass(frozen=True)
class Declaration:
    figure: Figure
    label: str | Promise
    unit: Unit
    # The record types it counts (access needs these and those of the figure it is part of).
    records: tuple[RecordType, ...]
    # Which of the unit's rows in the period it counts (all, without a condition).
    where: Q | None = None
    # Persons found: followed up on or after the day of one of their encounters counted.
    since: FollowUp | None = None
    # An "of whom" figure: a part of this figure's units (its rows, and ``where``/``since``).
    of: Figure | None = None
    # Shown beside the headline of ``of`` (how many of them were followed up), not as a headline.
    follow_up: bool = False
    # The breakdowns it is published by, in their order.
    dimensions: tuple[Dimension, ...] = ()
    # Shown beside it: how many of its persons rest on an uncertain age, on unlinked encounters.
    notes: tuple[Note, ...] = ()


FIGURES: dict[Figure, Declaration] = {
    d.figure: d
    for d in (
        Declaration(
            Figure.JOINT_SHIFTS, _("Joint shifts"), Unit.SHIFTS, (RecordType.SHIFT,),
            dimensions=(Dimension.MONTH, Dimension.AREA, Dimension.BASIS),
        ),
        Declaration(
            Figure.MINORS, _("Persons under 18 found in prostitution"), Unit.PERSONS, (RecordType.ENCOUNTER,),
            where=MINOR_AT_ENCOUNTER,
            dimensions=(Dimension.MONTH, Dimension.AREA, Dimension.VENUE_KIND, Dimension.BASIS),
            notes=(Note.AGE_UNCERTAIN, Note.UNLINKED),
        ),
        Declaration(
            Figure.MINORS_REFERRED, _("linked to support within social services"), Unit.PERSONS,
            (RecordType.REFERRAL,),
            since=referred_since, of=Figure.MINORS, follow_up=True,
        ),
        Declaration(
            Figure.ADULTS, _("Adults found in prostitution"), Unit.PERSONS, (RecordType.ENCOUNTER,),
            where=ADULT_AT_ENCOUNTER,
            dimensions=(Dimension.MONTH, Dimension.AREA, Dimension.VENUE_KIND, Dimension.BASIS),
            notes=(Note.UNLINKED,),
        ),
        Declaration(
            Figure.ADULTS_INFORMED, _("informed of support"), Unit.PERSONS, (RecordType.SUPPORT_ACTION,),
            since=informed_since, of=Figure.ADULTS, follow_up=True,
        ),
        Declaration(
            Figure.BUYERS, _("Persons reported for buying sex"), Unit.SUSPECTS, (RecordType.SUSPECT,),
            dimensions=(Dimension.MONTH, Dimension.AREA, Dimension.OFFENCE),
        ),
        Declaration(
            Figure.MINOR_BUYERS, _("of them under 18"), Unit.SUSPECTS, (RecordType.SUSPECT,),
            where=MINOR_AT_OFFENCE, of=Figure.BUYERS,
        ),
        Declaration(
            Figure.MINOR_BUYERS_REFERRED, _("referred to social services"), Unit.SUSPECTS,
            (RecordType.CHILD_CONCERN_REPORT,),
            where=Q(child_concern_report__isnull=False), of=Figure.MINOR_BUYERS, follow_up=True,
        ),
    )
}


def lineage(figure: Figure) -> Iterator[Declaration]:
    """The figure's declaration, then that of the figure it is part of, and so on."""
    declaration: Declaration | None = FIGURES[figure]
    while declaration is not None:
        yield declaration
        declaration = FIGURES[declaration.of] if declaration.of is not None else None


def records_needed(figure: Figure) -> frozenset[RecordType]:
    """Every record type a figure counts: its own and those of the figures it is part of."""
    return frozenset(record for declaration in lineage(figure) for record in declaration.records)


def condition(figure: Figure) -> Q:
    """Which of its unit's rows in the period a figure counts (``Q()``: every one)."""
    q = Q()
    for declaration in lineage(figure):
        if declaration.where is not None:
            q &= declaration.where
        if declaration.since is not None:
            # A person found: the encounter's client, on or after the encounter's day.
            q &= Q(Exists(declaration.since(OuterRef("client_link__client_id"), OuterRef("day"))))
    return q


def headlines() -> list[tuple[Declaration, Declaration | None]]:
    """The figures shown as headlines, in order, each with the figure shown beside it, if any."""
    beside = {d.of: d for d in FIGURES.values() if d.follow_up}
    return [(d, beside.get(d.figure)) for d in FIGURES.values() if not d.follow_up]


# --- Counting straight from the declarations ---------------------------------------------------


def _counted(figure: Figure, f: Filter) -> tuple[Source, QuerySet[Any]]:
    source = SOURCES[FIGURES[figure].unit]
    return source, source.rows(f).filter(condition(figure)).annotate(unit=source.unit())


def units(figure: Figure, f: Filter) -> list[str]:
    """The units a figure counts in the period, by name."""
    source, rows = _counted(figure, f)
    # order_by(): the model's default ordering would otherwise enter the DISTINCT.
    return [source.name(unit) for unit in rows.order_by().values_list("unit", flat=True).distinct()]


def units_by(figure: Figure, f: Filter, dimension: Dimension) -> dict[object, list[str]]:
    """The units a figure counts, in the cell of their first counted row, by name."""
    if dimension not in FIGURES[figure].dimensions:
        raise ValueError(f"{figure} is not broken down by {dimension}.")
    source, rows = _counted(figure, f)
    firsts = rows.annotate(
        cell=source.cell(dimension),
        rank=Window(RowNumber(), partition_by=[source.unit()], order_by=[F(source.at).asc(), F("pk").asc()]),
    ).filter(rank=1)
    cells: dict[object, list[str]] = {}
    for cell, unit in firsts.values_list("cell", "unit"):
        cells.setdefault(cell, []).append(source.name(unit))
    return cells


def count(figure: Figure, f: Filter) -> int:
    """How many units a figure counts in the period."""
    _source, rows = _counted(figure, f)
    return rows.order_by().values("unit").distinct().count()


def breakdown(figure: Figure, f: Filter, dimension: Dimension) -> dict[object, int]:
    """How many units a figure counts in each cell of a breakdown."""
    return {cell: len(names) for cell, names in units_by(figure, f, dimension).items()}


def noted_units(figure: Figure, note: Note, f: Filter) -> list[str]:
    """The figure's units that a note counts, by name (the notes are of persons found)."""
    if note not in FIGURES[figure].notes:
        raise ValueError(f"{figure} has no note {note}.")
    names = units(figure, f)
    if note is Note.UNLINKED:
        return [name for name in names if name.startswith("encounter:")]
    # Age uncertain: no counted encounter of theirs has an age other than uncertain.
    source, rows = _counted(figure, f)
    flagged = rows.annotate(
        uncertain=Case(When(AGE_UNCERTAIN_AT_ENCOUNTER, then=Value(1)), default=Value(0))
    ).filter(uncertain=0)
    certain = {source.name(unit) for unit in flagged.order_by().values_list("unit", flat=True).distinct()}
    return [name for name in names if name not in certain]


def noted(figure: Figure, note: Note, f: Filter) -> int:
    """How many of the figure's units a note counts."""
    return len(noted_units(figure, note, f))
