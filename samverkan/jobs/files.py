"""The files that export jobs write: kept private, served to their starter, gone after a week.

An export job writes its file to a storage of its own under ``SAMVERKAN_JOB_FILES_DIR``
(never under ``MEDIA_ROOT``: nothing serves that folder), named by the job's id, so a
retried job writes the same file again instead of a second one. The job's result names the
file; ``views.job_file`` serves it to the user who started the job while they still hold
the right the export needs, and audits each download as the export it is.

The files expire ``SAMVERKAN_EXPORT_DAYS`` after the job finished (7 by default): each
export job removes the expired files before it writes its own, ``manage.py
expire_job_files`` does it on a schedule, and the download refuses an expired file even
before it is removed. The job's own cleanup, not a retention rule: a file is a copy of what
the records and the log hold, made for one person, not a record with a retention period.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone

from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction
from samverkan.jobs.models import Job, JobState

if TYPE_CHECKING:
    from samverkan.jobs.kinds import Progress

FOLDER = "exports"


def export_days() -> int:
    return int(getattr(settings, "SAMVERKAN_EXPORT_DAYS", 7))


class PrivateStorage(FileSystemStorage):
    """A folder no web server serves: a file in it has no address of its own."""

    def url(self, name: str | None) -> str:
        raise ValueError("An export's file has no address: it is served by jobs.views.job_file only.")


def storage() -> PrivateStorage:
    location = Path(settings.SAMVERKAN_JOB_FILES_DIR) / FOLDER
    location.mkdir(parents=True, exist_ok=True)
    return PrivateStorage(location=location)


def stored_name(job: Job, extension: str) -> str:
    return f"{uuid.UUID(str(job.pk)).hex}.{extension}"


def write(job: Job, extension: str, chunks: Iterable[bytes]) -> tuple[str, int]:
    """Write the job's file whole or not at all (a temporary name, then renamed); returns its name and size.

    The same job writes the same name: a retry replaces the file, never adds one.
    """
    name = stored_name(job, extension)
    folder = Path(storage().location)
    partial = folder / f".{name}.{os.getpid()}.part"
    size = 0
    try:
        with partial.open("wb") as out:
            for chunk in chunks:
                out.write(chunk)
                size += len(chunk)
        partial.replace(folder / name)
    finally:
        partial.unlink(missing_ok=True)
    return name, size


def file_result(name: str, *, filename: str, content_type: str, size: int, audit_detail: str) -> dict[str, Any]:
    """What a finished export job keeps in ``Job.result``: the stored file and how to serve and audit it."""
    return {
        "file": name,
        "filename": filename,
        "content_type": content_type,
        "size": size,
        "audit_detail": audit_detail[:500],
    }


def download_url(job: Job) -> str:
    return reverse("jobs:job_file", kwargs={"pk": job.pk})


def expires_at(job: Job) -> dt.datetime | None:
    if not job.result.get("file") or job.finished_at is None:
        return None
    return job.finished_at + dt.timedelta(days=export_days())


def is_expired(job: Job, now: dt.datetime | None = None) -> bool:
    until = expires_at(job)
    return until is not None and (now or timezone.now()) >= until


def path_of(job: Job) -> Path | None:
    """The job's file on disk, if it has one that is still kept."""
    name = str(job.result.get("file") or "")
    if not name or is_expired(job):
        return None
    path = Path(storage().location) / Path(name).name
    return path if path.is_file() else None


def expire(now: dt.datetime | None = None, progress: Progress | None = None) -> int:
    """Remove the files of export jobs finished more than the kept days ago; returns how many went."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=export_days())
    removed = 0
    # An expired job's result loses its file's name and says ``expired`` instead.
    expired = Job.objects.filter(state=JobState.DONE, finished_at__lte=cutoff, result__has_key="file")
    for job in expired.iterator():
        name = Path(str(job.result.get("file") or "")).name
        if name:
            (Path(storage().location) / name).unlink(missing_ok=True)
        result = {key: value for key, value in job.result.items() if key != "file"}
        Job.objects.filter(pk=job.pk).update(result={**result, "expired": True})
        removed += 1
    # A file with no job (the job deleted, or a write broken off) is removed after the same time.
    folder = Path(storage().location)
    kept = set(Job.objects.filter(result__has_key="file").values_list("result__file", flat=True))
    for path in folder.iterdir():
        if path.name in kept or not path.is_file():
            continue
        changed = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
        if changed <= cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


class Refused(Exception):
    """Not an export, or the user no longer holds the right it needs: answered as 404."""


class NotReady(Exception):
    """The job has not (or not yet) written its file."""


class Expired(Exception):
    """The file was kept its days and is gone."""


def download(job: Job, user: Any) -> FileResponse:
    """The file of ``job`` (the caller has found it among the user's own jobs), its export audited.

    Both doors use it: the job's page (``views.job_file``) and the API (``/jobs/{id}/file/``).
    """
    from samverkan.jobs.kinds import registry

    kind = registry().get(job.kind)
    if kind is None or kind.may_download is None or not kind.may_download(user):
        do_record_event(user=user, action=AuditAction.DENIED, record_type="job", record_id=f"job:{job.pk}", detail="file")
        raise Refused
    if job.state != JobState.DONE or not (job.result.get("file") or job.result.get("expired")):
        raise NotReady
    path = path_of(job)
    if path is None:
        raise Expired
    handle = path.open("rb")
    with transaction.atomic():
        do_record_event(
            user=user,
            action=AuditAction.EXPORT,
            record_type=kind.record_type,
            record_id=f"job:{job.pk}",
            detail=str(job.result.get("audit_detail", "")),
        )
    return FileResponse(
        handle,
        as_attachment=True,
        filename=str(job.result.get("filename") or path.name),
        content_type=str(job.result.get("content_type") or "application/octet-stream"),
    )
