"""Writes to operations records: one transaction each, audited, with their follow-ups."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samverkan.accounts.access import require
from samverkan.accounts.models import Agency, AgencyKind, Area, User
from samverkan.accounts.policy import Action, RecordType
from samverkan.audit.actions import audit_record, do_record_event
from samverkan.audit.models import AuditAction
from samverkan.operations.models import (
    MINOR_AGE_BANDS,
    AgeBand,
    ChildConcernReport,
    ConcernSubject,
    Encounter,
    EncounterRole,
    Operation,
    OperationKind,
    Shift,
    ShiftBasis,
    ShiftLogEntry,
    ShiftParticipant,
    ShiftStatus,
    Venue,
    VenueKind,
)


def social_services_of(shift_or_collaboration: Any) -> Agency:
    """The social-services agency a collaboration's child-concern reports go to."""
    collaboration = getattr(shift_or_collaboration, "collaboration", shift_or_collaboration)
    agency: Agency | None = collaboration.agencies.filter(kind=AgencyKind.SOCIAL_SERVICES).order_by("pk").first()
    if agency is None:
        raise ValidationError(_("The collaboration has no social services to report concern for a child to."))
    return agency


@transaction.atomic
def do_find_or_create_venue(
    *,
    collaboration: Any,
    kind: str,
    name: str,
    address: str = "",
    area: Area | None = None,
    latitude: Any = None,
    longitude: Any = None,
    acting_user: User,
) -> tuple[Venue, bool]:
    """A venue is found again rather than entered twice: same kind, name and address."""
    require(acting_user, RecordType.VENUE, Action.CREATE)
    if kind not in VenueKind.values:
        raise ValidationError({"kind": _("Unknown kind of venue.")})
    venue = Venue(
        collaboration=collaboration, kind=kind, name=name.strip(), address=address.strip(),
        area=area, latitude=latitude, longitude=longitude,
    )
    venue.search_key = venue.compute_search_key()
    existing = Venue.objects.filter(collaboration=collaboration, kind=kind, search_key=venue.search_key).first()
    if existing is not None:
        return existing, False
    venue.full_clean(exclude=["collaboration"])
    try:
        with transaction.atomic():
            venue.save()
    except IntegrityError:
        # Someone else created it a moment ago.
        return Venue.objects.get(collaboration=collaboration, kind=kind, search_key=venue.search_key), False
    audit_record(acting_user, AuditAction.CREATE, RecordType.VENUE, venue)
    return venue, True


@transaction.atomic
def do_update_venue(venue: Venue, *, acting_user: User, **fields: Any) -> Venue:
    require(acting_user, RecordType.VENUE, Action.UPDATE)
    for name, value in fields.items():
        setattr(venue, name, value)
    venue.search_key = venue.compute_search_key()
    venue.full_clean(exclude=["collaboration"])
    if Venue.objects.filter(collaboration=venue.collaboration, kind=venue.kind, search_key=venue.search_key).exclude(pk=venue.pk).exists():
        raise ValidationError(_("Another venue of this kind already has this name and address."))
    venue.save(update_fields=[*fields, "search_key"])
    audit_record(acting_user, AuditAction.UPDATE, RecordType.VENUE, venue, ", ".join(fields))
    return venue


@transaction.atomic
def do_create_shift(
    *,
    collaboration: Any,
    area: Area,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    basis: str,
    operation: Operation | None = None,
    planned_venues: Iterable[Venue] = (),
    participants: Iterable[User] = (),
    briefing: str = "",
    acting_user: User,
) -> Shift:
    require(acting_user, RecordType.SHIFT, Action.CREATE)
    if basis not in ShiftBasis.values:
        raise ValidationError({"basis": _("Unknown basis for the shift.")})
    shift = Shift(
        collaboration=collaboration, area=area, starts_at=starts_at, ends_at=ends_at, basis=basis,
        operation=operation, briefing=briefing, created_by=acting_user,
    )
    shift.full_clean()
    shift.save()
    shift.planned_venues.set(list(planned_venues))
    for user in participants:
        do_add_participant(shift, user=user, acting_user=acting_user, audit=False)
    audit_record(acting_user, AuditAction.CREATE, RecordType.SHIFT, shift)
    return shift


@transaction.atomic
def do_update_shift(shift: Shift, *, acting_user: User, planned_venues: Iterable[Venue] | None = None, **fields: Any) -> Shift:
    require(acting_user, RecordType.SHIFT, Action.UPDATE)
    shift = Shift.objects.select_for_update().get(pk=shift.pk)
    if shift.status in (ShiftStatus.COMPLETED, ShiftStatus.CANCELLED):
        raise ValidationError(_("A completed or cancelled shift cannot be changed."))
    for name, value in fields.items():
        setattr(shift, name, value)
    shift.full_clean()
    shift.save(update_fields=list(fields) or None)
    if planned_venues is not None:
        shift.planned_venues.set(list(planned_venues))
    audit_record(acting_user, AuditAction.UPDATE, RecordType.SHIFT, shift, ", ".join(fields))
    return shift


