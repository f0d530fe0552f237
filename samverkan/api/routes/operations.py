"""Reference data, shifts, what is recorded on them, and venues: what both agencies share.

Writes bind the pages' forms and call the pages' actions (``operations.actions``); state
changes of a shift are explicit actions (``/start``, ``/complete``), never field edits.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Path, Query, Router, Schema, Status

from samverkan.accounts.access import access_or_404, require, require_list
from samverkan.accounts.models import Area, User
from samverkan.accounts.policy import Action, RecordType, can, is_field_staff
from samverkan.api import idempotency
from samverkan.api.errors import ERRORS, UPDATE_ERRORS
from samverkan.api.paging import MAX_ID, Page, PageIn, page_of
from samverkan.api.security import caller
from samverkan.api.writes import action_refused, check_if_match, cleaned, etag, form_data, form_key
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction
from samverkan.operations import actions
from samverkan.operations.forms import (
    CancelForm,
    EncounterCorrectionForm,
    EncounterForm,
    LogEntryForm,
    OperationForm,
    ParticipantForm,
    ShiftCorrectionForm,
    ShiftForm,
    VenueForm,
    VenueSearchForm,
    VenueVisitCorrectionForm,
    VenueVisitForm,
    shift_venue_form,
)
from samverkan.operations.models import (
    AgeBand,
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
    VenueVisit,
    VisitOutcome,
)

router = Router(tags=["shifts"])


class AreaOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    valid_from: dt.date | None
    valid_to: dt.date | None


@router.get("/areas/", response={200: list[AreaOut], **ERRORS}, summary="Areas (police areas, city districts) with their validity")
def areas(request: HttpRequest) -> list[Area]:
    return list(Area.objects.order_by("kind", "name", "pk"))


class OperationOut(Schema):
    id: int
    collaboration: str = Field(description="The collaboration's code.")
    name: str
    kind: str
    description: str
    starts_on: dt.date | None
    ends_on: dt.date | None


class OperationIn(Schema):
    name: str = Field(max_length=200)
    kind: OperationKind = OperationKind.JOINT
    description: str = Field("", max_length=10000)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None


def _operation(operation: Operation) -> dict[str, Any]:
    return {
        "id": operation.pk, "collaboration": operation.collaboration.code, "name": operation.name, "kind": operation.kind,
        "description": operation.description, "starts_on": operation.starts_on, "ends_on": operation.ends_on,
    }


def _shift_page_user(request: HttpRequest) -> User:
    """As the shift and operation pages: a role that neither lists nor views shifts gets 404 (audited)."""
    user = caller(request)
    require_list(user, RecordType.SHIFT, Action.LIST)
    require_list(user, RecordType.SHIFT, Action.VIEW)
    return user


@router.get("/operations/", response={200: Page[OperationOut], **ERRORS}, summary="Operations (named campaigns) of your collaborations")
def operations(request: HttpRequest, paging: Query[PageIn]) -> dict[str, Any]:
    user = _shift_page_user(request)
    qs = Operation.objects.visible_to(user).select_related("collaboration")
    return page_of(qs, paging, lambda rows: [_operation(o) for o in rows])


@router.post("/operations/", response={201: OperationOut, **ERRORS}, summary="Create an operation (Idempotency-Key)")
def create_operation(request: HttpRequest, payload: OperationIn) -> Status[dict[str, Any]]:
    """In the collaboration you work in, as the operations page; only the police create the police's own."""
    user = _shift_page_user(request)
    require(user, RecordType.SHIFT, Action.CREATE)
    collaboration = actions.working_collaboration(user)

    def create() -> tuple[int, dict[str, Any]]:
        form = OperationForm(form_data(payload.dict()), instance=Operation(collaboration=collaboration))
        data = cleaned(form)
        try:
            made = actions.do_create_operation(collaboration=collaboration, acting_user=user, **data)
        except ValidationError as exc:
            raise action_refused(form, exc) from None
        return 201, _json(OperationOut, _operation(made))

    status, body = idempotency.once(request, user, create)
    return Status(status, body)


class ShiftOut(Schema):
    id: int
    collaboration: str = Field(description="The collaboration's code.")
    area: str = Field(description="The area's code.")
    operation: int | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    basis: str
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    planned_venues: list[int] = Field(description="The ids of the venues planned for the shift.")
    briefing: str


class ShiftFilter(PageIn):
    start: dt.date | None = Field(None, description="Shifts that start on or after this day.")
    end: dt.date | None = Field(None, description="Shifts that start on or before this day.")
    area: str | None = Field(None, max_length=64, pattern=r"^[-a-zA-Z0-9_]+$", description="An area's code.")
    status: ShiftStatus | None = None


