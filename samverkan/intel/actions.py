"""Writes to tips, intelligence items and networks: one transaction each, audited.

Every function checks the writer's permission itself (``require``), so no
caller can write around the access policy: a submitter may create a tip but
not read it back, police analysts triage tips, and intelligence is written by
police analysts and investigators of the owning police agency only.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samverkan.accounts.access import require
from samverkan.accounts.models import Agency, AgencyKind, Area, Collaboration, Role, User
from samverkan.accounts.policy import Action, RecordType, Scope, user_scope
from samverkan.audit.actions import audit_record
from samverkan.audit.models import AuditAction
from samverkan.intel.importing import store_records
from samverkan.intel.models import (
    FollowUpKind,
    Indicator,
    IndicatorStatus,
    IntelItem,
    ItemKind,
    ItemOrigin,
    Network,
    NetworkFollowUp,
    Tip,
    TipSource,
    TipStatus,
)
from samverkan.intel.records import ItemRecord, validate_record
from samverkan.investigations.actions import do_create_crime_report
from samverkan.investigations.models import CrimeReport
from samverkan.lib.places import address_city
from samverkan.operations.actions import do_create_shift, do_find_or_create_venue
from samverkan.operations.models import Operation, Shift, ShiftBasis, Venue
from samverkan.operations.venues import own_cities

logger = logging.getLogger(__name__)



def police_agency_of(collaboration: Collaboration) -> Agency:
    """The police agency a collaboration's tips are addressed to."""
    agency: Agency | None = collaboration.agencies.filter(kind=AgencyKind.POLICE).order_by("pk").first()
    if agency is None:
        raise ValidationError(_("The collaboration has no police agency to send the tip to."))
    return agency


# --- Tips --------------------------------------------------------------------------------------


@transaction.atomic
def do_submit_tip(
    *,
    collaboration: Collaboration,
    what: str,
    source_type: str,
    acting_user: User,
    where: str = "",
    city: str = "",
    venue_kind: str = "",
    observed_at: dt.datetime | None = None,
    when_text: str = "",
    source_name: str = "",
    source_contact: str = "",
    source_relation: str = "",
    wants_anonymity: bool = False,
    network: Network | None = None,
) -> Tip:
    """Submit a tip to the police of ``collaboration``; the source is kept apart."""
    require(acting_user, RecordType.TIP, Action.CREATE)
    membership = acting_user.membership
    assert membership is not None  # require() passed
    if not acting_user.collaborations().filter(pk=collaboration.pk).exists():
        raise ValidationError(_("Your agency is not part of this collaboration."))
    if not what.strip():
        raise ValidationError({"what": _("Say what the tip is about.")})
    if observed_at is not None and observed_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"observed_at": _("The time cannot be in the future.")})
    tip = Tip(
        collaboration=collaboration,
        addressed_to=police_agency_of(collaboration),
        submitter_agency_id=membership.agency_id,
        submitted_by=acting_user,
        what=what.strip(),
        where=where.strip(),
        city=city.strip(),
        venue_kind=venue_kind,
        observed_at=observed_at,
        when_text=when_text.strip(),
        source_type=source_type,
    )
    if network is not None:
        if network.agency_id != tip.addressed_to_id:
            raise PermissionDenied
        tip.network = network
    tip.full_clean()
    tip.save(force_insert=True)
    source = TipSource(
        tip=tip,
        name=source_name.strip(),
        contact=source_contact.strip(),
        relation=source_relation.strip(),
        wants_anonymity=wants_anonymity,
    )
    if not source.is_empty or wants_anonymity:
        source.full_clean()
        source.save()
    audit_record(acting_user, AuditAction.CREATE, RecordType.TIP, tip)
    return tip


def _writable_tip(tip: Tip, acting_user: User) -> Tip:
    require(acting_user, RecordType.TIP, Action.UPDATE)
    locked = Tip.objects.visible_to(acting_user, Action.UPDATE).select_for_update().filter(pk=tip.pk).first()
    if locked is None:
        raise PermissionDenied
    return locked