def do_add_participant(shift: Shift, *, user: User, acting_user: User, audit: bool = True) -> ShiftParticipant:
    require(acting_user, RecordType.SHIFT, Action.UPDATE)
    membership = user.membership
    if membership is None or not user.is_active:
        raise ValidationError(_("Only active users with an agency can take part in a shift."))
    if not shift.collaboration.agencies.filter(pk=membership.agency_id).exists():
        raise ValidationError(_("The user's agency is not part of this collaboration."))
    with transaction.atomic():
        participant, created = ShiftParticipant.objects.get_or_create(
            shift=shift, user=user, defaults={"agency_id": membership.agency_id}
        )
        if created and audit:
            audit_record(acting_user, AuditAction.UPDATE, RecordType.SHIFT, shift, f"participant added: {user.pk}")
    return participant


@transaction.atomic
def do_remove_participant(shift: Shift, *, user: User, acting_user: User) -> None:
    require(acting_user, RecordType.SHIFT, Action.UPDATE)
    if shift.status != ShiftStatus.PLANNED:
        raise ValidationError(_("Participants can only be removed while the shift is planned."))
    deleted, _detail = ShiftParticipant.objects.filter(shift=shift, user=user).delete()
    if deleted:
        audit_record(acting_user, AuditAction.UPDATE, RecordType.SHIFT, shift, f"participant removed: {user.pk}")


def _transition(shift: Shift, *, to: ShiftStatus, allowed_from: tuple[ShiftStatus, ...], acting_user: User) -> Shift:
    require(acting_user, RecordType.SHIFT, Action.UPDATE)
    locked = Shift.objects.select_for_update().get(pk=shift.pk)
    if locked.status == to:
        return locked  # a repeated click changes nothing
    if locked.status not in allowed_from:
        raise ValidationError(
            _("A shift that is %(status)s cannot become %(new)s.")
            % {"status": locked.get_status_display().lower(), "new": ShiftStatus(to).label.lower()}
        )
    locked.status = to
    return locked


@transaction.atomic
def do_start_shift(shift: Shift, *, acting_user: User) -> Shift:
    shift = _transition(shift, to=ShiftStatus.ONGOING, allowed_from=(ShiftStatus.PLANNED,), acting_user=acting_user)
    if shift.started_at is None:
        shift.started_at = timezone.now()
        shift.save(update_fields=["status", "started_at"])
        audit_record(acting_user, AuditAction.UPDATE, RecordType.SHIFT, shift, "started")
    return shift


@transaction.atomic
def do_complete_shift(shift: Shift, *, acting_user: User) -> Shift:
    if not shift.can_complete():
        raise ValidationError(
            _("A joint shift needs at least one participant from the police and one from social services before it can be completed.")
        )
    shift = _transition(shift, to=ShiftStatus.COMPLETED, allowed_from=(ShiftStatus.ONGOING,), acting_user=acting_user)
    if shift.completed_at is None:
        shift.completed_at = timezone.now()
        shift.save(update_fields=["status", "completed_at"])
        audit_record(acting_user, AuditAction.UPDATE, RecordType.SHIFT, shift, "completed")
    return shift


@transaction.atomic
def do_cancel_shift(shift: Shift, *, reason: str, acting_user: User) -> Shift:
    if not reason.strip():
        raise ValidationError({"cancel_reason": _("Say why the shift is cancelled.")})
    shift = _transition(
        shift, to=ShiftStatus.CANCELLED, allowed_from=(ShiftStatus.PLANNED, ShiftStatus.ONGOING), acting_user=acting_user
    )
    if shift.encounters.exists():
        raise ValidationError(_("A shift with recorded encounters cannot be cancelled; complete it instead."))
    shift.cancel_reason = reason.strip()[:300]
    shift.save(update_fields=["status", "cancel_reason"])
    audit_record(acting_user, AuditAction.UPDATE, RecordType.SHIFT, shift, "cancelled")
    return shift


@transaction.atomic
def do_write_log(shift: Shift, *, text: str, acting_user: User) -> ShiftLogEntry:
    require(acting_user, RecordType.SHIFT, Action.UPDATE)
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write something in the log entry.")})
    if shift.status in (ShiftStatus.COMPLETED, ShiftStatus.CANCELLED):
        raise ValidationError(_("The shift is closed; its log can no longer be written to."))
    entry = ShiftLogEntry.objects.create(shift=shift, author=acting_user, text=text[:2000])
    audit_record(acting_user, AuditAction.UPDATE, RecordType.SHIFT, shift, "log entry")
    return entry