def _shift(shift: Shift) -> dict[str, Any]:
    return {
        "id": shift.pk,
        "collaboration": shift.collaboration.code,
        "area": shift.area.code,
        "operation": shift.operation_id,
        "starts_at": shift.starts_at,
        "ends_at": shift.ends_at,
        "status": shift.status,
        "basis": shift.basis,
        "started_at": shift.started_at,
        "completed_at": shift.completed_at,
        "planned_venues": sorted(v.pk for v in shift.planned_venues.all()),
        "briefing": shift.briefing,
    }


@router.get("/shifts/", response={200: Page[ShiftOut], **ERRORS}, summary="Shifts, filtered by period, area and state")
def shifts(request: HttpRequest, filters: Query[ShiftFilter]) -> dict[str, Any]:
    user = caller(request)
    require_list(user, RecordType.SHIFT)
    qs = Shift.objects.visible_to(user, Action.LIST).select_related("collaboration", "area").prefetch_related("planned_venues")
    if filters.start:
        qs = qs.filter(starts_at__date__gte=filters.start)
    if filters.end:
        qs = qs.filter(starts_at__date__lte=filters.end)
    if filters.area:
        qs = qs.filter(area__code=filters.area)
    if filters.status:
        qs = qs.filter(status=filters.status)
    page = page_of(qs, filters, lambda rows: [_shift(s) for s in rows])
    with transaction.atomic():
        do_record_event(user=user, action=AuditAction.LIST, record_type=RecordType.SHIFT, detail=f"api; ids={','.join(str(s['id']) for s in page['items'])}")
    return page



