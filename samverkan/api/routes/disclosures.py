"""Disclosures between the agencies: the inbox and outbox, and their decisions as explicit actions.

The same doors as the disclosure pages (``sharing.views``): only the roles that request or
decide disclosures (``require_case_role``), one disclosure through
``access_disclosure_for_user`` (audited), each step the page's form and the page's action
(``sharing.actions``). What a delivered disclosure shows is read through ``/records/``,
by the gate; a disclosure here carries only what the disclosure pages show of it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext_lazy as _
from ninja import Field, Path, Query, Router, Schema, Status

from samverkan.accounts.access import require
from samverkan.accounts.models import Agency, User
from samverkan.accounts.policy import Action, RecordType
from samverkan.api import idempotency
from samverkan.api.errors import ERRORS, ApiError, ErrorOut
from samverkan.api.paging import MAX_ID, Page, PageIn, page_of
from samverkan.api.security import caller
from samverkan.api.writes import action_refused, cleaned, form_data, refused
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction
from samverkan.operations.models import Shift
from samverkan.sharing import actions
from samverkan.sharing.access import access_disclosure_for_user, require_case_role
from samverkan.sharing.forms import ApproveForm, OralForm, RefuseForm, RequestForm, StartForm
from samverkan.sharing.gate import Disclosable, record_types_owned_by, record_types_requestable_by
from samverkan.sharing.models import Disclosure, DisclosureStatus, RefusalKind
from samverkan.sharing.resolve import Subject, candidates, owner_record, summary
from samverkan.sharing.views import (
    RENAME,
    _chosen_type,
    _oral_record,
    _record_choices,
    _row,
    _shift_from,
)

router = Router(tags=["disclosures"])
DisclosureId = Annotated[int, Path(ge=1, le=MAX_ID)]
_RELATED = ("requesting_agency", "owning_agency", "legal_basis", "offence")


class DisclosureOut(Schema):
    id: int
    record_type: str
    requesting_agency: str
    owning_agency: str
    status: str
    encounter: int | None
    case_number: str
    purpose: str
    fields_requested: list[str]
    fields_granted: list[str]
    record_id: int | None = Field(description="Once delivered, read the record at /records/{record_type}/{record_id}/.")
    legal_basis: str | None
    refusal_kind: str
    refusal_reason: str
    made_orally: bool
    requested_at: dt.datetime
    decided_at: dt.datetime | None
    accepted_at: dt.datetime | None
    valid_until: dt.date | None


def _out(d: Disclosure) -> dict[str, Any]:
    return {
        "id": d.pk, "record_type": d.record_type, "requesting_agency": d.requesting_agency.code,
        "owning_agency": d.owning_agency.code, "status": d.status, "encounter": d.encounter_id,
        "case_number": d.case_number, "purpose": d.purpose, "fields_requested": list(d.fields_requested),
        "fields_granted": list(d.fields_granted), "record_id": d.record_id,
        "legal_basis": d.legal_basis.code if d.legal_basis else None, "refusal_kind": d.refusal_kind,
        "refusal_reason": d.refusal_reason, "made_orally": d.made_orally, "requested_at": d.requested_at,
        "decided_at": d.decided_at, "accepted_at": d.accepted_at, "valid_until": d.valid_until,
    }


def _agency(user: User) -> Agency:
    agency = user.agency
    if agency is None:
        raise PermissionDenied
    return agency


class DisclosureFilter(PageIn):
    box: Literal["received", "sent"] = Field("received", description="Requests to your agency, or your agency's own.")
    status: DisclosureStatus | None = None


@router.get("/disclosures/", response={200: Page[DisclosureOut], **ERRORS}, summary="Disclosures to or from your agency")
def disclosures(request: HttpRequest, filters: Query[DisclosureFilter]) -> dict[str, Any]:
    user = caller(request)
    require_case_role(user, "inbox" if filters.box == "received" else "outbox")
    agency = _agency(user)
    qs = Disclosure.objects.visible_to(user).select_related(*_RELATED)
    qs = qs.received_by(agency) if filters.box == "received" else qs.sent_by(agency)
    if filters.status:
        qs = qs.filter(status=filters.status)
    page = page_of(qs, filters, lambda rows: [_out(d) for d in rows])
    with transaction.atomic():
        do_record_event(
            user=user, action=AuditAction.LIST, record_type=RecordType.DISCLOSURE,
            detail=f"api {filters.box}; ids={','.join(str(d['id']) for d in page['items'])}",
        )
    return page


@router.get("/disclosures/{disclosure_id}/", response={200: DisclosureOut, **ERRORS}, summary="One disclosure")
def disclosure(request: HttpRequest, disclosure_id: DisclosureId) -> dict[str, Any]:
    user = caller(request)
    require_case_role(user, "detail")
    return _out(access_disclosure_for_user(user, disclosure_id))


def _for_write(request: HttpRequest, disclosure_id: int, what: str) -> tuple[User, Disclosure]:
    """As the disclosure pages: the case roles only, the agency's own disclosures, writers only."""
    user = caller(request)
    require_case_role(user, what)
    found = access_disclosure_for_user(user, disclosure_id, action=Action.UPDATE)
    require(user, RecordType.DISCLOSURE, Action.UPDATE)
    return user, found


