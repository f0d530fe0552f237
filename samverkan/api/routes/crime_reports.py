"""The police's crime reports, their suspects and parties, and a suspect's consent: as the pages do.

The same doors as ``investigations.views``: the role's permission first (``require``: 403 for
a role that may not write, social services included), a record to change through the pages'
own ``investigations.access`` (hidden and missing both 404, a read-only role 403), the page's
own form and the page's own ``do_*`` action. Reads of the reports and suspects stay at
``/records/crime_report/`` and ``/records/suspect/``, through the gate; a suspect's consents,
which the suspect's page shows to its own agency only, are read here.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Path, Router, Schema, Status

from samverkan.accounts.access import access_or_404, require
from samverkan.accounts.policy import Action, RecordType
from samverkan.api import idempotency
from samverkan.api.errors import ERRORS, UPDATE_ERRORS, ApiError, ErrorOut
from samverkan.api.paging import MAX_ID
from samverkan.api.security import caller
from samverkan.api.writes import action_refused, check_if_match, cleaned, etag, form_data
from samverkan.investigations.access import (
    report_for_write,
    suspect_consent_for_write,
    suspect_for_write,
)
from samverkan.investigations.actions import (
    do_add_party,
    do_add_suspect,
    do_change_crime_report_status,
    do_correct_suspect_identity,
    do_create_crime_report,
    do_record_suspect_consent,
    do_withdraw_suspect_consent,
)
from samverkan.investigations.forms import (
    CrimeReportForm,
    PartyForm,
    StatusForm,
    SuspectConsentForm,
    SuspectForm,
    SuspectIdentityForm,
)
from samverkan.investigations.models import (
    AgeAwareness,
    CrimeReport,
    CrimeReportParty,
    CrimeReportStatus,
    PartyKind,
    Suspect,
    SuspectConsent,
    SuspectConsentGiver,
    SuspectRole,
    TraffickingPurpose,
)
from samverkan.operations.models import AgeBand
from samverkan.sharing import gate

router = Router(tags=["crime reports"])
ReportId = Annotated[int, Path(ge=1, le=MAX_ID)]
SuspectId = Annotated[int, Path(ge=1, le=MAX_ID)]
ConsentId = Annotated[int, Path(ge=1, le=MAX_ID)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _json(schema: type[Schema], data: dict[str, Any]) -> dict[str, Any]:
    """A body as JSON, the form an idempotent create keeps to answer a retry with."""
    return schema.model_validate(data).model_dump(mode="json")


class CrimeReportIn(Schema):
    collaboration: Id = Field(description="One of your agency's collaborations.")
    case_number: str = Field(max_length=24, description="For example K123456-21.")
    offence: Id = Field(description="The offence's id.")
    committed_at: dt.datetime = Field(description="The time of the offence.")
    venue: Id | None = None
    shift: Id | None = None
    narrative: str = Field("", max_length=10000)
    buyer_aware_of_age: AgeAwareness | None = Field(None, description="Purchase of a sexual act from a child (BrB 6:9) only.")
    awareness_basis: str = Field("", max_length=2000)
    trafficking_purpose: TraffickingPurpose | None = Field(None, description="Human trafficking (BrB 4:1 a) only.")
    trafficking_victim_age: AgeBand | None = Field(None, description="Human trafficking (BrB 4:1 a) only.")


class CrimeReportOut(Schema):
    id: int = Field(description="Read the report at /records/crime_report/{id}/.")
    case_number: str
    offence: int
    committed_at: dt.datetime
    status: str
    collaboration: int
    venue: int | None
    shift: int | None


def _report(report: CrimeReport) -> dict[str, Any]:
    return _json(CrimeReportOut, {
        "id": report.pk, "case_number": report.case_number, "offence": report.offence_id,
        "committed_at": report.committed_at, "status": report.status, "collaboration": report.collaboration_id,
        "venue": report.venue_id, "shift": report.shift_id,
    })


@router.post("/crime-reports/", response={201: CrimeReportOut, **ERRORS}, summary="Register a crime report (Idempotency-Key)")
def create_crime_report(request: HttpRequest, payload: CrimeReportIn) -> Status[dict[str, Any]]:
    user = caller(request)
    require(user, RecordType.CRIME_REPORT, Action.CREATE)

    def create() -> tuple[int, dict[str, Any]]:
        form = CrimeReportForm(form_data(payload.dict()), user=user)
        data = cleaned(form)
        try:
            report = do_create_crime_report(acting_user=user, **data)
        except ValidationError as exc:
            raise action_refused(form, exc) from None
        return 201, _report(report)

    status, body = idempotency.once(request, user, create)
    return Status(status, body)


class SuspectIn(Schema):
    name: str = Field(max_length=200)
    personnummer: str = Field("", max_length=15, description="YYYYMMDD-NNNN; a co-ordination number is accepted too.")
    birth_date: dt.date | None = Field(None, description="Required when there is no personal identity number.")
    role: SuspectRole
    encounter: Id | None = Field(None, description="Met on the report's shift as this encounter (not a person in prostitution).")


class SuspectOut(Schema):
    id: int = Field(description="Read the suspect at /records/suspect/{id}/.")
    crime_report: int
    role: str
    age_at_offence: int
    encounter: int | None
    child_concern_report: bool = Field(description="True when the suspect was under 18: a child-concern report went to social services.")


def _suspect(suspect: Suspect) -> dict[str, Any]:
    return _json(SuspectOut, {
        "id": suspect.pk, "crime_report": suspect.crime_report_id, "role": suspect.role,
        "age_at_offence": suspect.age_at_offence, "encounter": suspect.encounter_id,
        "child_concern_report": suspect.child_concern_report_id is not None,
    })


@router.post(
    "/crime-reports/{report_id}/suspects/", response={201: SuspectOut, 409: ErrorOut, **ERRORS},
    summary="Add a suspect to a crime report (Idempotency-Key)",
)
def add_suspect(request: HttpRequest, report_id: ReportId, payload: SuspectIn) -> Status[dict[str, Any]]:
    """One under 18 at the offence files a child-concern report at once, as on the page."""
    user = caller(request)
    report = report_for_write(user, report_id)
    require(user, RecordType.SUSPECT, Action.CREATE)
    if not report.is_open:
        raise ApiError(409, "conflict", _("The crime report is closed; no suspects can be added."))

    def create() -> tuple[int, dict[str, Any]]:
        form = SuspectForm(form_data(payload.dict()), report=report, user=user)
        data = cleaned(form)
        try:
            suspect = do_add_suspect(report, acting_user=user, **data)
        except ValidationError as exc:
            raise action_refused(form, exc) from None
        return 201, _suspect(suspect)

    status, body = idempotency.once(request, user, create)
    return Status(status, body)


class SuspectDetailOut(Schema):
    id: int
    crime_report: int
    name: str
    personnummer: str = Field(description="YYYYMMDD-NNNN, or empty when none is known.")
    birth_date: dt.date
    role: str
    age_at_offence: int = Field(description="As registered: a correction of the date of birth does not change it.")
    encounter: int | None
    child_concern_report: bool = Field(description="True when the suspect was under 18: a child-concern report went to social services.")


class SuspectPatch(Schema):
    name: str | None = Field(None, max_length=200)
    personnummer: str | None = Field(None, max_length=15, description="YYYYMMDD-NNNN; a co-ordination number too; null or empty when none is known.")
    birth_date: dt.date | None = Field(None, description="Required when there is no personal identity number.")


def _suspect_detail(suspect: Suspect) -> dict[str, Any]:
    return _json(SuspectDetailOut, {
        "id": suspect.pk, "crime_report": suspect.crime_report_id, "name": suspect.name,
        "personnummer": suspect.personnummer_display, "birth_date": suspect.birth_date, "role": suspect.role,
        "age_at_offence": suspect.age_at_offence, "encounter": suspect.encounter_id,
        "child_concern_report": suspect.child_concern_report_id is not None,
    })


@router.get("/suspects/{suspect_id}/", response={200: SuspectDetailOut, **ERRORS}, summary="One of your agency's suspects, with their identity (with its ETag)")
def suspect(request: HttpRequest, suspect_id: SuspectId, response: HttpResponse) -> dict[str, Any]:
    """The read of the suspect's page, audited as it; a suspect disclosed to social services is
    read at /records/suspect/{id}/ (here: 404)."""
    user = caller(request)
    if gate.is_disclosed_read(user, RecordType.SUSPECT):
        raise Http404
    found = access_or_404(Suspect.objects.visible_to(user, Action.VIEW), user, RecordType.SUSPECT, suspect_id)
    out = _suspect_detail(found)
    response["ETag"] = etag(out)
    return out


@router.patch(
    "/suspects/{suspect_id}/", response={200: SuspectDetailOut, **UPDATE_ERRORS},
    summary="Correct a suspect's name, personnummer or date of birth (If-Match)",
)
def correct_suspect(request: HttpRequest, suspect_id: SuspectId, payload: SuspectPatch, response: HttpResponse) -> dict[str, Any]:
    """As the suspect's correction page: the person key follows the identity, the age at the offence
    stays as registered, and a correction that shows the suspect was under 18 files the missing
    child-concern report. A field left out stays; a null personnummer or date of birth is cleared."""
    user = caller(request)
    found = suspect_for_write(user, suspect_id)
    with transaction.atomic():
        locked = Suspect.objects.select_for_update().get(pk=found.pk)
        check_if_match(request, etag(_suspect_detail(locked)))
        data: dict[str, Any] = {"name": locked.name, "personnummer": locked.personnummer_display, "birth_date": locked.birth_date}
        data.update(payload.dict(exclude_unset=True))
        form = SuspectIdentityForm(form_data(data))
        fields = cleaned(form)
        try:
            corrected = do_correct_suspect_identity(locked, acting_user=user, **fields)
        except ValidationError as exc:
            raise action_refused(form, exc) from None
    out = _suspect_detail(corrected)
    response["ETag"] = etag(out)
    return out


class StatusIn(Schema):
    status: CrimeReportStatus = Field(description="The new status; the report's next statuses are the only ones allowed.")


@router.post(
    "/crime-reports/{report_id}/status/", response={200: CrimeReportOut, **ERRORS},
    summary="Change a crime report's status (opened, closed, prosecuted …)",
)
def change_status(request: HttpRequest, report_id: ReportId, payload: StatusIn) -> dict[str, Any]:
    """A state change, as the page's status buttons: setting the status it has changes nothing."""
    user = caller(request)
    report = report_for_write(user, report_id)
    form = StatusForm(form_data(payload.dict()))
    data = cleaned(form)
    try:
        changed = do_change_crime_report_status(report, status=data["status"], acting_user=user)
    except ValidationError as exc:
        raise action_refused(form, exc) from None
    return _report(changed)