ShiftId = Annotated[int, Path(ge=1, le=MAX_ID)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _json(schema: type[Schema], data: dict[str, Any]) -> dict[str, Any]:
    """A body as JSON, the form an idempotent create keeps to answer a retry with."""
    return schema.model_validate(data).model_dump(mode="json")


def _shift_for(user: User, shift_id: int, action: Action = Action.VIEW) -> Shift:
    """As the shift pages fetch it: hidden and missing 404 (audited), a read-only role 403."""
    qs = Shift.objects.visible_to(user, Action.VIEW).select_related("collaboration", "area").prefetch_related("planned_venues")
    found = access_or_404(qs, user, RecordType.SHIFT, shift_id, action=action)
    if action is not Action.VIEW:
        require(user, RecordType.SHIFT, action)
    return found


@router.get("/shifts/{shift_id}/", response={200: ShiftOut, **ERRORS}, url_name="shift", summary="One shift (with its ETag)")
def shift(request: HttpRequest, shift_id: ShiftId, response: HttpResponse) -> dict[str, Any]:
    out = _shift(_shift_for(caller(request), shift_id))
    response["ETag"] = etag(out)
    return out


class ShiftIn(Schema):
    area: Id = Field(description="The area's id (see /areas/).")
    starts_at: dt.datetime
    ends_at: dt.datetime
    basis: ShiftBasis
    operation: Id | None = None
    planned_venues: list[Id] = Field([], max_length=100, description="Venue ids (see /venues/).")
    briefing: str = Field("", max_length=10000, description="What the shift is about; no names or other identities.")


class ShiftPatch(Schema):
    area: Id | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    basis: ShiftBasis | None = None
    operation: Id | None = None
    planned_venues: list[Id] | None = Field(None, max_length=100)
    briefing: str | None = Field(None, max_length=10000)


@router.post("/shifts/", response={201: ShiftOut, **ERRORS}, summary="Plan a shift (Idempotency-Key)")
def create_shift(request: HttpRequest, payload: ShiftIn) -> Status[dict[str, Any]]:
    user = caller(request)
    if not can(user, RecordType.SHIFT, Action.LIST):
        raise Http404
    require(user, RecordType.SHIFT, Action.CREATE)
    collaboration = actions.working_collaboration(user)

    def create() -> tuple[int, dict[str, Any]]:
        form = ShiftForm(form_data(payload.dict()), user=user, collaboration=collaboration)
        data = cleaned(form)
        try:
            created = actions.do_create_shift(
                collaboration=collaboration, area=data["area"], starts_at=data["starts_at"], ends_at=data["ends_at"],
                basis=data["basis"], operation=data["operation"], planned_venues=data["planned_venues"],
                # The planner is staffed only if they go out in the field themselves, as on the page.
                participants=[user] if is_field_staff(user) else [], briefing=data["briefing"], acting_user=user,
            )
        except ValidationError as exc:
            raise action_refused(form, exc) from None
        return 201, _json(ShiftOut, _shift(created))

    status, body = idempotency.once(request, user, create)
    return Status(status, body)


@router.patch("/shifts/{shift_id}/", response={200: ShiftOut, **UPDATE_ERRORS}, summary="Change a planned or ongoing shift (If-Match)")
def update_shift(request: HttpRequest, shift_id: ShiftId, payload: ShiftPatch, response: HttpResponse) -> dict[str, Any]:
    user = caller(request)
    found = _shift_for(user, shift_id, Action.UPDATE)
    with transaction.atomic():
        locked = Shift.objects.select_for_update().select_related("collaboration", "area").get(pk=found.pk)
        check_if_match(request, etag(_shift(locked)))
        data: dict[str, Any] = {
            "area": locked.area_id, "starts_at": locked.starts_at, "ends_at": locked.ends_at, "basis": locked.basis,
            "operation": locked.operation_id, "planned_venues": [v.pk for v in locked.planned_venues.all()],
            "briefing": locked.briefing,
        }
        data.update(payload.dict(exclude_unset=True))
        form = ShiftForm(data, instance=locked, user=user, collaboration=locked.collaboration)
        fields = cleaned(form)
        try:
            actions.do_update_shift(
                locked, acting_user=user, planned_venues=fields["planned_venues"],
                **{k: fields[k] for k in ("area", "starts_at", "ends_at", "basis", "operation", "briefing")},
            )
        except ValidationError as exc:
            raise action_refused(form, exc) from None
    out = _shift(_shift_for(user, shift_id, Action.UPDATE))
    response["ETag"] = etag(out)
    return out


def _state_change(request: HttpRequest, shift_id: int, response: HttpResponse, change: Any) -> dict[str, Any]:
    user = caller(request)
    found = _shift_for(user, shift_id, Action.UPDATE)
    change(found, acting_user=user)
    out = _shift(_shift_for(user, shift_id, Action.UPDATE))
    response["ETag"] = etag(out)
    return out


@router.post("/shifts/{shift_id}/start/", response={200: ShiftOut, **ERRORS}, summary="Start a planned shift")
def start_shift(request: HttpRequest, shift_id: ShiftId, response: HttpResponse) -> dict[str, Any]:
    return _state_change(request, shift_id, response, actions.do_start_shift)


@router.post("/shifts/{shift_id}/complete/", response={200: ShiftOut, **ERRORS}, summary="Complete an ongoing shift")
def complete_shift(request: HttpRequest, shift_id: ShiftId, response: HttpResponse) -> dict[str, Any]:
    return _state_change(request, shift_id, response, actions.do_complete_shift)


class CancelIn(Schema):
    reason: str = Field(max_length=300, description="Why the shift is cancelled.")


@router.post("/shifts/{shift_id}/cancel/", response={200: ShiftOut, **ERRORS}, summary="Cancel a planned shift, saying why")
def cancel_shift(request: HttpRequest, shift_id: ShiftId, payload: CancelIn, response: HttpResponse) -> dict[str, Any]:
    user = caller(request)
    found = _shift_for(user, shift_id, Action.UPDATE)
    form = CancelForm(form_data(payload.dict()))
    data = cleaned(form)
    try:
        actions.do_cancel_shift(found, reason=data["reason"], acting_user=user)
    except ValidationError as exc:
        raise action_refused(form, exc, {"cancel_reason": "reason"}) from None
    out = _shift(_shift_for(user, shift_id, Action.UPDATE))
    response["ETag"] = etag(out)
    return out


# --- The staff of a shift ---------------------------------------------------------------


class StaffOut(Schema):
    user: int
    name: str
    agency: str = Field(description="The agency's code.")
    role: str = Field(description="The role when staffed.")
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None


class CandidateOut(Schema):
    user: int
    name: str
    agency: str = Field(description="The agency's code.")
    role: str


class StaffIn(Schema):
    user: Id = Field(description="Field staff of one of the collaboration's agencies (see …/staff/candidates/).")


def _staff(participant: ShiftParticipant) -> dict[str, Any]:
    return {
        "user": participant.user_id, "name": participant.user.display_name, "agency": participant.agency.code,
        "role": participant.role, "checked_in_at": participant.checked_in_at, "checked_out_at": participant.checked_out_at,
    }


def _staff_of(shift: Shift) -> list[dict[str, Any]]:
    return [_staff(p) for p in shift.participants.select_related("user", "agency").order_by("pk")]


def _participant(shift: Shift, user_id: int) -> ShiftParticipant:
    found = shift.participants.select_related("user", "agency").filter(user_id=user_id).first()
    if found is None:
        raise Http404
    return found


@router.get("/shifts/{shift_id}/staff/", response={200: list[StaffOut], **ERRORS}, summary="The staff of a shift, with their check-in and check-out")
def staff(request: HttpRequest, shift_id: ShiftId) -> list[dict[str, Any]]:
    return _staff_of(_shift_for(caller(request), shift_id))


@router.get(
    "/shifts/{shift_id}/staff/candidates/", response={200: list[CandidateOut], **ERRORS},
    summary="Who can be staffed on the shift: field staff of its agencies not yet on it",
)
def staff_candidates(request: HttpRequest, shift_id: ShiftId) -> list[dict[str, Any]]:
    """The choices of the shift page's staffing form, for a role that may change the shift."""
    found = _shift_for(caller(request), shift_id, Action.UPDATE)
    users = ParticipantForm(shift=found).fields["user"].queryset  # type: ignore[attr-defined]
    return [
        {"user": u.pk, "name": u.display_name, "agency": u.membership_record.agency.code, "role": u.membership_record.role}
        for u in users
    ]


@router.post("/shifts/{shift_id}/staff/", response={201: StaffOut, **ERRORS}, summary="Staff a shift (Idempotency-Key)")
def add_staff(request: HttpRequest, shift_id: ShiftId, payload: StaffIn) -> Status[dict[str, Any]]:
    """As the shift page's staffing form; one already on the shift is answered as they are."""
    user = caller(request)
    found = _shift_for(user, shift_id, Action.UPDATE)

    def create() -> tuple[int, dict[str, Any]]:
        form = ParticipantForm(form_data(payload.dict()), shift=found)
        if not form.is_valid() and "user" in form.errors and found.participants.filter(user_id=payload.user).exists():
            # Already staffed: the form no longer offers them, the action would change nothing.
            return 201, _json(StaffOut, _staff(_participant(found, payload.user)))
        data = cleaned(form)
        try:
            participant = actions.do_add_participant(found, user=data["user"], acting_user=user)
        except ValidationError as exc:
            raise action_refused(form, exc) from None
        return 201, _json(StaffOut, _staff(_participant(found, participant.user_id)))

    status, body = idempotency.once(request, user, create)
    return Status(status, body)


@router.delete(
    "/shifts/{shift_id}/staff/{user_id}/", response={204: None, **ERRORS},
    summary="Take a staff member off a planned shift (not one who has checked in)",
)
def remove_staff(request: HttpRequest, shift_id: ShiftId, user_id: ShiftId) -> Status[None]:
    user = caller(request)
    found = _shift_for(user, shift_id, Action.UPDATE)
    participant = _participant(found, user_id)
    actions.do_remove_participant(found, user=participant.user, acting_user=user)
    return Status(204, None)


@router.post("/shifts/{shift_id}/check-in/", response={200: StaffOut, **ERRORS}, summary="Check in to a shift yourself (staffed first if need be)")
def check_in(request: HttpRequest, shift_id: ShiftId) -> dict[str, Any]:
    """As the page's button: checking in twice changes nothing."""
    user = caller(request)
    found = _shift_for(user, shift_id, Action.UPDATE)
    participant = actions.do_check_in(found, acting_user=user)
    return _staff(_participant(found, participant.user_id))


@router.post("/shifts/{shift_id}/check-out/", response={200: StaffOut, **ERRORS}, summary="Check out of a shift yourself")
def check_out(request: HttpRequest, shift_id: ShiftId) -> dict[str, Any]:
    user = caller(request)
    found = _shift_for(user, shift_id, Action.UPDATE)
    participant = actions.do_check_out(found, acting_user=user)
    return _staff(_participant(found, participant.user_id))


# --- What is recorded on a shift ------------------------------------------------------


class EncounterIn(Schema):
    role: EncounterRole = Field(description="Who was met.")
    age_band: AgeBand = Field(description="Uncertain age counts as a child: a child-concern report is made.")
    venue: Id = Field(description="A venue of the shift (see /venues/).")
    occurred_at: dt.datetime | None = Field(None, description="Leave out for now; after the shift, say when.")


class EncounterOut(Schema):
    id: int
    shift: int
    venue: int
    role: str
    age_band: str
    occurred_at: dt.datetime
    recorded_at: dt.datetime
    child_concern_report: bool = Field(description="True when meeting this person files a child-concern report to social services.")


def _encounter(encounter: Encounter) -> dict[str, Any]:
    return {
        "id": encounter.pk, "shift": encounter.shift_id, "venue": encounter.venue_id, "role": encounter.role,
        "age_band": encounter.age_band, "occurred_at": encounter.occurred_at, "recorded_at": encounter.recorded_at,
        "child_concern_report": actions.concern_subject(encounter.role, encounter.age_band) is not None,
    }


@router.get("/shifts/{shift_id}/encounters/", response={200: Page[EncounterOut], **ERRORS}, summary="The encounters of a shift")
def encounters(request: HttpRequest, shift_id: ShiftId, paging: Query[PageIn]) -> dict[str, Any]:
    user = caller(request)
    found = _shift_for(user, shift_id)
    qs = Encounter.objects.visible_to(user, Action.LIST).filter(shift=found)
    return page_of(qs, paging, lambda rows: [_encounter(e) for e in rows])


@router.post("/shifts/{shift_id}/encounters/", response={201: EncounterOut, **ERRORS}, summary="Record an encounter (Idempotency-Key)")
def record_encounter(request: HttpRequest, shift_id: ShiftId, payload: EncounterIn) -> Status[dict[str, Any]]:
    """A possible minor met in prostitution or buying sex files a child-concern report at once, as on the page."""
    user = caller(request)
    found = _shift_for(user, shift_id)
    require(user, RecordType.ENCOUNTER, Action.CREATE)

    def create() -> tuple[int, dict[str, Any]]:
        form = EncounterForm({**form_data(payload.dict()), "idempotency_key": form_key(request, user)}, shift=found, user=user)
        data = cleaned(form)
        try:
            encounter, _created = actions.do_record_encounter(
                found, role=data["role"], age_band=data["age_band"], venue=data["venue"],
                occurred_at=data["occurred_at"], idempotency_key=data["idempotency_key"], acting_user=user,
            )
        except ValidationError as exc:
            raise action_refused(form, exc) from None
        return 201, _json(EncounterOut, _encounter(encounter))

    status, body = idempotency.once(request, user, create)
    return Status(status, body)


class EncounterPatch(Schema):
    occurred_at: dt.datetime | None = Field(None, description="When it happened, within the shift.")
    venue: Id | None = Field(None, description="A venue of the shift (see /venues/).")


def _encounter_of(request: HttpRequest, shift_id: int, encounter_id: int, action: Action) -> tuple[User, Encounter]:
    """As the encounter's page fetches it: the shift (audited as its page), then the encounter of it."""
    user = caller(request)
    found = _shift_for(user, shift_id)
    if action is not Action.VIEW:
        require(user, RecordType.ENCOUNTER, action)
    return user, actions.shift_encounter(user, found, encounter_id, action=action)


@router.get(
    "/shifts/{shift_id}/encounters/{encounter_id}/", response={200: EncounterOut, **ERRORS},
    summary="One encounter of a shift (with its ETag)",
)
def encounter(request: HttpRequest, shift_id: ShiftId, encounter_id: ShiftId, response: HttpResponse) -> dict[str, Any]:
    _user, found = _encounter_of(request, shift_id, encounter_id, Action.VIEW)
    out = _encounter(found)
    response["ETag"] = etag(out)
    return out


@router.patch(
    "/shifts/{shift_id}/encounters/{encounter_id}/", response={200: EncounterOut, **UPDATE_ERRORS},
    summary="Correct an encounter's time or venue: its author, for a limited time after recording it (If-Match)",
)
def update_encounter(
    request: HttpRequest, shift_id: ShiftId, encounter_id: ShiftId, payload: EncounterPatch, response: HttpResponse
) -> dict[str, Any]:
    """As the encounter's correction page: who was met and their age band stand (a child-concern
    report made from them is not undone); the change is shown on the shift and audited."""
    user, found = _encounter_of(request, shift_id, encounter_id, Action.UPDATE)
    with transaction.atomic():
        locked = Encounter.objects.select_for_update().select_related("shift", "venue").get(pk=found.pk)
        check_if_match(request, etag(_encounter(locked)))
        data: dict[str, Any] = {"occurred_at": locked.occurred_at, "venue": locked.venue_id}
        data.update(form_data(payload.dict(exclude_unset=True)))
        form = EncounterCorrectionForm(data, encounter=locked, user=user)
        fields = cleaned(form)
        try:
            corrected = actions.do_correct_encounter(locked, acting_user=user, **fields)
        except ValidationError as exc:
            raise action_refused(form, exc) from None
    out = _encounter(corrected)
    response["ETag"] = etag(out)
    return out


class VisitIn(Schema):
    venue: Id = Field(description="A venue of the shift (see /venues/).")
    outcome: VisitOutcome
    arrived_at: dt.datetime | None = Field(None, description="Leave out for now; after the shift, say when.")
    left_at: dt.datetime | None = None


class VisitOut(Schema):
    id: int
    shift: int
    venue: int
    outcome: str
    arrived_at: dt.datetime
    left_at: dt.datetime | None


def _visit(visit: VenueVisit) -> dict[str, Any]:
    return {
        "id": visit.pk, "shift": visit.shift_id, "venue": visit.venue_id, "outcome": visit.outcome,
        "arrived_at": visit.arrived_at, "left_at": visit.left_at,
    }


@router.get("/shifts/{shift_id}/visits/", response={200: Page[VisitOut], **ERRORS}, summary="The venue visits of a shift")
def visits(request: HttpRequest, shift_id: ShiftId, paging: Query[PageIn]) -> dict[str, Any]:
    user = caller(request)
    found = _shift_for(user, shift_id)
    qs = VenueVisit.objects.visible_to(user, Action.LIST).filter(shift=found)
    return page_of(qs, paging, lambda rows: [_visit(v) for v in rows])


@router.post("/shifts/{shift_id}/visits/", response={201: VisitOut, **ERRORS}, summary="Record a venue visit (Idempotency-Key)")
def record_visit(request: HttpRequest, shift_id: ShiftId, payload: VisitIn) -> Status[dict[str, Any]]:
    user = caller(request)
    found = _shift_for(user, shift_id, Action.UPDATE)

    def create() -> tuple[int, dict[str, Any]]:
        form = VenueVisitForm({**form_data(payload.dict()), "idempotency_key": form_key(request, user)}, shift=found, user=user)
        data = cleaned(form)
        try:
            visit, _created = actions.do_record_venue_visit(found, acting_user=user, **data)
        except ValidationError as exc:
            raise action_refused(form, exc) from None
        return 201, _json(VisitOut, _visit(visit))

    status, body = idempotency.once(request, user, create)
    return Status(status, body)


class VisitPatch(Schema):
    outcome: VisitOutcome | None = None
    arrived_at: dt.datetime | None = None
    left_at: dt.datetime | None = Field(None, description="Null leaves the visit open; see also …/left/.")


def _visit_of(request: HttpRequest, shift_id: int, visit_id: int) -> tuple[User, VenueVisit]:
    """As the visit's pages fetch it: a shift the user may change, a visit of it."""
    user = caller(request)
    found = _shift_for(user, shift_id, Action.UPDATE)
    return user, actions.shift_visit(user, found, visit_id)


@router.get(
    "/shifts/{shift_id}/visits/{visit_id}/", response={200: VisitOut, **ERRORS},
    summary="One venue visit of a shift (with its ETag)",
)
def visit(request: HttpRequest, shift_id: ShiftId, visit_id: ShiftId, response: HttpResponse) -> dict[str, Any]:
    user = caller(request)
    found = _shift_for(user, shift_id)
    out = _visit(actions.shift_visit(user, found, visit_id, action=Action.VIEW))
    response["ETag"] = etag(out)
    return out


@router.patch(
    "/shifts/{shift_id}/visits/{visit_id}/", response={200: VisitOut, **UPDATE_ERRORS},
    summary="Correct a venue visit's times or outcome: its author, for a limited time (If-Match)",
)
def update_visit(
    request: HttpRequest, shift_id: ShiftId, visit_id: ShiftId, payload: VisitPatch, response: HttpResponse
) -> dict[str, Any]:
    user, found = _visit_of(request, shift_id, visit_id)
    if found.recorded_by_id != user.pk:
        # Only its author changes a visit, as on its page.
        raise PermissionDenied
    with transaction.atomic():
        locked = VenueVisit.objects.select_for_update().select_related("shift", "venue").get(pk=found.pk)
        check_if_match(request, etag(_visit(locked)))
        data: dict[str, Any] = {"outcome": locked.outcome, "arrived_at": locked.arrived_at, "left_at": locked.left_at}
        data.update(payload.dict(exclude_unset=True))
        form = VenueVisitCorrectionForm(form_data(data), visit=locked)
        fields = cleaned(form)
        try:
            corrected = actions.do_correct_venue_visit(locked, acting_user=user, **fields)
        except ValidationError as exc:
            raise action_refused(form, exc) from None
    out = _visit(corrected)
    response["ETag"] = etag(out)
    return out


@router.post(
    "/shifts/{shift_id}/visits/{visit_id}/left/", response={200: VisitOut, **ERRORS},
    summary="The staff left the venue now (a visit already left is answered as it is)",
)
def visit_left(request: HttpRequest, shift_id: ShiftId, visit_id: ShiftId, response: HttpResponse) -> dict[str, Any]:
    user, found = _visit_of(request, shift_id, visit_id)
    left = actions.do_record_visit_left(found, acting_user=user)
    out = _visit(left)
    response["ETag"] = etag(out)
    return out


# --- The shift's log ----------------------------------------------------------------------


class LogEntryIn(Schema):
    text: str = Field(max_length=2000, description="What happened; no names or other identities.")


class LogEntryOut(Schema):
    id: int
    shift: int
    written_at: dt.datetime
    author: int
    author_name: str
    text: str


def _log_entry(entry: ShiftLogEntry) -> dict[str, Any]:
    return {
        "id": entry.pk, "shift": entry.shift_id, "written_at": entry.written_at, "author": entry.author_id,
        "author_name": entry.author.display_name, "text": entry.text,
    }


@router.get("/shifts/{shift_id}/log/", response={200: Page[LogEntryOut], **ERRORS}, summary="The shift's running log, oldest first")
def log_entries(request: HttpRequest, shift_id: ShiftId, paging: Query[PageIn]) -> dict[str, Any]:
    """As on the shift page, to everyone who sees the shift."""
    found = _shift_for(caller(request), shift_id)
    qs = found.log_entries.select_related("author")
    return page_of(qs, paging, lambda rows: [_log_entry(e) for e in rows])


@router.post("/shifts/{shift_id}/log/", response={201: LogEntryOut, **ERRORS}, summary="Write in the shift's log (Idempotency-Key)")
def write_log(request: HttpRequest, shift_id: ShiftId, payload: LogEntryIn) -> Status[dict[str, Any]]:
    user = caller(request)
    found = _shift_for(user, shift_id, Action.UPDATE)

    def create() -> tuple[int, dict[str, Any]]:
        form = LogEntryForm(form_data(payload.dict()))
        data = cleaned(form)
        try:
            entry = actions.do_write_log(found, text=data["text"], acting_user=user)
        except ValidationError as exc:
            raise action_refused(form, exc) from None
        return 201, _json(LogEntryOut, _log_entry(entry))

    status, body = idempotency.once(request, user, create)
    return Status(status, body)


# --- Correcting a completed shift -----------------------------------------------------------


class ShiftCorrectionIn(Schema):
    reason: str = Field(max_length=300, description="Why the times are corrected (shown on the shift).")
    starts_at: dt.datetime | None = Field(None, description="The planned start; left out, it stays.")
    ends_at: dt.datetime | None = Field(None, description="The planned end; left out, it stays.")
    started_at: dt.datetime | None = Field(None, description="When it started; left out, it stays.")
    completed_at: dt.datetime | None = Field(None, description="When it was completed; left out, it stays.")


@router.post(
    "/shifts/{shift_id}/correct/", response={200: ShiftOut, **ERRORS},
    summary="Correct a completed shift's times after the fact, saying why",
)
def correct_shift(request: HttpRequest, shift_id: ShiftId, payload: ShiftCorrectionIn, response: HttpResponse) -> dict[str, Any]:
    """As the shift page's correction form: the same rules as live times; shown on the shift and audited."""
    user = caller(request)
    found = _shift_for(user, shift_id, Action.UPDATE)
    data: dict[str, Any] = {name: getattr(found, name) for name in ("starts_at", "ends_at", "started_at", "completed_at")}
    data.update(form_data(payload.dict()))
    form = ShiftCorrectionForm(form_data(data), shift=found)
    fields = cleaned(form)
    try:
        actions.do_correct_shift_times(found, acting_user=user, **fields)
    except ValidationError as exc:
        raise action_refused(form, exc) from None
    out = _shift(_shift_for(user, shift_id, Action.UPDATE))
    response["ETag"] = etag(out)
    return out


# --- Venues -----------------------------------------------------------------------------


class VenueOut(Schema):
    id: int
    kind: str
    name: str
    address: str
    area: int | None
    latitude: float | None
    longitude: float | None


class VenueIn(Schema):
    kind: VenueKind
    name: str = Field(max_length=200)
    address: str = Field("", max_length=300, description="Street address, or the web address or handle for an online venue.")
    area: Id | None = None
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)


