"""Background jobs: start the slow work, then follow it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema, Status

from samverkan.accounts.access import require, require_list
from samverkan.accounts.policy import Action, RecordType
from samverkan.api import idempotency
from samverkan.api.errors import ERRORS, ApiError
from samverkan.api.security import caller
from samverkan.intel import jobs as intel_jobs
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
    }


@router.get("/jobs/{job_id}/", response={200: JobOut, **ERRORS}, url_name="job", summary="A job you started")
def job(request: HttpRequest, job_id: uuid.UUID) -> dict[str, Any]:
    found = Job.objects.of(caller(request)).filter(pk=job_id).first()
    if found is None:
        raise ApiError(404, "not_found", "Not found.")
    return job_out(found)


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
