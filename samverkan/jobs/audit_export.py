"""The audit log's CSV export as a background job: the log can hold millions of events.

It lives here, not in ``audit``, because the audit log is the floor every app (the jobs
too) stands on: ``audit`` cannot import the job machinery, so the job kind and the form
that starts it are declared by ``jobs`` (``JobsConfig.job_kinds()``), over the rows that
``audit.export`` writes.

The file is the log as it stood when the auditor asked: the rows before the job's own
``create`` event, recorded in the request that started it. A retried job writes the same
rows to the same file. Each download is logged as the ``export`` of the log, with the
filter, as the export in the request was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from samverkan.accounts.access import signed_in
from samverkan.accounts.policy import Action, RecordType
from samverkan.audit import export
from samverkan.audit.actions import do_record_event
from samverkan.audit.forms import AuditEventFilterForm
from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.jobs import files
from samverkan.jobs.actions import do_start_job
from samverkan.jobs.kinds import JobKind, JobOutcome, JobRefused, Progress
from samverkan.jobs.models import Job

AUDIT_EXPORT = "audit_export"
# Lines written to the file at a time, and between progress reports.
BLOCK = 2000


class AuditExportForm(AuditEventFilterForm):
    """The list's filter, and the key that makes a form sent twice start one job."""

    key = forms.UUIDField(required=False, widget=forms.HiddenInput)


def may_export(user: Any) -> bool:
    return export.may_read_log(user, Action.EXPORT)


def params_of(form: AuditEventFilterForm) -> dict[str, Any]:
    """A valid filter as the job keeps it: the criteria in use, as the form reads them again."""
    criteria = {}
    for name in AuditEventFilterForm.base_fields:
        value = form.cleaned_data.get(name)
        if value not in (None, ""):
            criteria[name] = value.isoformat() if isinstance(value, dt.date) else str(value)
    return {"filter": criteria}


def _bound(job: Job) -> int:
    """The job's ``create`` event: the rows before it are the log as the auditor asked for it."""
    seq = (
        AuditEvent.objects.filter(action=AuditAction.CREATE, record_id=f"job:{job.pk}")
        .order_by("seq")
        .values_list("seq", flat=True)
        .first()
    )
    if seq is None:
        raise JobRefused(_("The request for this export is not in the audit log; start the export again."))
    return seq


def _encoded(lines: Iterator[str], progress: Progress) -> Iterator[bytes]:
    block: list[str] = []
    for n, line in enumerate(lines):
        block.append(line)
        if len(block) >= BLOCK:
            yield "".join(block).encode("utf-8")
            block = []
            progress.done(n)  # the header line is not an event
    if block:
        yield "".join(block).encode("utf-8")


def export_log(job: Job, progress: Progress) -> JobOutcome:
    user = job.created_by
    if not may_export(user):
        raise JobRefused(_("You may no longer export the audit log."))
    form = AuditEventFilterForm(job.params.get("filter") or {})
    if not form.is_valid():
        raise JobRefused(_("The filter of the export is not valid; start the export again from the audit log."))
    files.expire()
    rows = (
        form.filter(export.readable_events(user), own_agency=user.agency)
        .filter(seq__lt=_bound(job))
        .order_by("-seq")
    )
    progress.total(rows.count(), _("Writing the events"))
    agency_id = user.agency.pk if user.agency else None
    name, size = files.write(job, "csv", _encoded(export.csv_lines(rows.iterator(chunk_size=BLOCK), agency_id), progress))
    progress.done(job.progress_total or 0)
    count = job.progress_total or 0
    return JobOutcome(
        summary=[_("Events exported: %(count)s") % {"count": count}],
        url=files.download_url(job),
        data=files.file_result(
            name,
            filename=export.filename(job.agency, job.created_at),
            content_type="text/csv; charset=utf-8",
            size=size,
            audit_detail=form.summary(),
        ),
    )


@require_POST
@login_required
def start_audit_export(request: HttpRequest) -> HttpResponse:
    """The audit log's export button: starts the job and sends the auditor to its page."""
    user = signed_in(request)
    if not may_export(user):
        do_record_event(user=user, action=AuditAction.DENIED, record_type=RecordType.AUDIT_EVENT, detail="audit log export")
        raise Http404
    form = AuditExportForm(request.POST)
    if not form.is_valid():
        # The list's own filter form shows what was wrong (the key is no field of it).
        shown = AuditEventFilterForm(request.POST)
        error = "" if not shown.is_valid() else _("The export form is out of date: reload the page and try again.")
        return render(request, "audit/event_list.html", {"form": shown, "page": None, "error": error}, status=400)
    key = form.cleaned_data.get("key")
    job = do_start_job(AUDIT_EXPORT, acting_user=user, params=params_of(form), key=str(key) if key else "")
    return redirect("jobs:job_detail", pk=job.pk)


JOB_KINDS = [
    JobKind(
        AUDIT_EXPORT, gettext_lazy("Exporting the audit log"), RecordType.AUDIT_EVENT, export_log, may_download=may_export
    ),
]
