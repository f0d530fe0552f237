"""The statistical units behind each cell, for the cell key method.

The cell key method needs to know *which* persons a cell counts, not only
how many: each person's fixed record key goes into the cell's key. The units
here follow the counting rules of ``definitions`` exactly (one cell per
person: their first encounter or offence in the period) and are named
stably (``client:12``, ``encounter:7``, ``suspect:<person key>``,
``shift:3``). Only the public cell-key report uses this module.
"""

from __future__ import annotations

from django.db.models import F, QuerySet, Window
from django.db.models.functions import Coalesce, RowNumber

from samverkan.operations.models import Encounter
from samverkan.reports import definitions as d


def shifts_units_by(f: d.Filter, dimension: str) -> dict[object, list[str]]:
    field = d.SHIFT_DIMENSIONS[dimension]
    cells: dict[object, list[str]] = {}
    for value, pk in d.completed_shifts(f).annotate(month=d._month("starts_at")).values_list(field, "pk"):
        cells.setdefault(value, []).append(f"shift:{pk}")
    return cells


def _first_per_person(encounters: QuerySet[Encounter]) -> QuerySet[Encounter]:
    person = Coalesce("client_link__client_id", -F("pk"))
    return encounters.annotate(
        person=person,
        rank=Window(RowNumber(), partition_by=[person], order_by=[F("occurred_at").asc(), F("pk").asc()]),
        month=d._month("occurred_at"),
    ).filter(rank=1)


def persons_found_units_by(f: d.Filter, dimension: str, *, minors: bool) -> dict[object, list[str]]:
    field = d.ENCOUNTER_DIMENSIONS[dimension]
    cells: dict[object, list[str]] = {}
    for value, person in _first_per_person(d.exploited_encounters(f, minors=minors)).values_list(field, "person"):
        cells.setdefault(value, []).append(f"client:{person}" if person > 0 else f"encounter:{-person}")
    return cells


def buyers_units_by(f: d.Filter, dimension: str) -> dict[object, list[str]]:
    field = d.BUYER_DIMENSIONS[dimension]
    firsts = (
        d.reported_buyers(f)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("person_key")],
                order_by=[F("crime_report__committed_at").asc(), F("pk").asc()],
            ),
            month=d._month("crime_report__committed_at"),
        )
        .filter(rank=1)
    )
    cells: dict[object, list[str]] = {}
    for value, key in firsts.values_list(field, "person_key"):
        cells.setdefault(value, []).append(f"suspect:{key}")
    return cells
