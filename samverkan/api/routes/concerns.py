"""Child-concern reports (orosanmälningar) and social services' handling of them.

The same doors as the concern pages: the reports addressed to the user's social services
(``support.access.access_concern_for_user``, every read audited as the report and its
handling), each step of the handling an explicit action with the page's form and the
page's ``do_*`` action (assess protection, decide, finish the investigation, link the
client, close). The police, who file the reports, do not reach their handling.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema

from samverkan.accounts.access import require, require_list
from samverkan.accounts.models import User
from samverkan.accounts.policy import Action, RecordType
from samverkan.api.errors import ERRORS
from samverkan.api.paging import MAX_ID, Page, PageIn, page_of
from samverkan.api.security import caller
from samverkan.api.writes import action_refused, cleaned, form_data
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction
from samverkan.operations.models import ChildConcernReport
from samverkan.support import actions
from samverkan.support.access import access_concern_for_user
from samverkan.support.forms import (
    CloseConcernForm,
    ConcernClientForm,
    DecisionForm,
    FinishInvestigationForm,
    ProtectionForm,
)
from samverkan.support.models import (
    Client,
    ConcernClientLink,
    ConcernDecision,
    ConcernHandling,
    concern_reports_handled_by,
    open_concern_reports,
)

router = Router(tags=["child-concern reports"])
ReportId = Annotated[int, Path(ge=1, le=MAX_ID)]


class DeadlineOut(Schema):
    name: str
    due: dt.datetime
    overdue: bool


class ConcernOut(Schema):
    id: int
    subject: str
    received_at: dt.datetime
    reporter_agency: str
    encounter: int | None
    summary: str
    guardians_to_notify: bool
    status: str
    protection_assessed_at: dt.datetime | None
    protection_assessment: str
    decision: str
    decided_at: dt.datetime | None
    investigation_closed_at: dt.datetime | None
    closed_at: dt.datetime | None
    closure_reason: str
    client: int | None = Field(description="The client the report is about, once linked.")
    deadlines: list[DeadlineOut]


def _out(handling: ConcernHandling, client: int | None, now: dt.datetime) -> dict[str, Any]:
    report = handling.report
    return {
        "id": report.pk, "subject": report.subject, "received_at": report.created_at,
        "reporter_agency": report.reporter_agency.name, "encounter": report.encounter_id, "summary": report.summary,
        "guardians_to_notify": report.guardians_to_notify, "status": handling.status,
        "protection_assessed_at": handling.protection_assessed_at, "protection_assessment": handling.protection_assessment,
        "decision": handling.decision, "decided_at": handling.decided_at,
        "investigation_closed_at": handling.investigation_closed_at, "closed_at": handling.closed_at,
        "closure_reason": handling.closure_reason, "client": client,
        "deadlines": [{"name": name, "due": due, "overdue": overdue} for name, due, overdue in handling.deadlines(now)],
    }


def _clients(user: User, reports: list[ChildConcernReport]) -> dict[int, int]:
    links = ConcernClientLink.objects.visible_to(user, Action.UPDATE).filter(report__in=reports)
    return dict(links.values_list("report_id", "client_id"))


class ConcernFilter(PageIn):
    open: bool = Field(True, description="Only the reports whose handling is not closed (the inbox); false for all.")


@router.get("/concern-reports/", response={200: Page[ConcernOut], **ERRORS}, summary="The child-concern reports addressed to your social services")
def concern_reports(request: HttpRequest, filters: Query[ConcernFilter]) -> dict[str, Any]:
    user = caller(request)
    require_list(user, RecordType.CONCERN_HANDLING, Action.LIST)
    qs = concern_reports_handled_by(user, Action.LIST).select_related("reporter_agency")
    if filters.open:
        qs = open_concern_reports(qs)
    now = timezone.now()

    def convert(rows: Any) -> list[dict[str, Any]]:
        clients = _clients(user, list(rows))
        return [_out(h, clients.get(h.report.pk), now) for h in ConcernHandling.of_each(rows)]

    page = page_of(qs, filters, convert)
    with transaction.atomic():
        do_record_event(
            user=user, action=AuditAction.LIST, record_type=RecordType.CONCERN_HANDLING,
            detail=f"api; ids={','.join(str(r['id']) for r in page['items'])}",
        )
    return page


def _read(user: User, report_id: int, action: Action = Action.VIEW) -> dict[str, Any]:
    handling = access_concern_for_user(user, report_id, action=action)
    return _out(handling, _clients(user, [handling.report]).get(handling.report.pk), timezone.now())


@router.get("/concern-reports/{report_id}/", response={200: ConcernOut, **ERRORS}, summary="One child-concern report and its handling")
def concern_report(request: HttpRequest, report_id: ReportId) -> dict[str, Any]:
    return _read(caller(request), report_id)


def _step(request: HttpRequest, report_id: int, form: forms.Form, write: Callable[[ChildConcernReport, dict[str, Any], User], Any]) -> dict[str, Any]:
    """One step of the handling, as the page takes it: the page's form, then its action."""
    user = caller(request)
    require(user, RecordType.CONCERN_HANDLING, Action.UPDATE)
    report = access_concern_for_user(user, report_id, action=Action.UPDATE).report
    data = cleaned(form)
    try:
        write(report, data, user)
    except ValidationError as exc:
        raise action_refused(form, exc) from None
    return _read(user, report.pk, Action.UPDATE)