# --- Parties: injured parties and witnesses, as the encounters with them ---------------------


class PartyIn(Schema):
    encounter: Id = Field(description="An encounter of the report's shift (or venue, or the day around the offence).")
    kind: PartyKind


class PartyOut(Schema):
    id: int
    crime_report: int
    encounter: int
    kind: str
    created_at: dt.datetime


def _party(party: CrimeReportParty) -> dict[str, Any]:
    return _json(PartyOut, {
        "id": party.pk, "crime_report": party.crime_report_id, "encounter": party.encounter_id,
        "kind": party.kind, "created_at": party.created_at,
    })


@router.post(
    "/crime-reports/{report_id}/parties/", response={201: PartyOut, 409: ErrorOut, **ERRORS},
    summary="Add an injured party or a witness to a crime report (Idempotency-Key)",
)
def add_party(request: HttpRequest, report_id: ReportId, payload: PartyIn) -> Status[dict[str, Any]]:
    """A party is the encounter with them, never an identity; the offence decides who may be
    an injured party (BrB 6:9, 6:11), as on the page."""
    user = caller(request)
    report = report_for_write(user, report_id)
    if not report.is_open:
        raise ApiError(409, "conflict", _("The crime report is closed; no parties can be added."))

    def create() -> tuple[int, dict[str, Any]]:
        form = PartyForm(form_data(payload.dict()), report=report, user=user)
        data = cleaned(form)
        try:
            party = do_add_party(report, acting_user=user, **data)
        except ValidationError as exc:
            raise action_refused(form, exc) from None
        return 201, _party(party)

    status, body = idempotency.once(request, user, create)
    return Status(status, body)


