"""The results statistics of DESIGN.md §5, each defined once.

Every figure the collaboration publishes is computed here and nowhere else.
The counting units differ on purpose (Brå's conventions): shifts are counted
as shifts, people found as *distinct persons*, and buyers as *distinct
suspects* — not as encounters or offences.

- A person found is a social-services client linked to the encounter; an
  encounter that no client is linked to counts as one person of its own.
- Age is the age band recorded at the encounter (or, for suspects, the age
  at the offence, frozen at registration). An uncertain age counts as a
  minor (presumption of childhood).
- The period is by the encounter's or the offence's date in Swedish time:
  a report dated 31 December counts in that year.
- A minor counts as referred when the client has a referral (not declined)
  sent on or after the day of one of their encounters in the period; an
  adult counts as informed when a support action (information, an offer,
  acceptance or refusal) is recorded on or after such a day.
- A buyer under 18 counts as referred to social services when a
  child-concern report was filed for them.

Breakdowns (by area, venue kind, shift basis, month, offence) place each
person in exactly one cell: that of their first qualifying encounter (or
offence) in the period, so that every breakdown sums to its total.

These functions count over the whole database: callers decide who may see
the figures (``samverkan.accounts.policy``: aggregates), never the records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import Coalesce, ExtractMonth, RowNumber, TruncDate
from django.utils import timezone

from samverkan.investigations.models import Suspect
from samverkan.operations.models import (
    MINOR_AGE_BANDS,
    AgeBand,
    Encounter,
    EncounterRole,
    Shift,
)
from samverkan.support.models import Referral, ReferralStatus, SupportAction, SupportActionKind

INFORMED_KINDS = (
    SupportActionKind.INFORMED,
    SupportActionKind.OFFERED,
    SupportActionKind.ACCEPTED,
    SupportActionKind.DECLINED,
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


@dataclass(frozen=True)
class Followed:
    """Distinct persons, and how many of them got the follow-up (referral or information)."""

    persons: int
    followed_up: int


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
    start, end = f.bounds()
    return Shift.objects.completed().filter(starts_at__gte=start, starts_at__lt=end).filter(_shift_scope(f))


def joint_shifts(f: Filter) -> int:
    """1. Completed joint shifts that started in the period."""
    return completed_shifts(f).count()


def exploited_encounters(f: Filter, *, minors: bool) -> QuerySet[Encounter]:
    start, end = f.bounds()
    bands: Iterable[str] = MINOR_AGE_BANDS if minors else (AgeBand.ADULT,)
    return Encounter.objects.filter(
        role=EncounterRole.EXPLOITED, age_band__in=bands, occurred_at__gte=start, occurred_at__lt=end
    ).filter(_shift_scope(f, "shift__"))


def _distinct_persons(encounters: QuerySet[Encounter]) -> int:
    linked = encounters.filter(client_link__isnull=False).values("client_link__client_id").distinct().count()
    return linked + encounters.filter(client_link__isnull=True).count()


def _followed_up(encounters: QuerySet[Encounter], follow_up: QuerySet[Referral] | QuerySet[SupportAction], date_field: str) -> int:
    condition = Exists(
        follow_up.filter(client_id=OuterRef("client_link__client_id"), **{f"{date_field}__gte": OuterRef("day")})
    )
    return (
        encounters.filter(client_link__isnull=False)
        .annotate(day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()))
        .filter(condition)
        .values("client_link__client_id")
        .distinct()
        .count()
    )


def minors_found(f: Filter) -> Followed:
    """2. Distinct persons in prostitution under 18 (or possibly), and how many were referred."""
    encounters = exploited_encounters(f, minors=True)
    referrals = Referral.objects.exclude(status=ReferralStatus.DECLINED)
    return Followed(_distinct_persons(encounters), _followed_up(encounters, referrals, "sent_on"))


def adults_found(f: Filter) -> Followed:
    """3. Distinct adults in prostitution, and how many were informed of support."""
    encounters = exploited_encounters(f, minors=False)
    actions = SupportAction.objects.filter(kind__in=INFORMED_KINDS)
    return Followed(_distinct_persons(encounters), _followed_up(encounters, actions, "happened_on"))


def reported_buyers(f: Filter) -> QuerySet[Suspect]:
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
    return Suspect.objects.filter(
        crime_report__offence__counts_as_sex_purchase=True,
        crime_report__committed_at__gte=start,
        crime_report__committed_at__lt=end,
    ).filter(scope)


def persons_reported_for_buying(f: Filter) -> int:
    """4. Distinct suspects of buying sex (BrB 6:11 and attempt, 6:9) with the offence in the period."""
    return reported_buyers(f).values("person_key").distinct().count()


def minors_reported_for_buying(f: Filter) -> Followed:
    """5. Of them under 18 at the offence, and how many were referred to social services."""
    minors = reported_buyers(f).filter(age_at_offence__lt=18)
    return Followed(
        minors.values("person_key").distinct().count(),
        minors.filter(child_concern_report__isnull=False).values("person_key").distinct().count(),
    )


@dataclass(frozen=True)
class Results:
    joint_shifts: int
    minors: Followed
    adults: Followed
    buyers: int
    minor_buyers: Followed


def results(f: Filter) -> Results:
    return Results(
        joint_shifts=joint_shifts(f),
        minors=minors_found(f),
        adults=adults_found(f),
        buyers=persons_reported_for_buying(f),
        minor_buyers=minors_reported_for_buying(f),
    )


# --- Breakdowns -------------------------------------------------------------------

class Dimension:
    AREA = "area"
    VENUE_KIND = "venue_kind"
    BASIS = "basis"
    MONTH = "month"
    OFFENCE = "offence"


ENCOUNTER_DIMENSIONS = {
    Dimension.AREA: "shift__area_id",
    Dimension.VENUE_KIND: "venue__kind",
    Dimension.BASIS: "shift__basis",
    Dimension.MONTH: "month",
}
SHIFT_DIMENSIONS = {Dimension.AREA: "area_id", Dimension.BASIS: "basis", Dimension.MONTH: "month"}
BUYER_DIMENSIONS = {
    Dimension.AREA: "crime_report__shift__area_id",
    Dimension.OFFENCE: "crime_report__offence__key",
    Dimension.MONTH: "month",
}


def _month(field_name: str) -> ExtractMonth:
    return ExtractMonth(field_name, tzinfo=timezone.get_current_timezone())


def shifts_by(f: Filter, dimension: str) -> dict[object, int]:
    field = SHIFT_DIMENSIONS[dimension]
    qs = completed_shifts(f).annotate(month=_month("starts_at"))
    return {row[field]: row["n"] for row in qs.values(field).annotate(n=Count("pk")).order_by(field)}


def _first_per_person(encounters: QuerySet[Encounter]) -> QuerySet[Encounter]:
    """One row per person: their first encounter in the period."""
    person = Coalesce("client_link__client_id", -F("pk"))
    return encounters.annotate(
        person=person,
        rank=Window(RowNumber(), partition_by=[person], order_by=[F("occurred_at").asc(), F("pk").asc()]),
        month=_month("occurred_at"),
    ).filter(rank=1)


def persons_found_by(f: Filter, dimension: str, *, minors: bool) -> dict[object, int]:
    field = ENCOUNTER_DIMENSIONS[dimension]
    firsts = _first_per_person(exploited_encounters(f, minors=minors))
    counts: dict[object, int] = {}
    for value in firsts.values_list(field, flat=True):
        counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (kv[0] is None, kv[0])))


def buyers_by(f: Filter, dimension: str) -> dict[object, int]:
    field = BUYER_DIMENSIONS[dimension]
    firsts = reported_buyers(f).annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F("person_key")],
            order_by=[F("crime_report__committed_at").asc(), F("pk").asc()],
        ),
        month=_month("crime_report__committed_at"),
    ).filter(rank=1)
    counts: dict[object, int] = {}
    for value in firsts.values_list(field, flat=True):
        counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (kv[0] is None, str(kv[0]))))
