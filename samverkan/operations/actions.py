"""Writes to operations records: one transaction each, audited, with their follow-ups."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from samverkan.accounts.access import access_or_404, require
from samverkan.accounts.models import Agency, AgencyKind, Area, Collaboration, User
from samverkan.accounts.policy import Action, RecordType, goes_out_in_field
from samverkan.audit.actions import audit_record, do_record_event
from samverkan.audit.models import AuditAction
from samverkan.notices.actions import do_notify, members_who_can
from samverkan.notices.models import NoticeKind
from samverkan.operations.models import (
    MINOR_AGE_BANDS,
    AgeBand,
    ChildConcernReport,
    ConcernSubject,
    CorrectedRecord,
    Encounter,
    EncounterRole,
    Operation,
    OperationKind,
    Shift,
    ShiftBasis,
    ShiftCorrection,
    ShiftLogEntry,
    ShiftParticipant,
    ShiftStatus,
    Venue,
    VenueKind,
    VenueVisit,
    VisitOutcome,
    entry_edit_limit,
)


def working_collaboration(user: User) -> Collaboration:
    """The collaboration the user works in (the first of their agency's): where the pages and
    the API plan shifts and operations and add venues; 404 for a user in none."""
    collaboration = user.collaborations().order_by("pk").first()
    if collaboration is None:
        raise Http404
    return collaboration


def _when(moment: dt.datetime) -> str:
    """A time as the errors show it: local, to the minute."""
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


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
def do_add_shift_venue(shift: Shift, *, acting_user: User, **fields: Any) -> tuple[Venue, bool]:
    """A venue added to the shift on the spot: an existing one (same kind, name and address) is
    found again; either way it becomes one of the shift's venues. Returns it and whether it is new."""
    require(acting_user, RecordType.SHIFT, Action.UPDATE)
    venue, created = do_find_or_create_venue(collaboration=shift.collaboration, acting_user=acting_user, **fields)
    shift.planned_venues.add(venue)
    return venue, created


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
    if shift.status == ShiftStatus.ONGOING:
        # Moving a shift under way must not move it away from when it started or what was met on it.
        _check_times_hold(shift)
    shift.save(update_fields=list(fields) or None)
    if planned_venues is not None:
        shift.planned_venues.set(list(planned_venues))
    audit_record(acting_user, AuditAction.UPDATE, RecordType.SHIFT, shift, ", ".join(fields))
    return shift


def do_add_participant(shift: Shift, *, user: User, acting_user: User, audit: bool = True) -> ShiftParticipant:
    """Staff a shift: only an active member of one of the collaboration's agencies who goes out in the field."""
    require(acting_user, RecordType.SHIFT, Action.UPDATE)
    membership = user.membership
    if membership is None or not user.is_active:
        raise ValidationError({"user": _("Only active users with an agency can take part in a shift.")})
    if not shift.collaboration.agencies.filter(pk=membership.agency_id).exists():
        raise ValidationError({"user": _("The user's agency is not part of this collaboration.")})
    if not goes_out_in_field(membership.role, membership.agency):
        raise ValidationError(
            {"user": _("%(name)s is %(role)s, a role that does not go out in the field, and cannot be staffed on a shift.")
             % {"name": user.display_name, "role": membership.get_role_display().lower()}}
        )
    if shift.status in (ShiftStatus.COMPLETED, ShiftStatus.CANCELLED):
        raise ValidationError(_("A completed or cancelled shift cannot be staffed."))
    with transaction.atomic():
        participant, created = ShiftParticipant.objects.get_or_create(
            shift=shift, user=user, defaults={"agency_id": membership.agency_id, "role": membership.role}
        )
        if created and audit:
            audit_record(acting_user, AuditAction.UPDATE, RecordType.SHIFT, shift, f"participant added: {user.pk}")
    return participant


@transaction.atomic
def do_remove_participant(shift: Shift, *, user: User, acting_user: User) -> None:
    require(acting_user, RecordType.SHIFT, Action.UPDATE)
    if shift.status != ShiftStatus.PLANNED:
        raise ValidationError(_("Participants can only be removed while the shift is planned."))
    participant = ShiftParticipant.objects.select_for_update().filter(shift=shift, user=user).first()
    if participant is None:
        return
    if participant.checked_in_at is not None:
        raise ValidationError(_("A staff member who has checked in cannot be removed from the shift."))
    participant.delete()
    audit_record(acting_user, AuditAction.UPDATE, RecordType.SHIFT, shift, f"participant removed: {user.pk}")


@transaction.atomic
def do_check_in(shift: Shift, *, acting_user: User) -> ShiftParticipant:
    """A staff member says they are at the shift; one not yet staffed is staffed first.

    From the start margin before the planned start until the shift is completed. Checking
    in twice changes nothing; checking in again after checking out is refused.
    """
    require(acting_user, RecordType.SHIFT, Action.UPDATE)
    shift = Shift.objects.select_for_update().get(pk=shift.pk)
    now = timezone.now()
    if shift.status in (ShiftStatus.COMPLETED, ShiftStatus.CANCELLED):
        raise ValidationError(_("The shift is closed; no one can check in to it any more."))
    if shift.status == ShiftStatus.PLANNED and now < shift.earliest_start():
        raise ValidationError(
            _("You can check in from %(time)s, %(hours)s hours before the shift starts.")
            % {"time": _when(shift.earliest_start()), "hours": settings.SAMVERKAN_SHIFT_START_MARGIN_HOURS}
        )
    if shift.status == ShiftStatus.PLANNED and now > shift.ends_at:
        raise ValidationError(_("The shift's planned time is over. Change its time or cancel it."))
    participant = do_add_participant(shift, user=acting_user, acting_user=acting_user)
    participant = ShiftParticipant.objects.select_for_update().get(pk=participant.pk)
    if participant.checked_out_at is not None:
        raise ValidationError(_("You have already checked out of this shift."))
    if participant.checked_in_at is None:
        participant.checked_in_at = now
        participant.save(update_fields=["checked_in_at"])
        audit_record(acting_user, AuditAction.UPDATE, RecordType.SHIFT, shift, f"checked in: {acting_user.pk}")
    return participant


@transaction.atomic
def do_check_out(shift: Shift, *, acting_user: User) -> ShiftParticipant:
    require(acting_user, RecordType.SHIFT, Action.UPDATE)
    participant = ShiftParticipant.objects.select_for_update().filter(shift=shift, user=acting_user).first()
    if participant is None or participant.checked_in_at is None:
        raise ValidationError(_("You have not checked in to this shift."))
    if participant.checked_out_at is None:
        participant.checked_out_at = max(timezone.now(), participant.checked_in_at)
        participant.save(update_fields=["checked_out_at"])
        audit_record(acting_user, AuditAction.UPDATE, RecordType.SHIFT, shift, f"checked out: {acting_user.pk}")
    return participant


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
    """Start a shift: no earlier than the margin before its planned start, no later than its planned end."""
    shift = _transition(shift, to=ShiftStatus.ONGOING, allowed_from=(ShiftStatus.PLANNED,), acting_user=acting_user)
    if shift.started_at is not None:
        return shift
    now = timezone.now()
    if now < shift.earliest_start():
        raise ValidationError(
            _("The shift can be started at the earliest %(time)s, %(hours)s hours before its planned start.")
            % {"time": _when(shift.earliest_start()), "hours": settings.SAMVERKAN_SHIFT_START_MARGIN_HOURS}
        )
    if now > shift.ends_at:
        raise ValidationError(_("The shift's planned time is over. Change its time or cancel it."))
    shift.started_at = now
    shift.save(update_fields=["status", "started_at"])
    audit_record(acting_user, AuditAction.UPDATE, RecordType.SHIFT, shift, "started")
    return shift


def _completion_errors(shift: Shift, at: dt.datetime) -> list[str]:
    errors = []
    if at < shift.starts_at:
        errors.append(
            _("The shift cannot be completed before it has begun: it is planned to start %(time)s.")
            % {"time": _when(shift.starts_at)}
        )
    missing = shift.missing_agencies()
    if missing:
        errors.append(
            _("Before the shift can be completed, field staff of each agency it needs must check in. Missing: %(agencies)s.")
            % {"agencies": "; ".join(a.name for a in missing)}
        )
    return errors


@transaction.atomic
def do_complete_shift(shift: Shift, *, acting_user: User) -> Shift:
    """Complete a started shift, after its planned start, with field staff of every agency it needs checked in.

    A joint shift needs one of each agency of the collaboration; a shift of the police's
    own operation only the police. Whoever is still checked in is checked out.
    """
    shift = _transition(shift, to=ShiftStatus.COMPLETED, allowed_from=(ShiftStatus.ONGOING,), acting_user=acting_user)
    if shift.completed_at is not None:
        return shift
    now = timezone.now()
    errors = _completion_errors(shift, now)
    if errors:
        raise ValidationError(errors)
    shift.completed_at = max(now, shift.started_at or now)
    shift.save(update_fields=["status", "completed_at"])
    shift.participants.filter(checked_in_at__isnull=False, checked_out_at__isnull=True).update(checked_out_at=shift.completed_at)
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
    # Those who handle it hear of it at once (a link only: the page checks access).
    do_notify(
        members_who_can(report.addressed_to_id, RecordType.CONCERN_HANDLING, Action.UPDATE),
        NoticeKind.CONCERN_NEW,
        reverse("support:concern_detail", args=[report.pk]),
        key=f"concern:{report.pk}:new",
    )
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


def _open_for_entries(shift: Shift, user: User) -> None:
    """Whether ``user`` may record what happened on ``shift`` now, or why not.

    While the shift is ongoing, anyone the policy lets record; after it is completed, its
    own staff until the late-entry limit; never on a planned or cancelled shift.
    """
    if shift.status == ShiftStatus.ONGOING:
        return
    if shift.status != ShiftStatus.COMPLETED:
        raise ValidationError(_("Encounters and visits can only be recorded on a shift that has started."))
    if not shift.participants.filter(user=user).exists():
        raise ValidationError(_("After the shift, only its own staff can record what happened on it."))
    if timezone.now() > shift.entry_deadline():
        raise ValidationError(
            _("The shift ended too long ago: what happened on it could be recorded until %(time)s.")
            % {"time": _when(shift.entry_deadline())}
        )


def _check_in_window(shift: Shift, moment: dt.datetime, field: str) -> None:
    """A time on a shift lies in its window (the planned time, widened by the margin) and not in the future."""
    start, end = shift.window()
    if moment > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({field: _("The time cannot be in the future.")})
    if not start <= moment <= end:
        raise ValidationError(
            {field: _("The time must lie within the shift, between %(start)s and %(end)s.") % {"start": _when(start), "end": _when(end)}}
        )


def _check_editable(record: Encounter | VenueVisit, acting_user: User) -> None:
    if record.recorded_by_id != acting_user.pk:
        raise PermissionDenied
    if record.shift.status == ShiftStatus.CANCELLED:
        raise ValidationError(_("The shift is cancelled."))
    deadline = record.recorded_at + entry_edit_limit()
    if timezone.now() > deadline:
        raise ValidationError(
            _("It can only be changed by its author until %(time)s, %(hours)s hours after it was recorded.")
            % {"time": _when(deadline), "hours": settings.SAMVERKAN_ENTRY_EDIT_HOURS}
        )


def _iso(value: Any) -> Any:
    """A value as a correction keeps it: times in ISO 8601, a venue by its name."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="minutes")
    if isinstance(value, Venue):
        return str(value)
    return value


def _record_correction(
    shift: Shift, *, record: CorrectedRecord, record_id: int, before: dict[str, Any], after: dict[str, Any], reason: str, acting_user: User
) -> ShiftCorrection | None:
    changes = {name: [_iso(before[name]), _iso(after[name])] for name in after if _iso(before[name]) != _iso(after[name])}
    if not changes:
        return None
    correction = ShiftCorrection.objects.create(
        shift=shift, record=record, record_id=record_id, changes=changes, reason=reason, made_by=acting_user
    )
    detail = f"{record.value} {record_id} corrected: " + ", ".join(f"{k} {a} -> {b}" for k, (a, b) in changes.items())
    audit_record(acting_user, AuditAction.UPDATE, RecordType.SHIFT, shift, detail[:500])
    return correction


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

    The encounter's time (now unless given) lies within the shift's window. While the
    shift is ongoing anyone who records encounters may; after it, its own staff until the
    late-entry limit, with the time given. Returns (encounter, created). A submission
    repeated with the same idempotency key returns the first encounter and creates nothing.
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
    _open_for_entries(shift, acting_user)
    if venue.collaboration_id != shift.collaboration_id:
        raise ValidationError({"venue": _("The venue belongs to another collaboration.")})
    membership = acting_user.membership
    assert membership is not None  # require() passed
    if occurred_at is None and shift.status != ShiftStatus.ONGOING:
        raise ValidationError({"occurred_at": _("Say when the person was met: the shift is over.")})
    occurred_at = occurred_at or timezone.now()
    _check_in_window(shift, occurred_at, "occurred_at")
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
def do_correct_encounter(encounter: Encounter, *, occurred_at: dt.datetime, venue: Venue, acting_user: User) -> Encounter:
    """The author changes an encounter's time or venue, for a limited time after recording it.

    Who was met and their age band stand: a child-concern report made from them is not
    undone. The change is kept on the shift page and in the audit log.
    """
    require(acting_user, RecordType.ENCOUNTER, Action.UPDATE)
    encounter = Encounter.objects.select_for_update().select_related("shift").get(pk=encounter.pk)
    _check_editable(encounter, acting_user)
    if venue.collaboration_id != encounter.collaboration_id:
        raise ValidationError({"venue": _("The venue belongs to another collaboration.")})
    _check_in_window(encounter.shift, occurred_at, "occurred_at")
    before = {"occurred_at": encounter.occurred_at, "venue": encounter.venue}
    encounter.occurred_at, encounter.venue = occurred_at, venue
    encounter.save(update_fields=["occurred_at", "venue"])
    if _record_correction(
        encounter.shift, record=CorrectedRecord.ENCOUNTER, record_id=encounter.pk, before=before,
        after={"occurred_at": occurred_at, "venue": venue}, reason="", acting_user=acting_user,
    ):
        audit_record(acting_user, AuditAction.UPDATE, RecordType.ENCOUNTER, encounter, "occurred_at, venue")
    return encounter


def shift_encounter(user: User, shift: Shift, encounter_id: int, *, action: Action = Action.UPDATE) -> Encounter:
    """An encounter of ``shift`` as its pages fetch it: hidden and missing alike 404 (audited);
    a read (``Action.VIEW``) is audited as one, a change by the action that makes it."""
    return access_or_404(
        Encounter.objects.visible_to(user, Action.VIEW).filter(shift=shift).select_related("shift", "venue"),
        user, RecordType.ENCOUNTER, encounter_id, action=action,
    )


def shift_visit(user: User, shift: Shift, visit_id: int, *, action: Action = Action.UPDATE) -> VenueVisit:
    """A venue visit of ``shift`` as its pages fetch it: hidden and missing alike 404 (the denial
    audited); a visit names no one, so its read is not."""
    return access_or_404(
        VenueVisit.objects.visible_to(user, Action.VIEW).filter(shift=shift).select_related("shift", "venue"),
        user, RecordType.SHIFT, visit_id, action=action, audit=False,
    )


def _check_visit_times(shift: Shift, arrived_at: dt.datetime, left_at: dt.datetime | None) -> None:
    _check_in_window(shift, arrived_at, "arrived_at")
    if left_at is not None:
        _check_in_window(shift, left_at, "left_at")
        if left_at < arrived_at:
            raise ValidationError({"left_at": _("The time of leaving cannot be before the time of arrival.")})


@transaction.atomic
def do_record_venue_visit(
    shift: Shift,
    *,
    venue: Venue,
    outcome: str,
    acting_user: User,
    arrived_at: dt.datetime | None = None,
    left_at: dt.datetime | None = None,
    idempotency_key: uuid.UUID | None = None,
) -> tuple[VenueVisit, bool]:
    """Record a visit to a venue on a shift: arrived (now unless given), left, and what was found.

    The same rules of time as for encounters; a repeated form key records nothing new.
    """
    require(acting_user, RecordType.SHIFT, Action.UPDATE)
    if idempotency_key is not None:
        existing = VenueVisit.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.shift_id != shift.pk:
                raise ValidationError(_("This form was already used for another shift. Reload the page."))
            return existing, False
    if outcome not in VisitOutcome.values:
        raise ValidationError({"outcome": _("Choose what the visit found.")})
    shift = Shift.objects.select_for_update().get(pk=shift.pk)
    _open_for_entries(shift, acting_user)
    if venue.collaboration_id != shift.collaboration_id:
        raise ValidationError({"venue": _("The venue belongs to another collaboration.")})
    if arrived_at is None and shift.status != ShiftStatus.ONGOING:
        raise ValidationError({"arrived_at": _("Say when you arrived: the shift is over.")})
    arrived_at = arrived_at or timezone.now()
    _check_visit_times(shift, arrived_at, left_at)
    membership = acting_user.membership
    assert membership is not None  # require() passed
    visit = VenueVisit(
        shift=shift, venue=venue, outcome=outcome, arrived_at=arrived_at, left_at=left_at,
        recorded_by=acting_user, recorder_agency_id=membership.agency_id, idempotency_key=idempotency_key or uuid.uuid4(),
    )
    try:
        with transaction.atomic():
            visit.save(force_insert=True)
    except IntegrityError:
        return VenueVisit.objects.get(idempotency_key=visit.idempotency_key), False
    audit_record(acting_user, AuditAction.UPDATE, RecordType.SHIFT, shift, f"venue visit {visit.pk} recorded")
    return visit, True


@transaction.atomic
def do_correct_venue_visit(
    visit: VenueVisit, *, arrived_at: dt.datetime, left_at: dt.datetime | None, outcome: str, acting_user: User
) -> VenueVisit:
    """The author records leaving, or changes a visit's times or outcome, for a limited time."""
    require(acting_user, RecordType.SHIFT, Action.UPDATE)
    visit = VenueVisit.objects.select_for_update().select_related("shift", "venue").get(pk=visit.pk)
    _check_editable(visit, acting_user)
    if outcome not in VisitOutcome.values:
        raise ValidationError({"outcome": _("Choose what the visit found.")})
    _check_visit_times(visit.shift, arrived_at, left_at)
    before = {"arrived_at": visit.arrived_at, "left_at": visit.left_at, "outcome": visit.outcome}
    after = {"arrived_at": arrived_at, "left_at": left_at, "outcome": outcome}
    visit.arrived_at, visit.left_at, visit.outcome = arrived_at, left_at, outcome
    visit.save(update_fields=["arrived_at", "left_at", "outcome"])
    if before["left_at"] is None and left_at is not None and before["arrived_at"] == arrived_at and before["outcome"] == outcome:
        # Recording when the staff left completes the visit; it corrects nothing.
        audit_record(acting_user, AuditAction.UPDATE, RecordType.SHIFT, visit.shift, f"venue visit {visit.pk} left")
        return visit
    _record_correction(
        visit.shift, record=CorrectedRecord.VENUE_VISIT, record_id=visit.pk, before=before, after=after,
        reason="", acting_user=acting_user,
    )
    return visit


def do_record_visit_left(visit: VenueVisit, *, acting_user: User) -> VenueVisit:
    """One tap when the staff leave the venue: left now (not before arriving). A visit already
    left is answered as it is, so that a repeated tap changes nothing."""
    if visit.left_at is not None:
        require(acting_user, RecordType.SHIFT, Action.UPDATE)
        _check_editable(visit, acting_user)
        return visit
    return do_correct_venue_visit(
        visit, arrived_at=visit.arrived_at, left_at=max(timezone.now(), visit.arrived_at), outcome=visit.outcome,
        acting_user=acting_user,
    )


def _check_times_hold(shift: Shift) -> None:
    """A started shift's planned times, changed, still hold what happened: its start and what was recorded on it."""
    if shift.started_at is not None:
        if shift.started_at < shift.earliest_start():
            raise ValidationError({"started_at": _("The shift cannot have started more than %(hours)s hours before its planned start.") % {"hours": settings.SAMVERKAN_SHIFT_START_MARGIN_HOURS}})
        if shift.started_at > shift.ends_at:
            raise ValidationError({"started_at": _("The shift cannot have started after its planned end.")})
    start, end = shift.window()
    outside = (
        shift.encounters.exclude(occurred_at__gte=start, occurred_at__lte=end).exists()
        or shift.venue_visits.exclude(arrived_at__gte=start, arrived_at__lte=end).exists()
        or shift.venue_visits.filter(left_at__gt=end).exists()
    )
    if outside:
        raise ValidationError(_("Encounters or visits recorded on the shift would fall outside its corrected time."))


@transaction.atomic
def do_correct_shift_times(
    shift: Shift,
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    started_at: dt.datetime,
    completed_at: dt.datetime,
    reason: str,
    acting_user: User,
) -> ShiftCorrection | None:
    """Correct a completed shift's planned or actual times after the fact, saying why.

    The corrected times obey the same rules as live ones (started no earlier than the margin
    before the planned start and no later than its end; completed after it began and not in
    the future; what was recorded on it still inside its window). The correction is shown
    on the shift page and audited.
    """
    require(acting_user, RecordType.SHIFT, Action.UPDATE)
    shift = Shift.objects.select_for_update().get(pk=shift.pk)
    if shift.status != ShiftStatus.COMPLETED:
        raise ValidationError(_("Only a completed shift's times are corrected after the fact; change a planned or ongoing shift instead."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the times are corrected.")})
    before = {name: getattr(shift, name) for name in ("starts_at", "ends_at", "started_at", "completed_at")}
    after = {"starts_at": starts_at, "ends_at": ends_at, "started_at": started_at, "completed_at": completed_at}
    shift.starts_at, shift.ends_at, shift.started_at, shift.completed_at = starts_at, ends_at, started_at, completed_at
    shift.full_clean()
    if completed_at < started_at or completed_at < starts_at:
        raise ValidationError({"completed_at": _("The shift cannot have been completed before it began.")})
    if completed_at > timezone.now():
        raise ValidationError({"completed_at": _("The time cannot be in the future.")})
    _check_times_hold(shift)
    shift.save(update_fields=list(after))
    return _record_correction(
        shift, record=CorrectedRecord.SHIFT, record_id=shift.pk, before=before, after=after, reason=reason[:300], acting_user=acting_user
    )


@transaction.atomic
def do_create_operation(
    *, collaboration: Any, name: str, description: str = "", starts_on: dt.date | None = None,
    ends_on: dt.date | None = None, kind: str = OperationKind.JOINT, acting_user: User,
) -> Operation:
    """A named operation; the police's own (``OperationKind.POLICE``) has shifts that are not joint."""
    require(acting_user, RecordType.SHIFT, Action.CREATE)
    if kind == OperationKind.POLICE and not (acting_user.agency and acting_user.agency.is_police):
        raise ValidationError({"kind": _("Only the police can create the police's own operation.")})
    operation = Operation(
        collaboration=collaboration, name=name.strip(), description=description, starts_on=starts_on, ends_on=ends_on,
        kind=kind,
    )
    operation.full_clean()
    operation.save()
    do_record_event(user=acting_user, action=AuditAction.CREATE, record_type="operation", record_id=operation.pk)
    return operation