# --- The suspect's consent that the police tell social services (OSL 12 kap. 2 §) ------------


class SuspectConsentIn(Schema):
    given_by: SuspectConsentGiver = Field(description="A guardian consents only for a suspect under 18 on that day.")
    given_on: dt.date | None = Field(None, description="When; today if left out.")
    detail: str = Field("", max_length=300, description="E.g. that KAST may contact the person.")


class SuspectConsentOut(Schema):
    id: int
    suspect: int
    given_by: str
    given_on: dt.date
    detail: str
    recorded_at: dt.datetime
    withdrawn_at: dt.datetime | None


def _suspect_consent(consent: SuspectConsent) -> dict[str, Any]:
    return _json(SuspectConsentOut, {
        "id": consent.pk, "suspect": consent.suspect_id, "given_by": consent.given_by, "given_on": consent.given_on,
        "detail": consent.detail, "recorded_at": consent.recorded_at, "withdrawn_at": consent.withdrawn_at,
    })


@router.get(
    "/suspects/{suspect_id}/consents/", response={200: list[SuspectConsentOut], **ERRORS},
    summary="A suspect's consents to inform social services, withdrawn ones too",
)
def suspect_consents(request: HttpRequest, suspect_id: SuspectId) -> list[dict[str, Any]]:
    """As the suspect's own page shows them, its read audited; a disclosed suspect shows none (404)."""
    user = caller(request)
    if gate.is_disclosed_read(user, RecordType.SUSPECT):
        raise Http404
    suspect = access_or_404(Suspect.objects.visible_to(user, Action.VIEW), user, RecordType.SUSPECT, suspect_id)
    return [_suspect_consent(c) for c in SuspectConsent.objects.visible_to(user, Action.VIEW).filter(suspect=suspect)]


