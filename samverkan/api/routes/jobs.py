"""Background jobs: start the slow work, then follow it; an export's file when it is done."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from samverkan.accounts.access import require, require_list
from samverkan.accounts.policy import Action, RecordType
from samverkan.api import idempotency
from samverkan.api.errors import ERRORS, ApiError, ErrorOut
from samverkan.api.security import caller
from samverkan.api.writes import cleaned, form_data, form_key
from samverkan.audit.actions import do_record_event
from samverkan.audit.forms import AuditEventFilterForm
from samverkan.audit.models import AuditAction
from samverkan.intel import jobs as intel_jobs
from samverkan.intel.forms import ImportForm
from samverkan.intel.importing import detect_format
from samverkan.jobs import audit_export, files
from samverkan.jobs.actions import do_start_job
from samverkan.jobs.models import Job

router = Router(tags=["jobs"])


class JobOut(Schema):
    id: uuid.UUID
    kind: str
    state: str
    progress_done: int
    progress_total: int | None
    progress_note: str
    summary: list[str]
    result_url: str
    file_url: str = Field("", description="An export's file, once written (empty otherwise).")
    error: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    url: str


def job_out(job: Job) -> dict[str, Any]:
    return {
        "id": job.pk, "kind": job.kind, "state": job.state, "progress_done": job.progress_done,
        "progress_total": job.progress_total, "progress_note": job.progress_note, "summary": job.summary,
        "result_url": job.result_url, "error": job.error, "created_at": job.created_at,
        "finished_at": job.finished_at, "url": reverse("api-v1:job", kwargs={"job_id": job.pk}),
        "file_url": reverse("api-v1:job_file", kwargs={"job_id": job.pk}) if job.result.get("file") else "",
    }


@router.get("/jobs/{job_id}/", response={200: JobOut, **ERRORS}, url_name="job", summary="A job you started")
def job(request: HttpRequest, job_id: uuid.UUID) -> dict[str, Any]:
    found = Job.objects.of(caller(request)).filter(pk=job_id).first()
    if found is None:
        raise ApiError(404, "not_found", "Not found.")
    return job_out(found)


# What an export's file may be, as the download documents it.
FILE_TYPES = (
    "text/csv", "application/json", "text/plain", "application/pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)


@router.get(
    "/jobs/{job_id}/file/", response={200: None, 409: ErrorOut, 410: ErrorOut, **ERRORS}, url_name="job_file",
    summary="The file of an export job you started",
    openapi_extra={"responses": {"200": {
        "description": "The file, as an attachment (each download is logged as an export).",
        "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in FILE_TYPES},
    }}},
)
def job_file(request: HttpRequest, job_id: uuid.UUID) -> HttpResponseBase:
    """409 while the job has no file (waiting, running, failed); 410 once the file has expired."""
    user = caller(request)
    found = Job.objects.of(user).filter(pk=job_id).first()
    if found is None:
        raise ApiError(404, "not_found", "Not found.")
    try:
        return files.download(found, user)
    except files.Refused:
        raise ApiError(404, "not_found", "Not found.") from None
    except files.NotReady:
        raise ApiError(409, "not_ready", _("The file is not ready yet.")) from None
    except files.Expired:
        raise ApiError(410, "expired", _("The file is no longer kept: start the export again.")) from None


class AuditExportIn(Schema):
    user: str = Field("", max_length=150, description="Username contains (your own agency's users).")
    record_type: str = ""
    record_id: str = Field("", max_length=64)
    action: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


@router.post(
    "/audit/export/", response={202: JobOut, **ERRORS},
    summary="Export your agency's audit log as CSV (a job, for auditors; Idempotency-Key)",
)
def export_audit_log(request: HttpRequest, body: AuditExportIn) -> Status[dict[str, Any]]:
    user = caller(request)
    if not audit_export.may_export(user):
        do_record_event(user=user, action=AuditAction.DENIED, record_type=RecordType.AUDIT_EVENT, detail="audit log export")
        raise Http404

    def start() -> tuple[int, dict[str, Any]]:
        form = AuditEventFilterForm(form_data({k: v for k, v in body.dict().items() if v != ""}))
        cleaned(form)
        started = do_start_job(audit_export.AUDIT_EXPORT, acting_user=user, params=audit_export.params_of(form))
        return 202, JobOut.model_validate(job_out(started)).model_dump(mode="json")

    status, answer = idempotency.once(request, user, start)
    return Status(status, answer)


@router.post("/intel/link/", response={202: JobOut, **ERRORS}, summary="Link the agency's intelligence items (a job)")
def link_intel(request: HttpRequest) -> Status[dict[str, Any]]:
    user = caller(request)
    require_list(user, RecordType.NETWORK)
    require(user, RecordType.NETWORK, Action.UPDATE)

    def start() -> tuple[int, dict[str, Any]]:
        started = do_start_job(intel_jobs.LINK, acting_user=user)
        return 202, JobOut.model_validate(job_out(started)).model_dump(mode="json")

    status, body = idempotency.once(request, user, start)
    return Status(status, body)


class ImportIn(Schema):
    strict: bool = False
    encoding: str = ""


@router.post("/intel/items/import/", response={202: JobOut, **ERRORS}, summary="Import intelligence items from a file (a job; Idempotency-Key)")
def import_items(request: HttpRequest, file: File[UploadedFile], options: Form[ImportIn]) -> Status[dict[str, Any]]:
    """JSON Lines, CSV or Parquet, as on the import page: answers 202 with the job at once."""
    user = caller(request)
    require_list(user, RecordType.INTEL_ITEM, Action.CREATE)

    def start() -> tuple[int, dict[str, Any]]:
        data = {"strict": "on" if options.strict else "", "encoding": options.encoding, "key": str(form_key(request, user))}
        form = ImportForm(data, MultiValueDict({"file": [file]}))
        fields = cleaned(form)
        upload = fields["file"]
        stored = intel_jobs.store_upload(upload)
        try:
            started = do_start_job(
                intel_jobs.IMPORT, acting_user=user, key=fields["key"],
                params={
                    "stored": stored, "display_name": Path(upload.name).name[:300], "file_format": detect_format(upload.name),
                    "strict": fields["strict"], "encoding": fields["encoding"] or None,
                },
            )
        except BaseException:
            intel_jobs.discard_upload(stored)
            raise
        if started.params.get("stored") != stored:
            intel_jobs.discard_upload(stored)  # the same request twice: the first job has the file
        return 202, JobOut.model_validate(job_out(started)).model_dump(mode="json")

    status, body = idempotency.once(request, user, start)
    return Status(status, body)