@transaction.atomic
def do_assess_tip(tip: Tip, *, relevance: str, urgency: str, assessment: str, acting_user: User) -> Tip:
    tip = _writable_tip(tip, acting_user)
    if tip.status == TipStatus.CLOSED:
        raise ValidationError(_("The tip is closed."))
    tip.relevance, tip.urgency, tip.assessment = relevance, urgency, assessment.strip()
    tip.assessed_by, tip.assessed_at = acting_user, timezone.now()
    if tip.status == TipStatus.NEW:
        tip.status = TipStatus.ASSESSED
    tip.full_clean()
    tip.save(update_fields=["relevance", "urgency", "assessment", "assessed_by", "assessed_at", "status"])
    audit_record(acting_user, AuditAction.UPDATE, RecordType.TIP, tip, "assessed")
    return tip


def _require_assessed(tip: Tip) -> None:
    if tip.status == TipStatus.NEW:
        raise ValidationError(_("Assess the tip (relevance and urgency) before linking it."))
    if tip.status == TipStatus.CLOSED:
        raise ValidationError(_("The tip is closed."))


@transaction.atomic
def do_link_tip(
    tip: Tip,
    *,
    acting_user: User,
    venue: Venue | None = None,
    operation: Operation | None = None,
    shift: Shift | None = None,
    network: Network | None = None,
) -> Tip:
    """Link an assessed tip to a venue, an operation, a shift or a network (any of them)."""
    tip = _writable_tip(tip, acting_user)
    _require_assessed(tip)
    if not any((venue, operation, shift, network)):
        raise ValidationError(_("Choose what to link the tip to."))
    changed = []
    if venue is not None:
        if venue.collaboration_id != tip.collaboration_id:
            raise ValidationError({"venue": _("The venue belongs to another collaboration.")})
        tip.venue = venue
        changed.append("venue")
    if operation is not None:
        if operation.collaboration_id != tip.collaboration_id:
            raise ValidationError({"operation": _("The operation belongs to another collaboration.")})
        tip.operation = operation
        changed.append("operation")
    if shift is not None:
        if shift.collaboration_id != tip.collaboration_id:
            raise ValidationError({"shift": _("The shift belongs to another collaboration.")})
        tip.shift = shift
        changed.append("shift")
    if network is not None:
        if not Network.objects.visible_to(acting_user, Action.VIEW).filter(pk=network.pk).exists():
            raise ValidationError({"network": _("Choose a network from the list.")})
        tip.network = network
        changed.append("network")
    tip.status = TipStatus.LINKED
    tip.linked_at = timezone.now()
    tip.save(update_fields=[*changed, "status", "linked_at"])
    audit_record(acting_user, AuditAction.UPDATE, RecordType.TIP, tip, "linked: " + ", ".join(changed))
    return tip


@transaction.atomic
def do_close_tip(tip: Tip, *, note: str, acting_user: User) -> Tip:
    tip = _writable_tip(tip, acting_user)
    if tip.status == TipStatus.CLOSED:
        return tip  # a repeated click changes nothing
    if tip.status == TipStatus.NEW:
        raise ValidationError(_("Assess the tip before closing it."))
    if not note.strip():
        raise ValidationError({"note": _("Say why the tip is closed.")})
    tip.status = TipStatus.CLOSED
    tip.closed_at = timezone.now()
    tip.closing_note = note.strip()[:500]
    tip.save(update_fields=["status", "closed_at", "closing_note"])
    audit_record(acting_user, AuditAction.UPDATE, RecordType.TIP, tip, "closed")
    return tip


