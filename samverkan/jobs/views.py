"""A job's page: progress while it runs (htmx polls the status fragment), then its result.

An export job's result is a file (``files.py``): ``job_file`` serves it to the job's starter
alone, while they still hold the export's right, and audits each download as an export.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from samverkan.accounts.access import signed_in
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction
from samverkan.jobs import files
from samverkan.jobs.actions import do_retry_job
from samverkan.jobs.kinds import registry
from samverkan.jobs.models import Job

LIST_SIZE = 50


def _own_job(request: HttpRequest, pk: uuid.UUID) -> Job:
    user = signed_in(request)
    job = Job.objects.of(user).filter(pk=pk).first()
    if job is None:
        do_record_event(user=user, action=AuditAction.DENIED, record_type="job", record_id=f"job:{pk}")
        raise Http404
    return job


def _context(job: Job) -> dict[str, object]:
    return {
        "job": job,
        "kind": registry().get(job.kind),
        "file_expires_at": files.expires_at(job),
        "file_expired": files.is_expired(job) or bool(job.result.get("expired")),
        "file_days": files.export_days(),
    }


@require_GET
@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    jobs = Job.objects.of(user).filter(kind__in=list(registry()))[:LIST_SIZE]
    return render(request, "jobs/job_list.html", {"jobs": jobs})


@require_GET
@login_required
def job_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    return render(request, "jobs/job_detail.html", _context(_own_job(request, pk)))


@require_GET
@login_required
def job_status(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The fragment the job's page polls; it stops polling once the job has finished."""
    return render(request, "jobs/_job_status.html", _context(_own_job(request, pk)))


@require_POST
@login_required
def job_retry(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    job = _own_job(request, pk)
    try:
        do_retry_job(job, acting_user=signed_in(request))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The job is started again."))
    return redirect("jobs:job_detail", pk=job.pk)


@require_GET
@login_required
@never_cache
def job_file(request: HttpRequest, pk: uuid.UUID) -> HttpResponseBase:
    """An export job's file, for its starter while they still may export; each download audited."""
    job = _own_job(request, pk)
    try:
        return files.download(job, signed_in(request))
    except files.Refused:
        raise Http404 from None
    except files.NotReady:
        messages.error(request, _("The file is not ready yet."))
    except files.Expired:
        messages.error(
            request,
            _("The file is no longer kept: exported files are removed after %(days)s days. Start the export again.")
            % {"days": files.export_days()},
        )
    return redirect("jobs:job_detail", pk=job.pk)