class VenuePatch(Schema):
    kind: VenueKind | None = None
    name: str | None = Field(None, max_length=200)
    address: str | None = Field(None, max_length=300)
    area: Id | None = None
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)


class VenueFilter(PageIn):
    q: str | None = Field(None, max_length=200, description="Words of the name or address.")
    kind: VenueKind | None = None


def _venue(venue: Venue) -> dict[str, Any]:
    def number(value: Any) -> float | None:
        return None if value is None else float(value)

    return {
        "id": venue.pk, "kind": venue.kind, "name": venue.name, "address": venue.address, "area": venue.area_id,
        "latitude": number(venue.latitude), "longitude": number(venue.longitude),
    }


def _venue_page_user(request: HttpRequest) -> User:
    """As the venue pages: a role that neither lists nor views venues gets 404 (audited)."""
    user = caller(request)
    require_list(user, RecordType.VENUE, Action.LIST)
    require_list(user, RecordType.VENUE, Action.VIEW)
    return user


@router.get("/venues/", response={200: Page[VenueOut], **ERRORS}, summary="Venues, found by name, address and kind")
def venues(request: HttpRequest, filters: Query[VenueFilter]) -> dict[str, Any]:
    user = _venue_page_user(request)
    form = VenueSearchForm(form_data({"q": filters.q, "kind": filters.kind}))
    data = cleaned(form)
    qs = Venue.objects.visible_to(user).search(data.get("q") or "")
    if data.get("kind"):
        qs = qs.filter(kind=data["kind"])
    return page_of(qs, filters, lambda rows: [_venue(v) for v in rows])