@transaction.atomic
def do_plan_shift_from_tip(
    tip: Tip,
    *,
    area: Area,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    acting_user: User,
    planned_venues: Iterable[Venue] = (),
    briefing: str = "",
) -> Shift:
    """A planned shift with basis "tip", linked back to the tip.

    The police's analysts plan from the tips they triage; a coordinator, who reads the
    collaboration's tips as a summary (policy ``Scope.SUMMARY``), plans from an assessed one
    too: the shift is what coordinators make of a tip, and the link tells the analysts so.
    """
    if user_scope(acting_user, RecordType.TIP, Action.VIEW) is Scope.SUMMARY:
        require(acting_user, RecordType.SHIFT, Action.CREATE)
        found = Tip.objects.visible_to(acting_user, Action.VIEW).select_for_update().filter(pk=tip.pk).first()
        if found is None:
            raise PermissionDenied
        tip = found
    else:
        tip = _writable_tip(tip, acting_user)
    _require_assessed(tip)
    shift = do_create_shift(
        collaboration=tip.collaboration,
        area=area,
        starts_at=starts_at,
        ends_at=ends_at,
        basis=ShiftBasis.TIP,
        operation=tip.operation,
        planned_venues=planned_venues,
        briefing=briefing,
        acting_user=acting_user,
    )
    tip.shift = shift
    tip.status = TipStatus.LINKED
    tip.linked_at = timezone.now()
    tip.save(update_fields=["shift", "status", "linked_at"])
    audit_record(acting_user, AuditAction.UPDATE, RecordType.TIP, tip, f"planned shift {shift.pk}")
    return shift


def read_tip_source(tip: Tip, *, acting_user: User, purpose: str) -> TipSource | None:
    """The tip's source, for a police analyst with a stated purpose; audited on every read."""
    if acting_user.role != Role.POLICE_ANALYST or user_scope(acting_user, RecordType.TIP, Action.VIEW) is not Scope.OWN_AGENCY:
        raise PermissionDenied
    if not purpose.strip():
        raise ValidationError({"purpose": _("Say why you need to know who the source is.")})
    with transaction.atomic():
        audit_record(acting_user, AuditAction.VIEW, RecordType.TIP, tip, "source of the tip", purpose=purpose.strip())
    return TipSource.objects.filter(tip=tip).first()


# --- Intelligence items -----------------------------------------------------------------------


def _intel_agency(acting_user: User) -> Agency:
    require(acting_user, RecordType.INTEL_ITEM, Action.CREATE)
    agency = acting_user.agency
    assert agency is not None  # require() passed
    return agency


def _store_item(record: ItemRecord, *, agency: Agency, acting_user: User, origin: str) -> IntelItem:
    store_records([record], agency=agency, batch=None, user=acting_user, origin=origin)
    item = IntelItem.objects.get(agency=agency, external_id=record.external_id)
    audit_record(acting_user, AuditAction.CREATE, RecordType.INTEL_ITEM, item, origin)
    return item


@transaction.atomic
def do_create_item(*, acting_user: User, **fields: Any) -> IntelItem:
    """An intelligence item entered by hand; its entities extracted as at import."""
    agency = _intel_agency(acting_user)
    raw = {"id": f"manual-{uuid.uuid4().hex[:12]}", **fields}
    try:
        record = validate_record(raw, 1)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    return _store_item(record, agency=agency, acting_user=acting_user, origin=ItemOrigin.MANUAL)


@transaction.atomic
def do_tip_to_intel(tip: Tip, *, acting_user: User) -> IntelItem:
    """The tip's content as an intelligence item (once), so that it is linked into networks."""
    tip = _writable_tip(tip, acting_user)
    if tip.intel_item_id is not None:
        assert tip.intel_item is not None
        return tip.intel_item
    agency = _intel_agency(acting_user)
    if tip.addressed_to_id != agency.pk:
        raise PermissionDenied
    raw = {
        "id": f"tip-{tip.pk}",
        "kind": ItemKind.TIP,
        "observed_at": tip.observed_at.isoformat() if tip.observed_at else tip.submitted_at.isoformat(),
        "source": f"tip:{tip.get_source_type_display()}",
        "title": (tip.where or tip.what)[:120],
        "text": tip.what,
        "city": tip.city,
        "address": tip.where,
        "venue_kind": tip.venue_kind,
    }
    try:
        record = validate_record(raw, 1)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    item = _store_item(record, agency=agency, acting_user=acting_user, origin=ItemOrigin.TIP)
    tip.intel_item = item
    tip.save(update_fields=["intel_item"])
    audit_record(acting_user, AuditAction.UPDATE, RecordType.TIP, tip, f"added to intelligence as item {item.pk}")
    return item


# --- Networks ----------------------------------------------------------------------------------


