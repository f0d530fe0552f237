"""Starting and retrying background jobs: one transaction each, audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samverkan.audit.actions import audit_record
from samverkan.audit.models import AuditAction
from samverkan.jobs.kinds import kind_of
from samverkan.jobs.models import Job, JobState
from samverkan.jobs.tasks import run_job


def _enqueue(job: Job) -> None:
    # Queued in the same transaction as the job's row (the database backend stores the task
    # as a row too), so a job is never saved without its task, nor a task without its job.
    result = run_job.enqueue(str(job.pk))
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id))


def do_start_job(kind: str, *, acting_user: Any, params: dict[str, Any] | None = None, key: str = "") -> Job:
    """Queue a job of ``kind`` for the user's agency and return it.

    The same non-empty ``key`` from the same user returns the first job (a retried
    form post starts nothing new). A kind that runs one at a time per agency returns
    the job already waiting or running.
    """
    declared = kind_of(kind)
    agency = acting_user.agency
    if agency is None:
        raise ValidationError(_("Only a member of an agency can start a job."))
    with transaction.atomic():
        if key:
            existing = Job.objects.filter(created_by=acting_user, kind=kind, key=key).first()
            if existing is not None:
                return existing
        if declared.one_at_a_time_per_agency:
            running = Job.objects.select_for_update().filter(kind=kind, agency=agency).unfinished().first()
            if running is not None and not running.stalled:
                return running
        try:
            with transaction.atomic():
                job = Job.objects.create(
                    kind=kind,
                    created_by=acting_user,
                    agency=agency,
                    language=translation.get_language() or "sv",
                    params=params or {},
                    key=key,
                )
        except IntegrityError:
            # The same key posted twice at the same moment: the first one won.
            return Job.objects.get(created_by=acting_user, kind=kind, key=key)
        audit_record(acting_user, AuditAction.CREATE, declared.record_type, f"job:{job.pk}", detail=f"job {kind}")
        _enqueue(job)
    job.refresh_from_db()
    return job


def do_retry_job(job: Job, *, acting_user: Any) -> Job:
    """Queue a failed (or stalled) job again; its handler is idempotent."""
    declared = kind_of(job.kind)
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if not job.can_retry:
            raise ValidationError(_("Only a job that failed or stopped can be started again."))
        Job.objects.filter(pk=job.pk).update(
            state=JobState.QUEUED, error="", error_details=[], started_at=None, finished_at=None,
            heartbeat_at=timezone.now(), progress_done=0,
        )
        audit_record(acting_user, AuditAction.UPDATE, declared.record_type, f"job:{job.pk}", detail=f"job {job.kind}: retry")
        _enqueue(job)
    job.refresh_from_db()
    return job