@transaction.atomic
def do_file_child_concern_report(
    *,
    collaboration: Any,
    subject: str,
    acting_user: User,
    encounter: Encounter | None = None,
    summary: str = "",
    guardians_to_notify: bool = False,
) -> ChildConcernReport:
    """File an orosanmälan to the collaboration's social services (duty to report)."""
    membership = acting_user.membership
    if membership is None:
        raise PermissionDenied
    report = ChildConcernReport.objects.create(
        collaboration=collaboration,
        encounter=encounter,
        subject=subject,
        reporter_agency_id=membership.agency_id,
        reported_by=acting_user,
        addressed_to=social_services_of(collaboration),
        summary=summary,
        guardians_to_notify=guardians_to_notify,
    )
    audit_record(acting_user, AuditAction.CREATE, RecordType.CHILD_CONCERN_REPORT, report)
    return report


def concern_subject(role: str, age_band: str) -> ConcernSubject | None:
    """The duty to report: who a child-concern report is about when this person is met, if anyone.

    A possible minor (under 18 or of uncertain age) met in prostitution or buying sex.
    """
    if age_band not in MINOR_AGE_BANDS:
        return None
    return {EncounterRole.EXPLOITED: ConcernSubject.EXPLOITED, EncounterRole.BUYER: ConcernSubject.BUYER}.get(
        EncounterRole(role)
    )


@transaction.atomic
def do_record_encounter(
    shift: Shift,
    *,
    role: str,
    age_band: str,
    venue: Venue,
    acting_user: User,
    occurred_at: dt.datetime | None = None,
    idempotency_key: uuid.UUID | None = None,
) -> tuple[Encounter, bool]:
    """Record a person met on a shift; a possible minor gets a child-concern report at once.

    Returns (encounter, created). A submission repeated with the same
    idempotency key returns the first encounter and creates nothing.
    """
    require(acting_user, RecordType.ENCOUNTER, Action.CREATE)
    if idempotency_key is not None:
        existing = Encounter.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.shift_id != shift.pk:
                raise ValidationError(_("This form was already used for another shift. Reload the page."))
            return existing, False
    if role not in EncounterRole.values:
        raise ValidationError({"role": _("Choose who was met.")})
    if age_band not in AgeBand.values:
        raise ValidationError({"age_band": _("Choose an age band.")})
    shift = Shift.objects.select_for_update().get(pk=shift.pk)
    if not shift.is_open_for_encounters:
        raise ValidationError(_("Encounters can only be recorded while the shift is ongoing."))
    if venue.collaboration_id != shift.collaboration_id:
        raise ValidationError({"venue": _("The venue belongs to another collaboration.")})
    membership = acting_user.membership
    assert membership is not None  # require() passed
    now = timezone.now()
    occurred_at = occurred_at or now
    if occurred_at > now + dt.timedelta(minutes=5):
        raise ValidationError({"occurred_at": _("The time cannot be in the future.")})
    encounter = Encounter(
        collaboration_id=shift.collaboration_id,
        shift=shift,
        venue=venue,
        role=role,
        age_band=age_band,
        occurred_at=occurred_at,
        recorded_by=acting_user,
        recorder_agency_id=membership.agency_id,
        idempotency_key=idempotency_key or uuid.uuid4(),
    )
    try:
        with transaction.atomic():
            encounter.save(force_insert=True)
    except IntegrityError:
        # The same key arrived twice at once: the other request won.
        return Encounter.objects.get(idempotency_key=encounter.idempotency_key), False
    audit_record(acting_user, AuditAction.CREATE, RecordType.ENCOUNTER, encounter)
    subject = concern_subject(role, age_band)
    if subject is not None:
        do_file_child_concern_report(
            collaboration=shift.collaboration,
            subject=subject,
            encounter=encounter,
            acting_user=acting_user,
            guardians_to_notify=subject == ConcernSubject.BUYER,
        )
    return encounter, True


@transaction.atomic
def do_create_operation(
    *, collaboration: Any, name: str, description: str = "", starts_on: dt.date | None = None,
    ends_on: dt.date | None = None, kind: str = OperationKind.JOINT, acting_user: User,
) -> Operation:
    require(acting_user, RecordType.SHIFT, Action.CREATE)
    operation = Operation(
        collaboration=collaboration, name=name.strip(), description=description, starts_on=starts_on, ends_on=ends_on,
        kind=kind,
    )
    operation.full_clean()
    operation.save()
    do_record_event(user=acting_user, action=AuditAction.CREATE, record_type="operation", record_id=operation.pk)
    return operation