def _refused(exc: ValidationError) -> ApiError:
    return action_refused(forms.Form(), exc)


def _reread(user: User, disclosure_id: int) -> dict[str, Any]:
    return _out(access_disclosure_for_user(user, disclosure_id, action=Action.UPDATE))


@router.post("/disclosures/{disclosure_id}/accept/", response={200: DisclosureOut, **ERRORS}, summary="Accept an approved disclosure (the requester)")
def accept(request: HttpRequest, disclosure_id: DisclosureId) -> dict[str, Any]:
    user, found = _for_write(request, disclosure_id, "accept")
    if found.requesting_agency_id != _agency(user).pk:
        raise PermissionDenied  # the owner cannot accept on the requester's behalf
    try:
        actions.do_accept_disclosure(found, acting_user=user)
    except ValidationError as exc:
        raise _refused(exc) from None
    return _reread(user, found.pk)


@router.post("/disclosures/{disclosure_id}/withdraw/", response={200: DisclosureOut, **ERRORS}, summary="Withdraw your agency's request")
def withdraw(request: HttpRequest, disclosure_id: DisclosureId) -> dict[str, Any]:
    user, found = _for_write(request, disclosure_id, "withdraw")
    if found.requesting_agency_id != _agency(user).pk:
        raise PermissionDenied
    try:
        actions.do_withdraw_disclosure(found, acting_user=user)
    except ValidationError as exc:
        raise _refused(exc) from None
    return _reread(user, found.pk)


class DecisionIn(Schema):
    decision: Literal["approve", "refuse"]
    record: int | None = Field(None, ge=1, le=MAX_ID, description="Approve: the record of yours the request names.")
    field_names: list[Annotated[str, Field(max_length=64)]] = Field([], max_length=50, description="Approve: fields asked for that you grant.")
    legal_basis: int | None = Field(None, ge=1, le=MAX_ID, description="Approve: the legal basis's id.")
    assessment: str = Field("", max_length=4000, description="Approve: the secrecy assessment, kept with the decision.")
    offence: int | None = Field(None, ge=1, le=MAX_ID)
    recipients: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(None, max_length=50, description="Approve: who of the named colleagues reads it; all when left out.")
    reach: str = Field("", max_length=16)
    valid_until: dt.date | None = None
    refusal_kind: RefusalKind | None = Field(None, description="Refuse: why.")
    reason: str = Field("", max_length=2000, description="Refuse: the explanation to the requester.")


