"""The facts a proposed plan is scored from, gathered from what the user may see.

Everything is read through the access functions (``visible_to``): encounters,
shifts and venue visits of the collaboration; tips as far as the user reads them
(a coordinator: the summary — status, urgency, relevance, when — and the venue it
was linked to, never its text or source); networks as far as the user reads them
(a coordinator: where their items place them, matched to the venues by the one
rule for addresses, ``lib.places.normalise_address``). The scoring itself is
``samverkan.lib.shiftplan``, Django-free.

Who may plan: whoever may create shifts and reads the tips they are planned from
(``can(TIP, LIST)``): coordinators and police analysts. Officers, investigators and
social workers, who may create a shift but read no tips, get a 404, like any list
they reach nothing of; a role that reads tips but may not create shifts a 403.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Case, Max, Q, Value, When
from django.utils import timezone

from samverkan.accounts.models import Area, AreaKind, Collaboration, User
from samverkan.accounts.policy import Action, RecordType, can
from samverkan.intel.models import IntelItem, Network, Relevance, Tip, TipStatus, Urgency
from samverkan.lib import shiftplan
from samverkan.lib.places import normalise_address
from samverkan.operations.models import Encounter, Shift, ShiftStatus, Venue, VenueVisit
from samverkan.support.counting import EXPLOITED, MINOR_AT_ENCOUNTER

LOOKBACK_DAYS = 182
TIP_DAYS = 90
NETWORK_DAYS = shiftplan.NETWORK_DAYS

URGENCY_WEIGHT: dict[str, float] = {Urgency.URGENT: 2.0, Urgency.SOON: 1.5, Urgency.ROUTINE: 1.0}
RELEVANCE_WEIGHT: dict[str, float] = {Relevance.HIGH: 1.5, Relevance.MEDIUM: 1.0, Relevance.LOW: 0.5}


def hour_of_week(moment: dt.datetime) -> int:
    local = timezone.localtime(moment)
    return local.weekday() * 24 + local.hour


def may_plan(user: User) -> bool:
    return can(user, RecordType.TIP, Action.LIST) and can(user, RecordType.SHIFT, Action.CREATE)


def plan_areas(user: User, week: dt.date | None = None) -> Any:
    """The areas a shift can be planned in (as the shift form offers them), in use in the week if given."""
    agencies = [a for c in user.collaborations() for a in c.agencies.all()]
    areas = Area.objects.filter(agency__in=agencies).exclude(kind=AreaKind.POLICE_DISTRICT)
    if week is not None:
        areas = areas.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=week + dt.timedelta(days=6)))
        areas = areas.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=week))
    return areas.order_by("kind", "name")


@dataclass(frozen=True)
class Gathered:
    facts: shiftplan.Facts
    areas: dict[str, Area]
    venues: dict[int, Venue]


def gather(user: User, collaboration: Collaboration, week_start: dt.datetime) -> Gathered:
    """The facts before ``week_start`` (aware, the Monday's midnight) that the user may see."""
    since = week_start - dt.timedelta(days=LOOKBACK_DAYS)

    def age(moment: dt.datetime) -> float:
        return (week_start - moment).total_seconds() / 86400

    areas = {str(a.pk): a for a in plan_areas(user, timezone.localdate(week_start))}
    venue_qs = Venue.objects.visible_to(user, Action.LIST).filter(collaboration=collaboration, area__in=list(areas.values()))
    venues = {v.pk: v for v in venue_qs.select_related("area")}
    infos = tuple(shiftplan.VenueInfo(v.pk, v.name, str(v.area_id)) for v in venues.values())

    found: list[shiftplan.Found] = []
    visits: dict[tuple[int, int], dt.datetime] = {}
    if can(user, RecordType.ENCOUNTER, Action.LIST):
        encounters = Encounter.objects.visible_to(user, Action.LIST).filter(
            collaboration=collaboration, occurred_at__gte=since, occurred_at__lt=week_start,
        )
        exploited = encounters.filter(EXPLOITED).annotate(
            minor=Case(When(MINOR_AT_ENCOUNTER, then=Value(True)), default=Value(False), output_field=BooleanField()),
        )
        for venue_id, venue_area, shift_area, at, minor in exploited.values_list(
            "venue", "venue__area", "shift__area", "occurred_at", "minor",
        ).order_by("occurred_at", "pk"):
            area = str(venue_area or shift_area)
            found.append(shiftplan.Found(area, venue_id if venue_id in venues else None, hour_of_week(at), age(at), bool(minor)))
        for row in encounters.values("shift", "venue").annotate(at=Max("occurred_at")).order_by():
            visits[(row["shift"], row["venue"])] = row["at"]
    for row in (
        VenueVisit.objects.visible_to(user, Action.LIST)
        .filter(shift__collaboration=collaboration, arrived_at__gte=since, arrived_at__lt=week_start)
        .values("shift", "venue").annotate(at=Max("arrived_at")).order_by()
    ):
        pair = (row["shift"], row["venue"])
        visits[pair] = max(row["at"], visits.get(pair, row["at"]))

    effort = [
        shiftplan.Effort(str(area_id), hour_of_week(starts), max(1, math.ceil((ends - starts).total_seconds() / 3600)), age(starts))
        # The shifts worked: completed, or under way when the week starts (their finds count too).
        for area_id, starts, ends in Shift.objects.visible_to(user, Action.LIST).joint()
        .filter(collaboration=collaboration, status__in=(ShiftStatus.COMPLETED, ShiftStatus.ONGOING))
        .starting_between(since, week_start)
        .values_list("area", "starts_at", "ends_at").order_by("starts_at", "pk")
    ]

    tips: list[shiftplan.TipFact] = []
    if can(user, RecordType.TIP, Action.LIST):
        rows = (
            Tip.objects.visible_to(user, Action.LIST)
            .filter(collaboration=collaboration, submitted_at__gte=week_start - dt.timedelta(days=TIP_DAYS), submitted_at__lt=week_start)
            .values_list("venue", "venue__area", "shift__area", "urgency", "relevance", "status", "observed_at", "submitted_at")
            .order_by("submitted_at", "pk")
        )
        for venue_id, venue_area, shift_area, urgency, relevance, status, observed, submitted in rows:
            weight = URGENCY_WEIGHT.get(urgency, 1.0) * RELEVANCE_WEIGHT.get(relevance, 1.0)
            if status == TipStatus.CLOSED:
                weight *= 0.5
            tip_area = venue_area or shift_area
            tips.append(shiftplan.TipFact(
                str(tip_area) if tip_area else None, venue_id if venue_id in venues else None, age(submitted), weight,
                hour_of_week(observed) if observed else None,
            ))

    networks: list[shiftplan.NetworkFact] = []
    if can(user, RecordType.NETWORK, Action.LIST) and venues:
        by_address: dict[str, list[int]] = {}
        for v in venues.values():
            street = normalise_address(v.address)
            if street:
                by_address.setdefault(street, []).append(v.pk)
        keys = dict(Network.objects.visible_to(user, Action.LIST).active().values_list("pk", "key"))
        counts: dict[tuple[int, str], int] = {}
        items = IntelItem.objects.filter(
            membership__network__in=list(keys), observed_at__gte=week_start - dt.timedelta(days=NETWORK_DAYS), observed_at__lt=week_start,
        ).exclude(address="")
        for network_id, address in items.values_list("membership__network", "address").iterator():
            for venue_id in by_address.get(normalise_address(address) or "", []):
                counts[(venue_id, keys[network_id])] = counts.get((venue_id, keys[network_id]), 0) + 1
        networks = [shiftplan.NetworkFact(v, k, n) for (v, k), n in sorted(counts.items())]

    facts = shiftplan.Facts(
        areas=tuple(sorted(areas)),
        venues=tuple(sorted(infos, key=lambda i: i.pk)),
        found=tuple(found),
        effort=tuple(effort),
        tips=tuple(tips),
        networks=tuple(networks),
        visits=tuple(shiftplan.VisitFact(venue, age(at)) for (_shift, venue), at in sorted(visits.items())),
    )
    return Gathered(facts, areas, venues)