@router.post("/venues/", response={200: VenueOut, 201: VenueOut, **ERRORS}, summary="Add a venue, or find the same one again (Idempotency-Key)")
def create_venue(request: HttpRequest, payload: VenueIn) -> Status[dict[str, Any]]:
    """201 with a new venue; 200 with the existing one of the same kind, name and address."""
    user = _venue_page_user(request)
    require(user, RecordType.VENUE, Action.CREATE)

    def create() -> tuple[int, dict[str, Any]]:
        form = VenueForm(form_data(payload.dict()), user=user)
        data = cleaned(form)
        try:
            venue, created = actions.do_find_or_create_venue(collaboration=actions.working_collaboration(user), acting_user=user, **data)
        except ValidationError as exc:
            raise action_refused(form, exc) from None
        return (201 if created else 200), _json(VenueOut, _venue(venue))

    status, body = idempotency.once(request, user, create)
    return Status(status, body)


def _venue_for(user: User, venue_id: int) -> Venue:
    return access_or_404(Venue.objects.visible_to(user, Action.VIEW), user, RecordType.VENUE, venue_id, audit=False)


@router.get("/venues/{venue_id}/", response={200: VenueOut, **ERRORS}, summary="One venue (with its ETag)")
def venue(request: HttpRequest, venue_id: ShiftId, response: HttpResponse) -> dict[str, Any]:
    out = _venue(_venue_for(caller(request), venue_id))
    response["ETag"] = etag(out)
    return out