@router.post("/disclosures/{disclosure_id}/decide/", response={200: DisclosureOut, 409: ErrorOut, **ERRORS}, summary="Approve or refuse a request (the owner)")
def decide(request: HttpRequest, disclosure_id: DisclosureId, payload: DecisionIn) -> dict[str, Any]:
    user, found = _for_write(request, disclosure_id, "decide")
    if found.owning_agency_id != _agency(user).pk:
        raise PermissionDenied  # the requester cannot decide its own request
    if not found.can_be_decided:
        raise ApiError(409, "conflict", _("This request has already been answered."))
    values = form_data(payload.dict(exclude={"decision"}))
    if payload.decision == "refuse":
        refuse = RefuseForm(values)
        data = cleaned(refuse)
        try:
            actions.do_decide_disclosure(found, approve=False, refusal_kind=data["refusal_kind"], reason=data["reason"], acting_user=user)
        except ValidationError as exc:
            raise action_refused(refuse, exc) from None
        return _reread(user, found.pk)
    registered = _row(found).registered
    records = candidates(user, found.owning_agency, Subject(found.record_type, found.encounter_id, found.case_number))
    if payload.recipients is None:
        values["recipients"] = [u.pk for u in found.recipients.all()]
    approve = ApproveForm(
        values, registered=registered, requested=list(found.fields_requested),
        records=[(s.pk, s.label) for s in (summary(found.record_type, r) for r in records)],
        named=found.recipients.all(), requester=found.requested_by,
    )
    data = cleaned(approve)
    try:
        actions.do_decide_disclosure(
            found, approve=True, record_id=data["record"], legal_basis=data["legal_basis"], fields=data["field_names"],
            assessment=data["assessment"], offence=data.get("offence"), recipients=data["recipients"], reach=data["reach"],
            valid_until=data["valid_until"], acting_user=user,
        )
    except ValidationError as exc:
        raise action_refused(approve, exc, RENAME) from None
    return _reread(user, found.pk)


# --- Requests and oral disclosures: creates ------------------------------------------------


def _json(data: dict[str, Any]) -> dict[str, Any]:
    """A body as JSON, the form an idempotent create keeps to answer a retry with."""
    return DisclosureOut.model_validate(data).model_dump(mode="json")


def _chosen(user: User, record_type: str, allowed: list[str], encounter: int | None, record: int | None = None) -> tuple[Disclosable[Any], Shift | None]:
    """The kind of record and the shift, as the pages' first step finds them (``sharing.views``):
    the page's start form refuses a kind the agency may not use; a hidden encounter names no shift."""
    cleaned(StartForm({"record_type": record_type}, user=user, record_types=allowed))
    query = QueryDict(mutable=True)
    query.update(form_data({"record_type": record_type, "encounter": encounter, "record": record}))
    registered = _chosen_type(query, allowed)
    assert registered is not None  # the start form accepted it
    shift, _encounter = _shift_from(user, query)
    return registered, shift


class RequestIn(Schema):
    record_type: str = Field(max_length=32, description="The kind of record asked for, one your agency may request (see the request page).")
    encounter: int | None = Field(None, ge=1, le=MAX_ID, description="The encounter the record is about (its shift is the one where the person was met).")
    case_number: str = Field("", max_length=24, description="Or the case number, for the kinds of record named by one.")
    field_names: list[Annotated[str, Field(max_length=64)]] = Field(max_length=50, description="The fields asked for.")
    purpose: str = Field(max_length=2000, description="What the information is needed for; the other agency's decision rests on it.")
    owning_agency: int | None = Field(None, ge=1, le=MAX_ID, description="The agency asked; left out when there is only one.")
    offence: int | None = Field(None, ge=1, le=MAX_ID, description="To the police: the suspected offence, when the basis needs one.")
    colleagues: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field([], max_length=50, description="Colleagues on the same case who read it too.")


