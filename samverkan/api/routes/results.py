"""The results report: the same object as the results page, as JSON; its files as export jobs.

``GET /results/`` answers the report itself (about half a second on national data, as the
page). A file (PDF, XLSX, CSV, JSON, text) is built by a job, as the page's download buttons
build it: ``POST /results/export/`` answers 202 with the job, whose file is then fetched from
``/jobs/{id}/file/``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status

from samverkan.api import idempotency
from samverkan.api.errors import ERRORS, ApiError
from samverkan.api.paging import MAX_ID
from samverkan.api.routes.jobs import JobOut, job_out
from samverkan.api.security import caller
from samverkan.api.writes import cleaned
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction
from samverkan.jobs.actions import do_start_job
from samverkan.reports import access
from samverkan.reports.exports import to_dict
from samverkan.reports.forms import ReportForm
from samverkan.reports.jobs import RESULTS_EXPORT, query_of
from samverkan.reports.views import build_for

router = Router(tags=["results"])


class ResultsIn(Schema):
    year: int | None = Field(None, ge=2000, le=2100)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    areas: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field([], max_length=100, description="Area ids (see /areas/).")
    operation: int | None = Field(None, ge=1, le=MAX_ID)
    public: bool = Field(False, description="The public version: small counts protected.")


@router.get("/results/", response={200: dict[str, Any], **ERRORS}, summary="The results report")
def results(request: HttpRequest, query: Query[ResultsIn]) -> dict[str, Any]:
    user = caller(request)
    if not access.can_open_results(user):
        raise Http404
    data: dict[str, Any] = {k: v for k, v in query.dict().items() if v not in (None, [], False)}
    if "year" not in data and "date_from" not in data and "date_to" not in data:
        data["year"] = timezone.localdate().year - 1
    form, report = build_for(user, data)
    if report is None:
        details = [{"field": name, "message": " ".join(str(m) for m in errors)} for name, errors in form.errors.items()]
        raise ApiError(422, "invalid", _("The request was refused: see the details."), details)
    with transaction.atomic():
        do_record_event(
            user=user, action=AuditAction.EXPORT, record_type="results",
            detail=f"api {report.mode.value} {report.period.start}–{report.period.end}"[:500],
        )
    return to_dict(report, "en" if get_language() == "en" else "sv")


class ResultsExportIn(ResultsIn):
    format: Literal["pdf", "xlsx", "csv", "json", "text"] = Field(description="The file's format.")


@router.post(
    "/results/export/", response={202: JobOut, **ERRORS},
    summary="Export the results report as a file (a job; Idempotency-Key)",
)
def export_results(request: HttpRequest, body: ResultsExportIn) -> Status[dict[str, Any]]:
    """The page's download buttons: 202 with the job at once; its file at ``/jobs/{id}/file/`` when done."""
    user = caller(request)
    if not access.can_open_results(user):
        raise Http404

    def start() -> tuple[int, dict[str, Any]]:
        data: dict[str, Any] = {
            k: v for k, v in body.dict().items() if k != "format" and v not in (None, [], False)
        }
        form = ReportForm(data, user=user)
        cleaned(form)
        started = do_start_job(RESULTS_EXPORT, acting_user=user, params={"fmt": body.format, "query": query_of(form)})
        return 202, JobOut.model_validate(job_out(started)).model_dump(mode="json")

    status, answer = idempotency.once(request, user, start)
    return Status(status, answer)