@router.patch("/venues/{venue_id}/", response={200: VenueOut, **UPDATE_ERRORS}, summary="Change a venue (If-Match)")
def update_venue(request: HttpRequest, venue_id: ShiftId, payload: VenuePatch, response: HttpResponse) -> dict[str, Any]:
    user = caller(request)
    found = _venue_for(user, venue_id)
    require(user, RecordType.VENUE, Action.UPDATE)
    with transaction.atomic():
        locked = Venue.objects.select_for_update().get(pk=found.pk)
        check_if_match(request, etag(_venue(locked)))
        data = {name: getattr(locked, name) for name in ("kind", "name", "address", "latitude", "longitude")}
        data["area"] = locked.area_id
        data.update(payload.dict(exclude_unset=True))
        form = VenueForm(data, instance=locked, user=user)
        fields = cleaned(form)
        try:
            actions.do_update_venue(locked, acting_user=user, **fields)
        except ValidationError as exc:
            raise action_refused(form, exc) from None
    out = _venue(_venue_for(user, venue_id))
    response["ETag"] = etag(out)
    return out


@router.post(
    "/shifts/{shift_id}/venues/", response={200: VenueOut, 201: VenueOut, **ERRORS},
    summary="Add a venue to the shift on the spot, or the same one found again (Idempotency-Key)",
)
def add_shift_venue(request: HttpRequest, shift_id: ShiftId, payload: VenueIn) -> Status[dict[str, Any]]:
    """As the shift page's venue form: 201 with a new venue, 200 with the existing one of the same
    kind, name and address; either way it becomes one of the shift's venues."""
    user = caller(request)
    found = _shift_for(user, shift_id, Action.UPDATE)
    require(user, RecordType.VENUE, Action.CREATE)

    def create() -> tuple[int, dict[str, Any]]:
        form = shift_venue_form(found, user, form_data(payload.dict()))
        data = cleaned(form)
        try:
            venue, created = actions.do_add_shift_venue(found, acting_user=user, **data)
        except ValidationError as exc:
            raise action_refused(form, exc) from None
        return (201 if created else 200), _json(VenueOut, _venue(venue))

    status, body = idempotency.once(request, user, create)
    return Status(status, body)
