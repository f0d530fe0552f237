"""The results report's downloads as a background job.

On national data the report alone takes about half a second (``make bench``), and the
PDF and XLSX are built on top of it, with one row for every area and month: more than a
web request should hold. The results page's download buttons start a job
(``views.results_export``); the worker builds the same ``Report`` for the same user
(masked to the figures their role may see) and renders it with the same renderer as
before, so the file is the one the request used to send. A retry writes the same file.
Each download is logged as the export of the results, as the download in the request was.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from samverkan.jobs import files
from samverkan.jobs.kinds import JobKind, JobOutcome, JobRefused, Progress
from samverkan.jobs.models import Job
from samverkan.lib.swedish_numbers import Language
from samverkan.reports import access
from samverkan.reports.exports import CONTENT_TYPES, render
from samverkan.reports.forms import ReportForm
from samverkan.reports.report import Report

RESULTS_EXPORT = "results_export"
RECORD_TYPE = "results"


def extension(fmt: str) -> str:
    return {"text": "txt"}.get(fmt, fmt)


def filename(report: Report, fmt: str) -> str:
    period = report.period
    return f"samverkan-resultat-{period.start:%Y%m%d}-{period.end:%Y%m%d}-{report.mode.value}.{extension(fmt)}"


def audit_detail(report: Report, fmt: str) -> str:
    return f"{fmt} {report.mode.value} {report.period.start}–{report.period.end}"[:500]


def query_of(form: ReportForm) -> dict[str, list[str]]:
    """A valid report form's choices as the job keeps them (the page's query, read again by the worker).

    Without a year or dates, the page's default year is fixed now: a job run after New Year
    exports the year that was asked for.
    """
    data = form.cleaned_data
    query: dict[str, list[str]] = {}
    if data.get("date_from") and data.get("date_to"):
        query["date_from"], query["date_to"] = [data["date_from"].isoformat()], [data["date_to"].isoformat()]
    else:
        query["year"] = [str(data.get("year") or timezone.localdate().year - 1)]
    if data.get("areas"):
        query["areas"] = [str(area.pk) for area in data["areas"]]
    if data.get("operation"):
        query["operation"] = [str(data["operation"].pk)]
    if data.get("public"):
        query["public"] = ["on"]
    return query


def language() -> Language:
    return "en" if get_language() == "en" else "sv"


def export_results(job: Job, progress: Progress) -> JobOutcome:
    from samverkan.reports.views import build_for

    user = job.created_by
    if not access.can_open_results(user):
        raise JobRefused(_("You may no longer open the results."))
    fmt = str(job.params.get("fmt", ""))
    if fmt not in CONTENT_TYPES:
        raise JobRefused(_("The file format is not one the results can be exported in."))
    query: dict[str, Any] = job.params.get("query") or {}
    files.expire()
    progress.total(2, _("Counting the figures"))
    form, report = build_for(user, MultiValueDict({k: list(v) for k, v in query.items()}))
    if report is None:
        reasons = " ".join(str(m) for errors in form.errors.values() for m in errors)
        raise JobRefused(_("The report's choices are not valid: %(reasons)s") % {"reasons": reasons})
    progress.done(1, _("Writing the file"))
    body = render(report, fmt, language())
    name, size = files.write(job, extension(fmt), [body])
    progress.done(2)
    return JobOutcome(
        summary=[
            _("Period: %(start)s–%(end)s") % {"start": report.period.start, "end": report.period.end},
            _("Internal – not for publication") if not report.is_public else _("Public version (small counts protected)"),
        ],
        url=files.download_url(job),
        data=files.file_result(
            name, filename=filename(report, fmt), content_type=CONTENT_TYPES[fmt], size=size,
            audit_detail=audit_detail(report, fmt),
        ),
    )


JOB_KINDS = [
    JobKind(
        RESULTS_EXPORT, gettext_lazy("Exporting the results"), RECORD_TYPE, export_results,
        may_download=access.can_open_results,
    ),
]
