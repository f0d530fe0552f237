"""The police's crime reports and their suspects: registering them, as the crime-report pages do.

The same doors as ``investigations.views``: the role's permission first (``require``: 403 for
a role that may not write, social services included), a report to add to through the page's
``_report_for_write`` (hidden and missing both 404, a read-only role 403), the page's own
form and the page's own ``do_*`` action. Reads stay at ``/records/crime_report/`` and
``/records/suspect/``, through the gate.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Path, Router, Schema, Status

from samverkan.accounts.access import require
from samverkan.accounts.policy import Action, RecordType
from samverkan.api import idempotency
from samverkan.api.errors import ERRORS, ApiError, ErrorOut
from samverkan.api.paging import MAX_ID
from samverkan.api.security import caller
from samverkan.api.writes import action_refused, cleaned, form_data
from samverkan.investigations.actions import do_add_suspect, do_create_crime_report
from samverkan.investigations.forms import CrimeReportForm, SuspectForm
from samverkan.investigations.models import (
    AgeAwareness,
    CrimeReport,
    Suspect,
    SuspectRole,
    TraffickingPurpose,
)
from samverkan.investigations.views import _report_for_write
from samverkan.operations.models import AgeBand

router = Router(tags=["crime reports"])
ReportId = Annotated[int, Path(ge=1, le=MAX_ID)]
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
    report = _report_for_write(user, report_id)
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