class ProtectionIn(Schema):
    assessment: str = Field(max_length=5000, description="Is the child in need of immediate protection?")
    assessed_at: dt.datetime | None = Field(None, description="When; now if left out.")


class DecisionIn(Schema):
    decision: ConcernDecision
    decided_at: dt.datetime | None = Field(None, description="When; now if left out.")


class FinishIn(Schema):
    finished_at: dt.datetime | None = Field(None, description="When; now if left out.")


class ClientIn(Schema):
    client: int = Field(ge=1, le=MAX_ID, description="One of your agency's clients.")


class CloseIn(Schema):
    closure_reason: str = Field("", max_length=2000, description="Required unless the child has been referred to support.")


def _now_unless(values: dict[str, Any], name: str) -> dict[str, Any]:
    data = form_data(values)
    data.setdefault(name, timezone.now())
    return data


@router.post("/concern-reports/{report_id}/assess/", response={200: ConcernOut, **ERRORS}, summary="Record the protection assessment")
def assess(request: HttpRequest, report_id: ReportId, payload: ProtectionIn) -> dict[str, Any]:
    return _step(
        request, report_id, ProtectionForm(_now_unless(payload.dict(), "assessed_at")),
        lambda report, data, user: actions.do_assess_protection(
            report, assessment=data["assessment"], assessed_at=data["assessed_at"], acting_user=user
        ),
    )


@router.post("/concern-reports/{report_id}/decide/", response={200: ConcernOut, **ERRORS}, summary="Decide whether to open an investigation")
def decide(request: HttpRequest, report_id: ReportId, payload: DecisionIn) -> dict[str, Any]:
    return _step(
        request, report_id, DecisionForm(_now_unless(payload.dict(), "decided_at")),
        lambda report, data, user: actions.do_decide_concern(
            report, decision=data["decision"], decided_at=data["decided_at"], acting_user=user
        ),
    )


@router.post("/concern-reports/{report_id}/finish/", response={200: ConcernOut, **ERRORS}, summary="Record the end of the investigation")
def finish(request: HttpRequest, report_id: ReportId, payload: FinishIn) -> dict[str, Any]:
    return _step(
        request, report_id, FinishInvestigationForm(_now_unless(payload.dict(), "finished_at")),
        lambda report, data, user: actions.do_finish_investigation(report, finished_at=data["finished_at"], acting_user=user),
    )


@router.post("/concern-reports/{report_id}/client/", response={200: ConcernOut, **ERRORS}, summary="Link the report to the client it is about")
def link_client(request: HttpRequest, report_id: ReportId, payload: ClientIn) -> dict[str, Any]:
    user = caller(request)
    return _step(
        request, report_id, ConcernClientForm(payload.dict(), clients=Client.objects.visible_to(user, Action.UPDATE)),
        lambda report, data, user: actions.do_link_concern_to_client(report, client=data["client"], acting_user=user),
    )


@router.post("/concern-reports/{report_id}/close/", response={200: ConcernOut, **ERRORS}, summary="Close the handled report")
def close(request: HttpRequest, report_id: ReportId, payload: CloseIn) -> dict[str, Any]:
    return _step(
        request, report_id, CloseConcernForm(payload.dict()),
        lambda report, data, user: actions.do_close_concern(report, reason=data["closure_reason"], acting_user=user),
    )