@transaction.atomic
def do_review_indicator(indicator: Indicator, *, status: str, note: str, acting_user: User) -> Indicator:
    require(acting_user, RecordType.NETWORK, Action.UPDATE)
    locked = (
        Indicator.objects.select_for_update()
        .filter(pk=indicator.pk, network__in=Network.objects.visible_to(acting_user, Action.UPDATE))
        .first()
    )
    if locked is None:
        raise PermissionDenied
    if status not in (IndicatorStatus.CONFIRMED, IndicatorStatus.DISMISSED, IndicatorStatus.OPEN):
        raise ValidationError({"status": _("Choose what the review found.")})
    if status != IndicatorStatus.OPEN and not note.strip():
        raise ValidationError({"note": _("Write what the review was based on.")})
    locked.status = status
    locked.review_note = note.strip()[:500]
    locked.reviewed_by = acting_user
    locked.reviewed_at = timezone.now()
    locked.save(update_fields=["status", "review_note", "reviewed_by", "reviewed_at"])
    audit_record(acting_user, AuditAction.UPDATE, RecordType.NETWORK, locked.network, f"indicator {locked.kind}: {status}")
    return locked


def _follow_up(network: Network, kind: str, acting_user: User, **target: Any) -> NetworkFollowUp:
    follow_up = NetworkFollowUp.objects.create(network=network, kind=kind, created_by=acting_user, **target)
    audit_record(acting_user, AuditAction.UPDATE, RecordType.NETWORK, network, f"follow-up: {kind}")
    return follow_up


@transaction.atomic
def do_tip_from_network(network: Network, *, collaboration: Collaboration, what: str, acting_user: User) -> Tip:
    require(acting_user, RecordType.NETWORK, Action.VIEW)
    tip = do_submit_tip(
        collaboration=collaboration, what=what, source_type="online", network=network, acting_user=acting_user,
    )
    _follow_up(network, FollowUpKind.TIP, acting_user, tip=tip)
    return tip


@transaction.atomic
def do_plan_shift_from_network(
    network: Network,
    *,
    collaboration: Collaboration,
    area: Area,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    existing: Iterable[Venue] = (),
    venues: Iterable[tuple[str, str, str]] = (),
    outside_areas: bool = False,
    briefing: str,
    acting_user: User,
) -> Shift:
    """A planned shift (basis intelligence) at existing venues and, if asked, new ones for the network's places.

    ``venues`` are new (kind, name, address): each is found again if it exists, and
    one in a city outside the collaboration's own (``operations.venues.own_cities``)
    is refused unless ``outside_areas`` says the user asked for it.
    """
    require(acting_user, RecordType.NETWORK, Action.VIEW)
    planned = list(existing)
    if any(v.collaboration_id != collaboration.pk for v in planned):
        raise ValidationError({"venues": _("A venue belongs to another collaboration.")})
    new = list(venues)
    if new and not outside_areas:
        cities = own_cities(collaboration)
        outside = [name for _kind, name, address in new if (city := address_city(address)) and city not in cities]
        if outside:
            raise ValidationError({"venues": _(
                "%(venues)s lie outside the collaboration's areas. Tick that venues outside them may be created, or leave them out."
            ) % {"venues": ", ".join(outside)}})
    for kind, name, address in new:
        venue, _created = do_find_or_create_venue(
            collaboration=collaboration, kind=kind, name=name, address=address, acting_user=acting_user
        )
        if venue not in planned:
            planned.append(venue)
    shift = do_create_shift(
        collaboration=collaboration, area=area, starts_at=starts_at, ends_at=ends_at,
        basis=ShiftBasis.INTELLIGENCE, planned_venues=planned, briefing=briefing, acting_user=acting_user,
    )
    _follow_up(network, FollowUpKind.SHIFT, acting_user, shift=shift)
    return shift


@transaction.atomic
def do_crime_report_from_network(network: Network, *, acting_user: User, **report: Any) -> CrimeReport:
    """A crime report started from a network (investigators), linked back to it."""
    require(acting_user, RecordType.NETWORK, Action.VIEW)
    crime_report = do_create_crime_report(acting_user=acting_user, **report)
    _follow_up(network, FollowUpKind.CRIME_REPORT, acting_user, crime_report=crime_report)
    return crime_report