@router.post(
    "/suspects/{suspect_id}/consents/", response={201: SuspectConsentOut, **ERRORS},
    summary="Record a suspect's consent to inform social services (Idempotency-Key)",
)
def record_suspect_consent(request: HttpRequest, suspect_id: SuspectId, payload: SuspectConsentIn) -> Status[dict[str, Any]]:
    user = caller(request)
    suspect = suspect_for_write(user, suspect_id)

    def create() -> tuple[int, dict[str, Any]]:
        values = form_data(payload.dict())
        values.setdefault("given_on", timezone.localdate())
        form = SuspectConsentForm(values)
        data = cleaned(form)
        try:
            consent = do_record_suspect_consent(suspect, acting_user=user, **data)
        except ValidationError as exc:
            raise action_refused(form, exc) from None
        return 201, _suspect_consent(consent)

    status, body = idempotency.once(request, user, create)
    return Status(status, body)


@router.post(
    "/suspect-consents/{consent_id}/withdraw/", response={200: SuspectConsentOut, **ERRORS},
    summary="Withdraw a suspect's consent",
)
def withdraw_suspect_consent(request: HttpRequest, consent_id: ConsentId) -> dict[str, Any]:
    """As the page: withdrawing a withdrawn consent changes nothing and answers it as it is."""
    user = caller(request)
    consent = suspect_consent_for_write(user, consent_id)
    return _suspect_consent(do_withdraw_suspect_consent(consent, acting_user=user))