@router.post("/disclosures/", response={201: DisclosureOut, **ERRORS}, summary="Request a disclosure from the other agency (Idempotency-Key)")
def request_disclosure(request: HttpRequest, payload: RequestIn) -> Status[dict[str, Any]]:
    user = caller(request)
    require_case_role(user, "request form")
    require(user, RecordType.DISCLOSURE, Action.CREATE)
    allowed = record_types_requestable_by(_agency(user).kind)

    def create() -> tuple[int, dict[str, Any]]:
        registered, shift = _chosen(user, payload.record_type, allowed, payload.encounter)
        form = RequestForm(form_data(payload.dict()), user=user, registered=registered, shift=shift)
        data = cleaned(form)
        try:
            made = actions.do_request_disclosure(
                owning_agency=data["owning_agency"], record_type=registered.record_type, fields=data["field_names"],
                purpose=data["purpose"], encounter=data.get("encounter"), case_number=data.get("case_number", ""),
                offence=data.get("offence"), colleagues_named=data["colleagues"], acting_user=user,
            )
        except ValidationError as exc:
            raise action_refused(form, exc, RENAME) from None
        return 201, _json(_out(made))

    status, body = idempotency.once(request, user, create)
    return Status(status, body)


class OralIn(Schema):
    record_type: str = Field(max_length=32, description="The kind of your agency's record that was told.")
    requesting_agency: int | None = Field(None, ge=1, le=MAX_ID, description="The agency told; left out when there is only one.")
    recipients: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(max_length=50, description="The persons told: they, and nobody else of their agency, read it.")
    recipient_name: str = Field("", max_length=200)
    valid_until: dt.date | None = None
    occurred_at: dt.datetime = Field(description="When it was said.")
    encounter: int | None = Field(None, ge=1, le=MAX_ID, description="The encounter the record is about.")
    case_number: str = Field("", max_length=24)
    record: int | None = Field(None, ge=1, le=MAX_ID, description="Your agency's record, named directly or chosen among several that match.")
    field_names: list[Annotated[str, Field(max_length=64)]] = Field(max_length=50, description="The fields told.")
    legal_basis: int = Field(ge=1, le=MAX_ID, description="The legal basis's id.")
    offence: int | None = Field(None, ge=1, le=MAX_ID)
    purpose: str = Field(max_length=2000, description="What it was needed for.")
    assessment: str = Field(max_length=4000, description="Why the disclosure was allowed, as assessed when it was made.")


@router.post("/oral-disclosures/", response={201: DisclosureOut, **ERRORS}, summary="Record a disclosure your agency made orally (Idempotency-Key)")
def record_oral_disclosure(request: HttpRequest, payload: OralIn) -> Status[dict[str, Any]]:
    user = caller(request)
    require_case_role(user, "oral form")
    require(user, RecordType.DISCLOSURE, Action.CREATE)
    agency = _agency(user)
    allowed = record_types_owned_by(agency.kind)

    def create() -> tuple[int, dict[str, Any]]:
        registered, shift = _chosen(user, payload.record_type, allowed, payload.encounter, payload.record)
        direct = owner_record(user, registered.record_type, agency, payload.record) if payload.record else None
        form = OralForm(
            form_data(payload.dict()), user=user, registered=registered, shift=shift,
            records=_record_choices(registered, [direct]) if direct else None,
        )
        data = cleaned(form)
        record_id, _matches = _oral_record(user, agency, registered, form)
        if record_id is None:
            raise refused(form)
        try:
            made = actions.do_record_oral_disclosure(
                requesting_agency=data["requesting_agency"], record_type=registered.record_type, record_id=record_id,
                fields=data["field_names"], legal_basis=data["legal_basis"], assessment=data["assessment"],
                purpose=data["purpose"], occurred_at=data["occurred_at"], encounter=data.get("encounter"),
                offence=data.get("offence"), recipient_name=data["recipient_name"], recipients=data["recipients"],
                valid_until=data["valid_until"], acting_user=user,
            )
        except ValidationError as exc:
            raise action_refused(form, exc, RENAME) from None
        return 201, _json(_out(made))

    status, body = idempotency.once(request, user, create)
    return Status(status, body)
